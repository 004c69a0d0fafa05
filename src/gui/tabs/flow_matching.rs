//! The flow-matching tab: train a velocity field live, then watch it carry noise to data — the
//! loss and the loss by time t, the samples, and one ODE run step by step (on 2-D data the
//! points flowing over the plane with where each is heading; on images x_t beside the image it
//! heads for), under a paragraph on how flow matching differs from diffusion; then how straight
//! the paths are, and reflow as a live option.

use std::time::{Duration, Instant};

use burn::tensor::Device;
use eframe::egui;
use egui_plot::{Bar, BarChart, Plot};

use crate::data::{DatasetId, ToyKind};
use crate::models::flow_matching::reflow::{
    DEFAULT_REFLOW_PAIRS, IndependentAgain, MAX_REFLOW_PAIRS, Reflowed, StraightnessReading, independent_pairs, measure_straightness,
    reflow,
};
use crate::models::flow_matching::{FlowMatchingConfig, FlowMatchingFamily};
use crate::train::{Command, Samples, TrainData};
use crate::views::denoising::{LossByT, TrajectoryRun, trajectory};
use crate::views::straightness::Straightness;

use super::super::session::Session;
use super::super::shell::{FamilyTab, NewRun, RunShell, RunTab};
use super::super::train_data::shown_points;
use super::super::widgets::samples_plot::SAMPLE_COLOUR;
use super::super::widgets::{LossPlot, PlaneArrows, TrajectoryView, TrajectoryWords, samples_plot_ui};

/// Real points drawn on the plots.
const SHOWN_REAL: usize = 800;
/// Samples in each preview: points on the plane, or images (each a whole ODE run).
const PREVIEW_POINTS: usize = 1000;
const PREVIEW_IMAGES: usize = 16;
/// Samples kept per step in a step-through.
const TRAJECTORY_POINTS: usize = 600;
const TRAJECTORY_IMAGES: usize = 16;
/// The step-through's plane shows at least [−PLANE_EXTENT, PLANE_EXTENT]².
const PLANE_EXTENT: f64 = 3.0;
/// Paths in each straightness reading (one sampling run from a fixed seed), and the least wait
/// between a 2-D run's readings while it trains (images only on demand: each is a UNet run).
const STRAIGHTNESS_POINTS: usize = 500;
const STRAIGHTNESS_IMAGES: usize = 16;
const STRAIGHTNESS_SEED: u64 = 99;
const STRAIGHTNESS_EVERY: Duration = Duration::from_secs(5);

const VERSUS_DIFFUSION: &str = "Diffusion adds noise to data in many small random steps and trains a network to predict \
that noise; sampling undoes the steps one by one along a noise schedule. Flow matching has no schedule. Take a noise point \
x_0 and a data point x_1, join them with a straight line, pick a time t between 0 and 1, and ask the network for the \
line's direction x_1 − x_0 at the point (1 − t) x_0 + t x_1. Many lines cross each point, so the network learns their \
average: a velocity field v(x, t). Sampling follows that field from noise at t = 0 to data at t = 1 with an ODE solver, \
whose kind and number of steps you can change while it trains. Mind the naming: here x_0 is the noise and time runs up \
to the data, while in the diffusion tab x_0 is the clean sample and t counts down. The two are closer than they look: \
diffusion's deterministic DDIM sampler follows an ODE too, only along curved paths. Flow matching asks for straight \
ones, which is why fairly few solver steps already land near the data.";

const STRAIGHTNESS_WORDS: &str = "Each sample travels from its noise point x_0 to where it lands, x_1. Path length / chord: \
how much farther it went than the straight line between its two ends; 1 for a straight path. Straightness S (Liu et al. \
2023): how far its velocity strays from the chord x_1 − x_0 along the way, squared and averaged over the run; 0 for a \
straight path run at constant speed. Straight paths are what let a solver take few, large steps. Diffusion's DDIM sampler \
with η = 0 follows an ODE from noise to data too (the probability-flow ODE), but nothing in its training asks for straight \
paths; the same numbers can be read over its steps. This tab cannot reach the diffusion tab's model, so it shows this \
model's numbers beside those of a straight path.";

const REFLOW_WORDS: &str = "Reflow (Liu et al. 2023): draw noise points z, follow this model's field from each to its \
sample x̂_1, and from then on train on those fixed pairs (z, x̂_1) instead of noise and data drawn apart, continuing from \
the current weights. Lines between such pairs hardly cross, so the average direction the network learns bends less: the \
paths straighten, and fewer solver steps give the same samples. Try it once the samples sit on the data: reflow, train \
on, watch the numbers above, then lower the sampling steps.";

/// The view's t (thousandths) as a person reads it.
fn shown_t(t: usize) -> String {
    format!("t = {:.3}", t as f64 / 1000.0)
}

/// How the step-through names a flow-matching run's parts.
const WORDS: TrajectoryWords =
    TrajectoryWords { steps: "solver steps", t: shown_t, result: "result (t = 1)", second: "where each is heading" };

pub struct FlowMatchingTab {
    /// Settings the next Reset builds with.
    hidden: usize,
    channels: usize,
    /// The run's first data points (2-D), and whether it trains on images.
    real: Vec<[f32; 2]>,
    images: bool,
    /// The latest sampled points (2-D).
    samples: Option<Vec<[f32; 2]>>,
    /// The step-through shown, scrubbed step by step, and the seed of the next one.
    view: TrajectoryView,
    seed: u64,
    /// A step-through was asked for when the run had shown this many errors, and has not come.
    waiting: Option<u64>,
    /// The latest straightness reading; one asked for (as `waiting`), and when; when a 2-D run
    /// is measured again.
    straightness: Option<StraightnessReading>,
    measuring: Option<u64>,
    measure_asked: Option<Instant>,
    measure_due: Option<Instant>,
    /// The reflow the run trains on (`None`: independent pairs); a switch asked for (as
    /// `waiting`); the pairs the next reflow draws.
    reflowed: Option<Reflowed>,
    switching: Option<u64>,
    reflow_pairs: usize,
}

impl FlowMatchingTab {
    pub fn tab() -> RunTab<Self> {
        let base = FlowMatchingConfig::default();
        let shell = RunShell::new(crate::models::flow_matching::KIND, DatasetId::Toy(ToyKind::Ring8), base.default_batch_size());
        let tab = Self {
            hidden: base.hidden,
            channels: base.channels,
            real: Vec::new(),
            images: false,
            samples: None,
            view: TrajectoryView::new("flow-matching-x_t", "flow-matching-heading"),
            seed: 7,
            waiting: None,
            straightness: None,
            measuring: None,
            measure_asked: None,
            measure_due: None,
            reflowed: None,
            switching: None,
            reflow_pairs: DEFAULT_REFLOW_PAIRS,
        };
        RunTab::new(shell, tab)
    }

    /// Forgets the step-through shown (the model that drew it is gone).
    fn clear_run(&mut self) {
        self.view.clear();
        self.waiting = None;
    }

    /// Forgets the straightness and the reflow of a model that is gone: a new or loaded model
    /// trains on independent pairs.
    fn forget_model(&mut self) {
        self.clear_run();
        self.straightness = None;
        self.measuring = None;
        self.measure_due = None;
        self.reflowed = None;
        self.switching = None;
    }

    /// Asks how straight the paths of `n` samples are now.
    fn measure(&mut self, session: &Session, n: usize) {
        session.ask(measure_straightness(n, STRAIGHTNESS_SEED));
        self.measuring = Some(session.errors);
        self.measure_asked = Some(Instant::now());
    }

    /// Path length over chord and S as a person reads them.
    fn reading(s: &Straightness) -> String {
        format!("path length / chord {:.3}, straightness S {:.4} ({} paths)", s.length_ratio, s.straightness, s.paths)
    }

    /// How straight the paths are, and reflow: the button, which pairs training draws, and the
    /// numbers at the reflow beside the latest.
    fn straightness_ui(&mut self, ui: &mut egui::Ui, session: &Session) {
        ui.strong("How straight are the paths?");
        ui.weak(STRAIGHTNESS_WORDS);
        match &self.straightness {
            Some(r) => ui.label(format!("This model at step {}: {}", r.step, Self::reading(&r.value))),
            None => ui.label("This model: not measured yet"),
        };
        ui.label("A straight path: path length / chord 1.000, straightness S 0.0000");
        ui.horizontal(|ui| {
            let n = if self.images { STRAIGHTNESS_IMAGES } else { STRAIGHTNESS_POINTS };
            let button = egui::Button::new("Measure now");
            let help = format!("one sampling run of {n} samples with the solver and steps chosen above");
            if ui.add_enabled(self.measuring.is_none(), button).on_hover_text(help).clicked() {
                self.measure(session, n);
            }
            if self.measuring.is_some() {
                ui.spinner();
            }
        });
        ui.add_space(6.0);
        ui.strong("Reflow");
        ui.weak(REFLOW_WORDS);
        match &self.reflowed {
            None => ui.label("Training on independent pairs: each noise point is joined to a data point drawn at random."),
            Some(r) => ui.label(format!(
                "Training on reflow pairs: {} pairs of noise and this model's own sample, drawn at step {}.",
                r.pairs, r.step
            )),
        };
        if let Some(r) = &self.reflowed {
            match &r.at_reflow {
                Ok(s) => ui.label(format!("At the reflow (step {}): {}", r.step, Self::reading(s))),
                Err(e) => ui.weak(format!("Not measured at the reflow: {e}")),
            };
        }
        if self.images {
            ui.weak("Reflow is offered on 2-D data: each pair is a whole ODE run, and thousands of UNet runs would stall training.");
            return;
        }
        ui.horizontal(|ui| {
            ui.add(egui::DragValue::new(&mut self.reflow_pairs).range(1..=MAX_REFLOW_PAIRS).prefix("pairs: "));
            let idle = self.switching.is_none();
            let button = egui::Button::new("Reflow: pair noise with this model's samples");
            let help = "draws the pairs with the model as it is now; training goes on from the current weights";
            if ui.add_enabled(idle, button).on_hover_text(help).clicked() {
                session.ask(reflow(self.reflow_pairs, STRAIGHTNESS_POINTS, STRAIGHTNESS_SEED));
                self.switching = Some(session.errors);
            }
            if self.reflowed.is_some() && ui.add_enabled(idle, egui::Button::new("Back to independent pairs")).clicked() {
                session.ask(independent_pairs());
                self.switching = Some(session.errors);
            }
            if !idle {
                ui.spinner();
            }
        });
    }

    /// The loss over steps beside the loss by time t.
    fn losses_ui(ui: &mut egui::Ui, session: &Session, plot: &mut LossPlot) {
        let buckets = session.latest::<LossByT>().map(|b| b.0.clone()).unwrap_or_default();
        ui.columns(2, |cols| {
            cols[0].strong("Loss");
            cols[0].weak("Mean squared error between v(x_t, t) and x_1 − x_0, over random t.");
            plot.ui(&mut cols[0], &session.history, 170.0);
            cols[1].strong("Loss by time t");
            cols[1].weak(
                "It never reaches zero: many lines pass through each point and the network can only learn their average \
                 direction. What is left is largest where x_t says least about one end of its line.",
            );
            // The view's t is in thousandths; the bars are drawn over t in [0, 1].
            let bars: Vec<Bar> = buckets
                .iter()
                .filter(|b| b.loss.is_finite())
                .map(|b| Bar::new((b.t_lo + b.t_hi) as f64 / 2000.0, b.loss).width((b.t_hi - b.t_lo) as f64 / 1000.0 * 0.9))
                .collect();
            Plot::new("flow-matching-loss-by-t")
                .allow_scroll(false)
                .height(170.0)
                .x_axis_label("t")
                .include_x(0.0)
                .include_x(1.0)
                .include_y(0.0)
                .show(&mut cols[1], |p| p.bar_chart(BarChart::new("loss", bars).color(SAMPLE_COLOUR)));
        });
    }

    /// One sampling run with every solver step kept, scrubbed step by step.
    fn step_through_ui(&mut self, ui: &mut egui::Ui, session: &Session) {
        ui.strong("From noise to data, step by step");
        ui.weak(
            "One sampling run with every solver step kept. Beside each x_t: where it is heading, x_t + (1 − t) v(x_t, t), \
             the end of the straight line the network believes it is on. Early on that is a blur of the data's average; \
             as t grows each sample commits to one answer.",
        );
        ui.horizontal(|ui| {
            let n = if self.images { TRAJECTORY_IMAGES } else { TRAJECTORY_POINTS };
            let button = egui::Button::new(format!("Sample {n} and keep every step"));
            if ui.add_enabled(self.waiting.is_none(), button).clicked() {
                session.ask(trajectory(n, self.seed, None));
                self.waiting = Some(session.errors);
            }
            ui.add(egui::DragValue::new(&mut self.seed).prefix("seed: "));
        });
        if self.waiting.is_some() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("sampling (between training steps)…");
            });
        }
        let Some(plane) = self.view.ui(ui, &WORDS) else { return };
        let Samples::Points(heads) = plane.second else { return };
        // Arrows from the traced samples to where each is heading (none at the result).
        let traced = plane.traced().min(heads.len());
        let arrows = plane.t.map(|_| PlaneArrows {
            name: "heading",
            colour: egui::Color32::from_gray(150),
            origins: plane.points[..traced].to_vec(),
            tips: heads[..traced].to_vec(),
        });
        ui.weak("Green: the data. Orange: the samples at this t; lines: where 60 of them came from; arrows: where those head.");
        plane.ui(ui, "flow-matching-steps", PLANE_EXTENT, &self.real, None, arrows);
    }
}

impl FamilyTab for FlowMatchingTab {
    const SIDE_WIDTH: f32 = 300.0;

    const UNTIL_TRAINED: Option<&'static str> =
        Some("Press Start to train. On the ring the samples find the eight modes within a few thousand steps.");

    fn build(&mut self, data: TrainData, _dataset: DatasetId, seed: u64, device: &Device) -> Result<NewRun, String> {
        let (config, preview_n) = match &data {
            TrainData::Images(d) => {
                let images = FlowMatchingConfig::images(d.train.width, d.train.height);
                (FlowMatchingConfig { channels: self.channels, ..images }, PREVIEW_IMAGES)
            }
            _ => (FlowMatchingConfig { hidden: self.hidden, ..FlowMatchingConfig::default() }, PREVIEW_POINTS),
        };
        self.images = config.is_image();
        let model = FlowMatchingFamily::new(config, device, seed)?;
        self.real = shown_points(&data, SHOWN_REAL);
        Ok(NewRun { model: Box::new(model), data, preview_n })
    }

    fn started(&mut self, session: &Session) {
        self.forget_model();
        let n = if self.images { PREVIEW_IMAGES } else { PREVIEW_POINTS };
        session.send(Command::Sample { n, seed: 1234, label: None });
    }

    fn reset(&mut self) {
        self.samples = None;
        self.forget_model();
    }

    fn dataset_picked(&mut self, dataset: DatasetId) -> Option<usize> {
        Some(match dataset {
            DatasetId::Toy(_) => FlowMatchingConfig::default().default_batch_size(),
            DatasetId::Images(_) | DatasetId::Text => FlowMatchingConfig::images(28, 28).default_batch_size(),
        })
    }

    fn loaded(&mut self, _dir: &std::path::Path) {
        self.forget_model();
    }

    fn update(&mut self, session: &mut Session, _ctx: &egui::Context) {
        if let Some((_, points)) = session.points.take() {
            self.samples = Some(points);
        }
        if let Some(TrajectoryRun { step, trajectory }) = session.take::<TrajectoryRun>() {
            self.clear_run();
            self.view.set(step, trajectory);
        }
        if let Some(reading) = session.take::<StraightnessReading>() {
            self.straightness = Some(reading);
            self.measuring = None;
            // The next reading waits nine times as long as this one took (at least
            // STRAIGHTNESS_EVERY): measuring keeps to at most a tenth of the worker's time.
            let took = self.measure_asked.map_or(Duration::ZERO, |t| t.elapsed());
            self.measure_due = Some(Instant::now() + (9 * took).max(STRAIGHTNESS_EVERY));
        }
        if let Some(reflowed) = session.take::<Reflowed>() {
            self.reflowed = Some(reflowed);
            self.switching = None;
        }
        if session.take::<IndependentAgain>().is_some() {
            self.reflowed = None;
            self.switching = None;
        }
        // A question that failed said so in the run's messages: stop waiting for it.
        for asked in [&mut self.waiting, &mut self.measuring, &mut self.switching] {
            if asked.is_some_and(|errors| session.errors > errors) {
                *asked = None;
            }
        }
        // A 2-D run is measured again every few seconds, once its training step has moved on.
        let moved = self.straightness.as_ref().is_none_or(|r| r.step != session.step);
        let due = self.measure_due.is_none_or(|t| Instant::now() >= t);
        if !self.images && session.step > 0 && self.measuring.is_none() && moved && due {
            self.measure(session, STRAIGHTNESS_POINTS);
        }
    }

    fn about(&self) -> (&'static str, &'static str) {
        (
            // Not the tab's own label, so a UI test can find the tab button by its name alone.
            "Flow matching (rectified flow)",
            "A network learns a velocity field v(x, t) that carries noise (t = 0) to data (t = 1): it is trained to \
             predict the direction of straight lines from noise points to data points. Sampling starts from noise and \
             follows the field with an ODE solver.",
        )
    }

    fn side_ui(&mut self, ui: &mut egui::Ui, shell: &mut RunShell) {
        ui.separator();
        // The knobs: the learning rate, the ODE solver and its number of steps (all live).
        shell.training_ui(ui, "one training step", "a fresh velocity network with the settings below", 1024);
        ui.separator();
        let toy = shell.dataset().toy().is_some();
        shell.model_settings_ui(ui, |ui| {
            if toy {
                ui.add(egui::Slider::new(&mut self.hidden, 16..=512).logarithmic(true).text("hidden width"));
            } else {
                ui.add(egui::Slider::new(&mut self.channels, 8..=64).step_by(8.0).text("UNet width C"))
                    .on_hover_text("levels of C, 2C and 4C channels: the diffusion tab's UNet");
            }
        });
        shell.description_ui(ui);
        shell.files_ui(ui);
        shell.measure_ui(ui);
    }

    fn central_ui(&mut self, ui: &mut egui::Ui, shell: &mut RunShell) {
        egui::CollapsingHeader::new("Flow matching and diffusion").default_open(true).show(ui, |ui| {
            ui.weak(VERSUS_DIFFUSION);
        });
        let Some(session) = &shell.session else { return };
        Self::losses_ui(ui, session, &mut shell.plot);
        ui.separator();
        let points = (!self.images).then_some((self.real.as_slice(), self.samples.as_deref()));
        samples_plot_ui(ui, "flow-matching-samples", &session.knobs, "solver", &session.samples, points);
        ui.separator();
        self.step_through_ui(ui, session);
        ui.separator();
        self.straightness_ui(ui, session);
    }
}

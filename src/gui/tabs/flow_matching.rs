//! The flow-matching tab: train a velocity field live, then watch it carry noise to data — the
//! loss and the loss by time t, the samples, and one ODE run step by step (on 2-D data the
//! points flowing over the plane with where each is heading; on images x_t beside the image it
//! heads for), under a paragraph on how flow matching differs from diffusion.

use burn::tensor::Device;
use eframe::egui;
use egui_plot::{Bar, BarChart, Plot};

use crate::data::{DatasetId, ToyKind};
use crate::models::flow_matching::{FlowMatchingConfig, FlowMatchingFamily};
use crate::train::{Command, Samples, TrainData};
use crate::views::denoising::{LossByT, TrajectoryRun, trajectory};

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

const VERSUS_DIFFUSION: &str = "Diffusion adds noise to data in many small random steps and trains a network to predict \
that noise; sampling undoes the steps one by one along a noise schedule. Flow matching has no schedule. Take a noise point \
x_0 and a data point x_1, join them with a straight line, pick a time t between 0 and 1, and ask the network for the \
line's direction x_1 − x_0 at the point (1 − t) x_0 + t x_1. Many lines cross each point, so the network learns their \
average: a velocity field v(x, t). Sampling follows that field from noise at t = 0 to data at t = 1 with an ODE solver, \
whose kind and number of steps you can change while it trains. Mind the naming: here x_0 is the noise and time runs up \
to the data, while in the diffusion tab x_0 is the clean sample and t counts down. The two are closer than they look: \
diffusion's deterministic DDIM sampler follows an ODE too, only along curved paths. Flow matching asks for straight \
ones, which is why fairly few solver steps already land near the data.";

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
        };
        RunTab::new(shell, tab)
    }

    /// Forgets the step-through shown (the model that drew it is gone).
    fn clear_run(&mut self) {
        self.view.clear();
        self.waiting = None;
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
        self.clear_run();
        let n = if self.images { PREVIEW_IMAGES } else { PREVIEW_POINTS };
        session.send(Command::Sample { n, seed: 1234, label: None });
    }

    fn reset(&mut self) {
        self.samples = None;
        self.clear_run();
    }

    fn dataset_picked(&mut self, dataset: DatasetId) -> Option<usize> {
        Some(match dataset {
            DatasetId::Toy(_) => FlowMatchingConfig::default().default_batch_size(),
            DatasetId::Images(_) | DatasetId::Text => FlowMatchingConfig::images(28, 28).default_batch_size(),
        })
    }

    fn loaded(&mut self, _dir: &std::path::Path) {
        self.clear_run();
    }

    fn update(&mut self, session: &mut Session, _ctx: &egui::Context) {
        if let Some((_, points)) = session.points.take() {
            self.samples = Some(points);
        }
        if let Some(TrajectoryRun { step, trajectory }) = session.take::<TrajectoryRun>() {
            self.clear_run();
            self.view.set(step, trajectory);
        }
        // A step-through that failed said so in the run's messages: stop waiting for it.
        if self.waiting.is_some_and(|errors| session.errors > errors) {
            self.waiting = None;
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
    }
}

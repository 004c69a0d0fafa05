//! The diffusion tab: train a denoiser live, then look at the process it learned to reverse —
//! the forward process q(x_t | x₀) with ᾱ_t and SNR(t), the loss by timestep, a step-through of
//! a sampling run (x_t beside the predicted x̂₀), and on 2-D data the points flowing from
//! noise to data through the learned noise field.
//!
//! | file | what it draws |
//! | --- | --- |
//! | `mod.rs` | the tab: its settings, the model it builds, the order of its views |
//! | `curves.rs` | the loss and the loss by timestep |
//! | `step_through.rs` | one sampling run, step by step (and its GIF) |
//! | `forward_process.rs` | q(x_t | x₀) at a t the user drags, and the schedule's curves |

mod curves;
mod forward_process;
mod step_through;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use burn::tensor::Device;
use eframe::egui;

use crate::data::{DatasetId, ImageData, ToyKind};
use crate::models::diffusion::{DiffusionConfig, DiffusionFamily, Prediction, Schedule, ScheduleKind};
use crate::train::checkpoint::read_config;
use crate::train::{Command, TrainData};

use super::super::dialogs::Purpose;
use super::super::session::Session;
use super::super::shell::{FamilyTab, NewRun, RunShell, RunTab};
use super::super::train_data::shown_points;
use super::super::widgets::samples_plot_ui;
use forward_process::ForwardProcess;
use step_through::StepThrough;

/// Real points drawn on the 2-D plots.
const SHOWN_REAL: usize = 800;
/// Samples in each preview: points on the plane, or images (each a whole sampling run).
const PREVIEW_POINTS: usize = 1000;
const PREVIEW_IMAGES: usize = 16;
/// γ of the Min-SNR weighting the checkbox turns on (the paper's choice).
const MIN_SNR_GAMMA: f64 = 5.0;

pub struct DiffusionTab {
    /// Settings the next Reset builds with.
    schedule: ScheduleKind,
    timesteps: usize,
    prediction: Prediction,
    channels: usize,
    hidden: usize,
    conditional: bool,
    min_snr: bool,
    /// The configuration of the running model, built or loaded (its schedule is what is drawn).
    built: Option<DiffusionConfig>,
    built_schedule: Option<Schedule>,
    /// The run's first data points (2-D) or its images (for the forward process).
    real: Vec<[f32; 2]>,
    images: Option<Arc<ImageData>>,
    /// The latest sampled points (2-D).
    samples: Option<Vec<[f32; 2]>>,
    step_through: StepThrough,
    forward: ForwardProcess,
}

impl DiffusionTab {
    pub fn tab() -> RunTab<Self> {
        let base = DiffusionConfig::default();
        let shell = RunShell::new(crate::models::diffusion::KIND, DatasetId::Toy(ToyKind::Ring8), base.default_batch_size());
        let tab = Self {
            schedule: base.schedule,
            timesteps: base.timesteps,
            prediction: base.prediction,
            channels: base.channels,
            hidden: base.hidden,
            conditional: false,
            min_snr: false,
            built: None,
            built_schedule: None,
            real: Vec::new(),
            images: None,
            samples: None,
            step_through: StepThrough::default(),
            forward: ForwardProcess::default(),
        };
        RunTab::new(shell, tab)
    }

    /// Draws the schedule of `config`, the running model's.
    fn show_config(&mut self, config: DiffusionConfig) {
        self.built_schedule = config.build_schedule().ok();
        if let Some(schedule) = &self.built_schedule {
            self.forward.schedule_changed(schedule.timesteps());
        }
        self.built = Some(config);
    }

    /// The settings under "Model (applied on Reset)".
    fn model_ui(&mut self, ui: &mut egui::Ui, toy: bool) {
        egui::ComboBox::from_label("noise schedule").selected_text(self.schedule.label()).show_ui(ui, |ui| {
            for kind in ScheduleKind::ALL {
                ui.selectable_value(&mut self.schedule, kind, kind.label());
            }
        });
        ui.add(egui::Slider::new(&mut self.timesteps, 10..=2000).logarithmic(true).text("T (noising steps)"));
        egui::ComboBox::from_label("network predicts").selected_text(self.prediction.label()).show_ui(ui, |ui| {
            for p in Prediction::ALL {
                ui.selectable_value(&mut self.prediction, p, p.label());
            }
        });
        if toy {
            ui.add(egui::Slider::new(&mut self.hidden, 16..=512).logarithmic(true).text("hidden width"));
        } else {
            ui.add(egui::Slider::new(&mut self.channels, 8..=64).step_by(8.0).text("UNet width C"))
                .on_hover_text("levels of C, 2C and 4C channels; 32 gives 1.4 M parameters");
        }
        ui.checkbox(&mut self.min_snr, "Min-SNR-5 loss weighting")
            .on_hover_text("weights each example by min(SNR, 5)/SNR, so the nearly clean timesteps stop dominating (Hang et al. 2023)");
        ui.checkbox(&mut self.conditional, "class-conditional (for guidance)")
            .on_hover_text("trained with the label dropped 10 % of the time, so one network is both conditional and unconditional");
    }
}

impl FamilyTab for DiffusionTab {
    const SIDE_WIDTH: f32 = 300.0;

    const UNTIL_TRAINED: Option<&'static str> =
        Some("Press Start to train. Meanwhile, drag t below to watch the forward process destroy the data.");

    fn build(&mut self, data: TrainData, dataset: DatasetId, seed: u64, device: &Device) -> Result<NewRun, String> {
        let (base, preview_n) = match &data {
            TrainData::Images(d) => {
                let unet = DiffusionConfig::unet(d.train.width, d.train.height, d.num_classes(), self.conditional);
                (DiffusionConfig { channels: self.channels, ..unet }, PREVIEW_IMAGES)
            }
            _ => {
                let classes = dataset.toy().map_or(1, |kind| kind.num_classes());
                (
                    DiffusionConfig {
                        hidden: self.hidden,
                        conditional: self.conditional,
                        num_classes: classes,
                        ..DiffusionConfig::default()
                    },
                    PREVIEW_POINTS,
                )
            }
        };
        let config = DiffusionConfig {
            schedule: self.schedule,
            timesteps: self.timesteps,
            prediction: self.prediction,
            min_snr_gamma: self.min_snr.then_some(MIN_SNR_GAMMA),
            ..base
        };
        let model = DiffusionFamily::new(config.clone(), device, seed)?;
        self.real = shown_points(&data, SHOWN_REAL);
        self.images = match &data {
            TrainData::Images(d) => Some(d.clone()),
            _ => None,
        };
        self.show_config(config);
        Ok(NewRun { model: Box::new(model), data, preview_n })
    }

    fn started(&mut self, session: &Session) {
        let n = if self.images.is_some() { PREVIEW_IMAGES } else { PREVIEW_POINTS };
        session.send(Command::Sample { n, seed: 1234, label: None });
    }

    fn reset(&mut self) {
        self.built = None;
        self.samples = None;
        self.step_through.clear();
    }

    fn dataset_picked(&mut self, dataset: DatasetId) -> Option<usize> {
        let base = match dataset {
            DatasetId::Toy(_) => DiffusionConfig::default(),
            DatasetId::Images(_) | DatasetId::Text => DiffusionConfig::unet(28, 28, 10, false),
        };
        self.min_snr = base.min_snr_gamma.is_some();
        Some(base.default_batch_size())
    }

    /// The schedule drawn becomes the checkpoint's.
    fn loaded(&mut self, dir: &Path) {
        let config = read_config(dir).ok().and_then(|json| serde_json::from_value::<DiffusionConfig>(json["config"].clone()).ok());
        if let Some(config) = config {
            self.show_config(config);
        }
        self.step_through.clear();
    }

    fn file_chosen(&mut self, purpose: Purpose, path: PathBuf, session: &mut Session) {
        if purpose == Purpose::ExportGif {
            self.step_through.export_gif(&path, session);
        }
    }

    fn update(&mut self, session: &mut Session, _ctx: &egui::Context) {
        if let Some((_, points)) = session.points.take() {
            self.samples = Some(points);
        }
        self.step_through.take(session);
    }

    fn about(&self) -> (&'static str, &'static str) {
        (
            "Diffusion model",
            "Noise is added to data in T small steps until nothing is left but noise. A network learns to undo one step: given x_t and t it predicts the noise. Sampling starts from pure noise and denoises step by step.",
        )
    }

    fn side_ui(&mut self, ui: &mut egui::Ui, shell: &mut RunShell) {
        ui.separator();
        // The knobs: the learning rate, and how samples are drawn (all live): sampler, steps,
        // η, timestep spacing, and the guidance scale of a conditional model.
        shell.training_ui(ui, "one training step", "a fresh network with the settings below", 1024);
        ui.separator();
        let toy = shell.dataset().toy().is_some();
        shell.model_settings_ui(ui, |ui| self.model_ui(ui, toy));
        shell.description_ui(ui);
        shell.files_ui(ui);
        shell.measure_ui(ui);
    }

    fn central_ui(&mut self, ui: &mut egui::Ui, shell: &mut RunShell) {
        let Some(session) = &shell.session else { return };
        curves::losses_ui(ui, session, &mut shell.plot);
        ui.separator();
        let points = (!self.real.is_empty()).then_some((self.real.as_slice(), self.samples.as_deref()));
        samples_plot_ui(ui, "diffusion-samples", &session.knobs, "sampler", &session.samples, points);
        ui.separator();
        self.step_through.ui(ui, shell, self.built.as_ref(), &self.real);
        ui.separator();
        if let (Some(config), Some(schedule)) = (&self.built, &self.built_schedule) {
            self.forward.ui(ui, config, schedule, self.images.as_deref(), &self.real);
        }
    }
}

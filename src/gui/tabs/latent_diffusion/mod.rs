//! The latent diffusion tab: pick a trained VAE or autoencoder, train a diffusion model on its
//! latents live, and look at where that puts the work — the latent space with sampling runs
//! drawn through it, the images decoded along a run, the samples and the autoencoder's own
//! reconstructions (the best a sample can look), and how fast it trains and samples.
//!
//! | file | what it draws |
//! | --- | --- |
//! | `mod.rs` | the tab: the autoencoder picker, its settings, the model it builds, the order of its views |
//! | `chain.rs` | the latent map with sampling runs over it, scrubbed step by step, and their decoded images |
//! | `speed.rs` | steps/s, the wait for the first samples, the latest sampling run's time |

mod chain;
mod speed;

use std::path::Path;

use burn::tensor::Device;
use eframe::egui;

use crate::data::{DatasetId, ImageDatasetId};
use crate::models::diffusion::ScheduleKind;
use crate::models::latent_diffusion::{LatentDiffusionConfig, LatentDiffusionFamily};
use crate::train::checkpoint::read_config;
use crate::train::{PreviewQuestion, TrainData};
use crate::views::Model;
use crate::views::latent::Reconstructions;
use crate::views::latent_chain::sampling_time_every_preview;

use super::super::dialogs::{Closed, PendingDialog, Purpose, UNAVAILABLE};
use super::super::session::Session;
use super::super::shell::{FamilyTab, NewRun, RunShell, RunTab};
use super::super::train_data::train_images;
use super::super::widgets::{ImageGrid, samples_plot_ui};
use chain::ChainView;
use speed::Speed;

/// Samples in each preview (one DDIM run of the MLP over that many latents, then decoded).
const PREVIEW_IMAGES: usize = 64;

const NO_AUTOENCODER: &str = "Latent diffusion learns the latent space of a trained VAE or autoencoder, and none is \
picked yet: train one in the VAE tab and Save checkpoint…, then choose its folder under Autoencoder on the left (or make \
one with genlab train --family vae --dataset mnist --out runs/vae).";

const ERROR_RED: egui::Color32 = egui::Color32::from_rgb(255, 110, 110);

pub struct LatentDiffusionTab {
    /// The autoencoder checkpoint folder the next Reset builds on, as typed or chosen.
    autoencoder: String,
    /// Where the running model's autoencoder came from (a loaded checkpoint holds its own copy).
    running_on: Option<String>,
    dialog: Option<PendingDialog>,
    /// Why the last dialog showed nothing.
    dialog_note: Option<String>,
    /// Settings the next Reset builds with.
    hidden: usize,
    timesteps: usize,
    schedule: ScheduleKind,
    use_mean: bool,
    chain: ChainView,
    speed: Speed,
    recon_inputs: ImageGrid,
    recon_outputs: ImageGrid,
}

impl LatentDiffusionTab {
    pub fn tab() -> RunTab<Self> {
        let base = LatentDiffusionConfig::default();
        let kind = crate::models::latent_diffusion::KIND;
        let shell = RunShell::new(kind, DatasetId::Images(ImageDatasetId::Mnist), base.default_batch_size()).with_export(8);
        let tab = Self {
            autoencoder: String::new(),
            running_on: None,
            dialog: None,
            dialog_note: None,
            hidden: base.hidden,
            timesteps: base.timesteps,
            schedule: base.schedule,
            use_mean: base.use_mean,
            chain: ChainView::new(),
            speed: Speed::default(),
            recon_inputs: ImageGrid::new("latent-diffusion-recon-in"),
            recon_outputs: ImageGrid::new("latent-diffusion-recon-out"),
        };
        RunTab::new(shell, tab)
    }

    /// Forgets what the last model showed.
    fn forget_model(&mut self) {
        self.chain.clear();
        self.speed.clear();
    }

    /// "Autoencoder": the checkpoint folder the next model builds on, typed or chosen in a
    /// dialog (a chosen one is used at once).
    fn autoencoder_ui(&mut self, ui: &mut egui::Ui, shell: &mut RunShell) {
        let ctx = ui.ctx().clone();
        let closed = self.dialog.as_ref().and_then(PendingDialog::poll);
        if let Some(closed) = closed {
            self.dialog = None;
            match closed {
                Closed::Picked(path) => {
                    self.autoencoder = path.display().to_string();
                    self.dialog_note = None;
                    shell.request_reset(&ctx);
                }
                Closed::Cancelled => {}
                Closed::Unavailable => self.dialog_note = Some(UNAVAILABLE.to_string()),
            }
        }
        ui.strong("Autoencoder (applied on Reset)");
        ui.weak(
            "The trained VAE or autoencoder whose latent space the diffusion model learns: a checkpoint folder saved by \
             the VAE or Autoencoder tab, or written by genlab train --family vae. It stays frozen; a saved model carries a \
             copy of it.",
        );
        ui.horizontal(|ui| {
            let label = ui.label("folder:");
            let edit = egui::TextEdit::singleline(&mut self.autoencoder).hint_text("checkpoint folder").desired_width(150.0);
            ui.add(edit).labelled_by(label.id);
            let choose = egui::Button::new("Choose…");
            if ui
                .add_enabled(self.dialog.is_none(), choose)
                .on_hover_text("pick the checkpoint folder; the model is rebuilt on it")
                .clicked()
            {
                self.dialog = Some(PendingDialog::open(Purpose::PickModel, &ctx));
            }
        });
        if ui.button("Build on this autoencoder").on_hover_text("a fresh denoiser over it (as Reset)").clicked() {
            shell.request_reset(&ctx);
        }
        if let Some(dir) = &self.running_on {
            ui.weak(format!("The model now works in the latent space of {dir}."));
        }
        if let Some(note) = &self.dialog_note {
            ui.colored_label(ERROR_RED, note);
        }
    }

    /// The settings under "Model (applied on Reset)".
    fn model_ui(&mut self, ui: &mut egui::Ui) {
        egui::ComboBox::from_label("noise schedule").selected_text(self.schedule.label()).show_ui(ui, |ui| {
            for kind in ScheduleKind::ALL {
                ui.selectable_value(&mut self.schedule, kind, kind.label());
            }
        });
        ui.add(egui::Slider::new(&mut self.timesteps, 10..=2000).logarithmic(true).text("T (noising steps)"));
        ui.add(egui::Slider::new(&mut self.hidden, 32..=1024).logarithmic(true).text("denoiser width"))
            .on_hover_text("the diffusion tab's 2-D MLP denoiser (3 layers), over the latents instead of points");
        ui.checkbox(&mut self.use_mean, "train on posterior means")
            .on_hover_text("off: on draws z = μ + σ·ε from the VAE's q(z|x), a cloud around each mean (an autoencoder has only μ)");
    }

    /// The autoencoder's reconstructions of the first test images, with every preview.
    fn reconstructions_ui(&self, ui: &mut egui::Ui) {
        ui.strong("The autoencoder's reconstructions");
        ui.weak("Test images (top) encoded and decoded by the frozen autoencoder (bottom): the sharpest a sample can be.");
        let width = (ui.available_width() - 20.0).min(330.0);
        self.recon_inputs.ui(ui, width, "they come with the first preview");
        self.recon_outputs.ui(ui, width, "");
    }
}

impl FamilyTab for LatentDiffusionTab {
    const SIDE_WIDTH: f32 = 300.0;

    const UNTIL_TRAINED: Option<&'static str> = Some(
        "Press Start to train. The autoencoder is trained already: the denoiser learns where its encoder puts the images, \
         and the first samples come with the first preview.",
    );

    fn build(&mut self, data: TrainData, _dataset: DatasetId, seed: u64, device: &Device) -> Result<NewRun, String> {
        let (width, height) = {
            let images = train_images(&data)?;
            (images.train.width, images.train.height)
        };
        let dir = self.autoencoder.trim().to_string();
        if dir.is_empty() {
            return Err(NO_AUTOENCODER.into());
        }
        let (hidden, timesteps, schedule, use_mean) = (self.hidden, self.timesteps, self.schedule, self.use_mean);
        let settings = |base: LatentDiffusionConfig| {
            LatentDiffusionConfig { hidden, timesteps, schedule, use_mean, ..base }.with_sampler_steps_within_t()
        };
        let model = LatentDiffusionFamily::from_checkpoint(Path::new(&dir), width, height, settings, device, seed)?;
        self.running_on = Some(dir);
        Ok(NewRun { model: Box::new(model), data, preview_n: PREVIEW_IMAGES })
    }

    fn preview_questions(&self) -> Vec<PreviewQuestion<dyn Model>> {
        vec![sampling_time_every_preview()]
    }

    fn started(&mut self, _session: &Session) {
        self.forget_model();
    }

    fn reset(&mut self) {
        self.forget_model();
        self.running_on = None;
    }

    /// A loaded checkpoint brings its own autoencoder: the map is drawn again from it.
    fn loaded(&mut self, dir: &Path) {
        self.forget_model();
        let recorded = read_config(dir).ok().and_then(|json| json["config"]["autoencoder"].as_str().map(str::to_string));
        self.running_on = Some(match recorded {
            Some(source) if !source.is_empty() => format!("{source} (the copy inside {})", dir.display()),
            _ => format!("the autoencoder inside {}", dir.display()),
        });
    }

    fn update(&mut self, session: &mut Session, ctx: &egui::Context) {
        self.chain.update(session, ctx);
        self.speed.update(session);
        if let Some(Reconstructions { inputs, outputs }) = session.take::<Reconstructions>() {
            let cols = inputs.n.max(1);
            self.recon_inputs.set(ctx, inputs, cols);
            self.recon_outputs.set(ctx, outputs, cols);
        }
    }

    fn about(&self) -> (&'static str, &'static str) {
        (
            // Not the tab's own label, so a UI test can find the tab button by its name alone.
            "Latent diffusion (in an autoencoder's latent space)",
            "Rombach et al. 2022: first train an autoencoder, then freeze it and train a diffusion model on the codes its \
             encoder gives the training images, not on the pixels. Sampling runs the diffusion model's chain in the latent \
             space and decodes where it ends. The diffusion model works on a few numbers per image, so it trains and \
             samples far faster.",
        )
    }

    fn side_ui(&mut self, ui: &mut egui::Ui, shell: &mut RunShell) {
        ui.separator();
        self.autoencoder_ui(ui, shell);
        ui.separator();
        // The knobs: the learning rate, and how samples are drawn (all live): sampler, steps, η,
        // timestep spacing.
        shell.training_ui(ui, "one training step", "a fresh denoiser over the autoencoder above, with the settings below", 1024);
        ui.separator();
        shell.model_settings_ui(ui, |ui| self.model_ui(ui));
        shell.description_ui(ui);
        shell.files_ui(ui);
        shell.measure_ui(ui);
    }

    fn central_ui(&mut self, ui: &mut egui::Ui, shell: &mut RunShell) {
        let Some(session) = &shell.session else { return };
        let plot = &mut shell.plot;
        ui.columns(2, |cols| {
            cols[0].strong("Loss");
            cols[0].weak("The denoiser's mean squared error on the normalised latents, over random t.");
            plot.ui(&mut cols[0], &session.history, 220.0);
            samples_plot_ui(&mut cols[1], "latent-diffusion-samples", &session.knobs, "sampler", &session.samples, None);
            cols[1].weak("Latents drawn by the sampler, decoded by the frozen decoder.");
        });
        ui.separator();
        self.chain.ui(ui, session);
        ui.separator();
        ui.columns(2, |cols| {
            self.reconstructions_ui(&mut cols[0]);
            self.speed.ui(&mut cols[1], session);
        });
    }
}

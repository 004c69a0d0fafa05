//! The VQ-VAE tab: the two stages (which trains, how far each has gone, a button to move on to
//! the prior), the losses and samples, reconstructions, the code map of a test image to edit
//! cell by cell (`code_map.rs`), how much of the codebook is in use and how many dead codes
//! were restarted (`usage.rs`), and the decoding of every code on its own.

mod code_map;
mod usage;

use std::path::Path;
use std::time::Duration;

use burn::tensor::Device;
use eframe::egui;

use crate::data::{DatasetId, ImageDatasetId};
use crate::models::vqvae::config::{MAX_CODES, MIN_CODES};
use crate::models::vqvae::train::{PERPLEXITY_TERM, RESTARTS_TERM, STAGE_TERM};
use crate::models::vqvae::{VqVaeConfig, VqVaeFamily};
use crate::train::{PreviewQuestion, TrainData};
use crate::views::Model;
use crate::views::codes::{
    CodeImages, CodeUsage, CodebookPicture, Stage, TestCodes, code_images, encode_test_images, next_stage, picture_every_preview,
};

use super::super::knobs::whole_value;
use super::super::session::Session;
use super::super::shell::{FamilyTab, NewRun, Refresh, RunShell, RunTab};
use super::super::train_data::train_images;
use super::super::widgets::ImageGrid;

use code_map::CodeMapEditor;

/// Test images encoded with every preview: the reconstructions, and the images the code map
/// can show.
const TEST_IMAGES: usize = 8;
/// The decoding of every code, asked again at most this often while the autoencoder trains.
const CODE_IMAGES_EVERY: Duration = Duration::from_secs(3);
const TRAINING: egui::Color32 = egui::Color32::from_rgb(255, 200, 90);

pub struct VqVaeTab {
    /// The configuration the next Reset builds (its image size comes from the data).
    config: VqVaeConfig,
    /// K of the run's model as built (a loaded one's comes with its first preview).
    built_codes: usize,
    /// The stage in training and the steps each stage has had, as of the last preview.
    stage: Stage,
    stage_steps: (u64, u64),
    /// The codebook's use since the preview before the last, and the perplexity of every window.
    usage: Option<CodeUsage>,
    perplexity: Vec<(u64, f64)>,
    /// The first test images as code maps, with their reconstructions.
    test: Option<TestCodes>,
    recon_inputs: ImageGrid,
    recon_outputs: ImageGrid,
    editor: CodeMapEditor,
    /// Every code decoded on its own, and the step it was drawn at.
    codes: ImageGrid,
    codes_step: Option<u64>,
    code_images: Refresh,
    /// The run's errors when last looked: a new one may be a question of ours that failed.
    errors_seen: u64,
}

impl VqVaeTab {
    pub fn tab() -> RunTab<Self> {
        let config = VqVaeConfig::default();
        let shell = RunShell::new(crate::models::vqvae::KIND, DatasetId::Images(ImageDatasetId::Mnist), config.default_batch_size());
        let tab = Self {
            built_codes: config.codebook_size,
            config,
            stage: Stage::Autoencoder,
            stage_steps: (0, 0),
            usage: None,
            perplexity: Vec::new(),
            test: None,
            recon_inputs: ImageGrid::new("vqvae-recon-in"),
            recon_outputs: ImageGrid::new("vqvae-recon-out"),
            editor: CodeMapEditor::default(),
            codes: ImageGrid::new("vqvae-codes"),
            codes_step: None,
            code_images: Refresh::new(CODE_IMAGES_EVERY),
            errors_seen: 0,
        };
        RunTab::new(shell.with_export(8), tab)
    }

    /// Forgets what the last model showed.
    fn clear_run(&mut self) {
        self.stage = Stage::Autoencoder;
        self.stage_steps = (0, 0);
        self.usage = None;
        self.perplexity.clear();
        self.test = None;
        self.recon_inputs = ImageGrid::new("vqvae-recon-in");
        self.recon_outputs = ImageGrid::new("vqvae-recon-out");
        self.editor.clear();
        self.codes = ImageGrid::new("vqvae-codes");
        self.codes_step = None;
        self.code_images.restart();
    }

    /// K of the model shown: the latest window counts every code.
    fn codebook_size(&self) -> usize {
        self.usage.as_ref().map_or(self.built_codes, |u| u.counts.len())
    }

    fn show_test(&mut self, test: TestCodes, ctx: &egui::Context) {
        let cols = test.inputs.n;
        self.recon_inputs.set(ctx, test.inputs.clone(), cols);
        self.recon_outputs.set(ctx, test.reconstructions.clone(), cols);
        self.editor.test_changed(&test, ctx);
        self.test = Some(test);
    }

    /// A line per stage: what it learns, whether it trains, its steps.
    fn stages_ui(&self, ui: &mut egui::Ui, session: &Session) {
        ui.strong("Two stages");
        let planned = whole_value(&session.knobs, "autoencoder_steps").map(|n| n.max(1) as u64);
        let (autoencoder, prior) = self.stage_steps;
        let lines = [
            (
                Stage::Autoencoder,
                "The encoder, the K code vectors and the decoder learn to reconstruct images through a map of codes.",
                autoencoder,
            ),
            (
                Stage::Prior,
                "With the autoencoder frozen, a PixelCNN learns which codes go with which on the maps of the training \
                 images, so that new maps can be drawn code by code.",
                prior,
            ),
        ];
        for (stage, learns, steps) in lines {
            let training = stage == self.stage;
            let (state, colour) = match (training, stage) {
                (true, _) => ("training", TRAINING),
                (false, Stage::Autoencoder) => ("done", egui::Color32::LIGHT_GREEN),
                (false, Stage::Prior) => ("waiting", ui.visuals().weak_text_color()),
            };
            ui.horizontal_wrapped(|ui| {
                ui.colored_label(colour, format!("{} — {state}, {steps} steps", stage.label()));
                if let (true, Stage::Autoencoder, Some(n)) = (training, stage, planned) {
                    let done = (steps as f32 / n as f32).min(1.0);
                    ui.add(egui::ProgressBar::new(done).desired_width(120.0).text(format!("{} of {n}", steps.min(n))));
                }
            });
            ui.weak(learns);
        }
    }

    fn reconstructions_ui(&self, ui: &mut egui::Ui, width: f32) {
        ui.strong("Reconstructions");
        ui.weak("Top: the first test images. Bottom: each decoded from its map of codes, refreshed with every preview.");
        self.recon_inputs.ui(ui, width, "the reconstructions appear once the first test images are encoded");
        self.recon_outputs.ui(ui, width, "");
    }

    fn codes_ui(&self, ui: &mut egui::Ui, width: f32) {
        let k = self.codebook_size();
        ui.strong(format!("What each of the {k} codes draws"));
        ui.weak(format!(
            "Image k: a map filled with code k alone, decoded; code 0 at the top left, {} to a row. A code is drawn the \
             way the decoder renders it everywhere at once, so these show a code's stroke or texture, not a digit. A dead \
             code never moved from its start and draws whatever that gives.",
            grid_columns(k)
        ));
        if let Some(step) = self.codes_step {
            ui.weak(format!("at step {step}"));
        }
        self.codes.ui(ui, width, "the codes appear once the model is built");
    }
}

/// The run's dead-code restarts: the latest point of their loss term (a running total; the
/// mean of the last bucket once the history thins, so rounded) and the knob's period.
fn restarts_of(session: &Session) -> usage::Restarts {
    let total =
        session.history.terms().iter().find(|t| t.name == RESTARTS_TERM).and_then(|t| t.points().last()).map(|p| p.1.round() as u64);
    usage::Restarts { total, every: whole_value(&session.knobs, "restart_every") }
}

/// Columns of the grid of K code images: about square.
fn grid_columns(k: usize) -> usize {
    (k as f64).sqrt().ceil().max(1.0) as usize
}

impl FamilyTab for VqVaeTab {
    const UNTIL_TRAINED: Option<&'static str> = Some(
        "Press Start to train. Stage 1 fits the autoencoder and its codebook; the prior trains in stage 2, and until \
         then the samples decode random codes.",
    );

    fn build(&mut self, data: TrainData, _dataset: DatasetId, seed: u64, device: &Device) -> Result<NewRun, String> {
        let images = train_images(&data)?;
        self.config.width = images.train.width;
        self.config.height = images.train.height;
        self.built_codes = self.config.codebook_size;
        let model = VqVaeFamily::new(self.config.clone(), device, seed)?;
        Ok(NewRun { model: Box::new(model), data, preview_n: crate::models::vqvae::ENTRY.preview_samples })
    }

    /// The usage window closes with every preview, so each histogram counts the codes since
    /// the one before.
    fn preview_questions(&self) -> Vec<PreviewQuestion<dyn Model>> {
        vec![picture_every_preview(TEST_IMAGES)]
    }

    fn started(&mut self, session: &Session) {
        self.clear_run();
        self.errors_seen = session.errors;
        // Previews come only while training: the untrained model's maps are shown at once.
        session.ask(encode_test_images(TEST_IMAGES));
    }

    fn reset(&mut self) {
        self.clear_run();
    }

    /// The worker previews the loaded model at once, which brings its maps and stage.
    fn loaded(&mut self, _dir: &Path) {
        self.clear_run();
    }

    fn update(&mut self, session: &mut Session, ctx: &egui::Context) {
        if let Some(picture) = session.take::<CodebookPicture>() {
            let CodebookPicture { stage, stage_steps, usage, perplexity_history, test, .. } = picture;
            self.stage = stage;
            self.stage_steps = stage_steps;
            self.usage = Some(usage);
            self.perplexity = perplexity_history;
            if let Some(test) = test {
                self.show_test(test, ctx);
            }
        }
        if let Some(test) = session.take::<TestCodes>() {
            self.show_test(test, ctx);
        }
        if let Some(stage) = session.take::<Stage>() {
            self.stage = stage;
            session.notice("stage 2: the next step trains the prior; the autoencoder and its codebook are frozen".into());
        }
        if let Some(CodeImages { step, images }) = session.take::<CodeImages>() {
            let cols = grid_columns(images.n);
            self.codes.set(ctx, images, cols);
            self.codes_step = Some(step);
            self.code_images.answered();
        }
        // A question of ours that failed said so in the run's messages: stop waiting for it.
        if session.errors > self.errors_seen {
            self.errors_seen = session.errors;
            self.code_images.answered();
            self.editor.failed();
        }
        // In stage 2 the autoencoder is frozen: codes drawn since it froze draw what they drew.
        let frozen = self.stage == Stage::Prior && self.codes_step.is_some_and(|step| step >= self.stage_steps.0);
        if !frozen && self.code_images.due(session.step) {
            session.ask(code_images());
        }
        self.editor.update(session, self.test.as_ref(), ctx);
    }

    fn about(&self) -> (&'static str, &'static str) {
        (
            // Not the tab's own label, so a UI test can find the tab button by its name alone.
            "Vector-quantised VAE",
            "van den Oord, Vinyals & Kavukcuoglu (2017): an encoder turns an image into a small grid of vectors (7×7 for \
             28×28 images), each vector is replaced by the nearest of K learned code vectors, and a decoder turns the grid \
             of codes back into an image. The codes are discrete: there is no KL term, and the gradient skips the rounding \
             (straight-through). A second model, a PixelCNN over the maps of codes, then learns which maps are likely, and \
             new images are drawn from it code by code and decoded.",
        )
    }

    fn side_ui(&mut self, ui: &mut egui::Ui, shell: &mut RunShell) {
        ui.separator();
        let stage = self.stage;
        shell.training_with_ui(
            ui,
            "one step of the stage in training",
            "a fresh VQ-VAE and prior with the settings below",
            512,
            |ui, session| {
                let button = egui::Button::new("Train the prior now");
                let help = "end stage 1 here: the next step trains the prior on the frozen autoencoder's codes";
                if ui.add_enabled(stage == Stage::Autoencoder, button).on_hover_text(help).clicked() {
                    session.ask(next_stage());
                }
            },
        );
        ui.separator();
        shell.model_settings_ui(ui, |ui| {
            let config = &mut self.config;
            ui.add(egui::Slider::new(&mut config.codebook_size, MIN_CODES..=MAX_CODES).logarithmic(true).text("codebook size K"));
            ui.add(egui::Slider::new(&mut config.latent_dim, 1..=64).logarithmic(true).text("code dim D"))
                .on_hover_text("the length of each code vector and of the encoder's vector at each cell");
            ui.checkbox(&mut config.ema, "EMA codebook").on_hover_text(
                "each code follows a moving average of the encoder vectors nearest to it (the paper's appendix A.1); off: \
                 the codes learn by gradient on the codebook loss",
            );
        });
        shell.description_ui(ui);
        shell.files_ui(ui);
        shell.measure_ui(ui);
    }

    fn central_ui(&mut self, ui: &mut egui::Ui, shell: &mut RunShell) {
        let width = ui.available_width();
        let half = (width - 16.0) / 2.0;
        let Some(session) = &shell.session else { return };
        self.stages_ui(ui, session);
        ui.separator();
        ui.columns(2, |cols| {
            cols[0].strong("Loss terms");
            cols[0].weak(
                "Reconstruction in nats per image; the distance to the nearest code and the commitment term, per element; \
                 the prior's NLL in nats per code map (before stage 2, that of uniform codes). Tick log scale to see them \
                 together. In stage 2 the first three are the frozen autoencoder's.",
            );
            shell.plot.terms_ui(&mut cols[0], &session.history, 220.0, &|name| {
                name != STAGE_TERM && name != PERPLEXITY_TERM && name != RESTARTS_TERM
            });
            cols[1].strong("Samples");
            cols[1].weak(match self.stage {
                Stage::Autoencoder => {
                    "Stage 1 has no prior yet: each cell's code is drawn uniformly at random and the map decoded, so these \
                     are a patchwork of strokes, not digits, until the prior trains."
                }
                Stage::Prior => {
                    "Maps drawn from the prior one code at a time in reading order, each given the codes above and to its \
                     left, then decoded. The same seed at every preview."
                }
            });
            session.samples.ui(&mut cols[1], (half - 20.0).min(300.0), "samples appear after the first steps");
        });
        ui.separator();
        let k = self.codebook_size();
        let restarts = restarts_of(session);
        ui.columns(2, |cols| {
            self.reconstructions_ui(&mut cols[0], (half - 20.0).min(420.0));
            cols[0].add_space(8.0);
            self.editor.ui(&mut cols[0], self.test.as_ref(), k, half - 20.0);
            usage::usage_ui(&mut cols[1], self.usage.as_ref(), restarts, &self.perplexity, k);
        });
        ui.separator();
        self.codes_ui(ui, (width - 20.0).min(560.0));
    }
}

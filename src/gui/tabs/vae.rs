//! The VAE tab: train a (conditional) VAE live and explore its latent space. The same file is
//! the plain autoencoder's tab (`VaeTab::autoencoder`): the same networks and views, without
//! the noise and the KL term, so the two can be compared side by side.

use std::time::{Duration, Instant};

use eframe::egui;

use crate::data::{DatasetId, ImageDatasetId};
use crate::export::save_grid_png;
use crate::models::vae::{Likelihood, VaeArch, VaeConfig, VaeFamily};
use crate::models::FamilyKind;
use crate::train::{Command, TrainData};

use super::super::dialogs::{PendingDialog, Purpose};
use super::super::loading::without_panics;
use super::super::session::Session;
use super::super::tab::{side_and_central_ui, Shared, Tab, TabStatus};
use super::super::train_data::TabData;
use super::super::widgets::latent_map::Projection;
use super::super::widgets::{class_colour, loss_plot_ui, ImageGrid, LatentMap, LossPlotState};

const TAG_CURSOR: u64 = 1;
const TAG_GRID: u64 = 2;
/// Test points drawn on the latent map.
const MAP_POINTS: usize = 1000;
const ENCODE_EVERY: Duration = Duration::from_millis(1500);

pub struct VaeTab {
    dataset: ImageDatasetId,
    /// The configuration the next Reset builds.
    config: VaeConfig,
    batch_size: usize,
    seed: u64,
    data: TabData,
    session: Option<Session>,
    load_error: Option<String>,
    plot: LossPlotState,
    map: LatentMap,
    cursor_image: ImageGrid,
    cursor_in_flight: bool,
    cursor_dirty: bool,
    cursor_label: u8,
    last_encode: Option<Instant>,
    encoded_at_step: u64,
    interp_a: usize,
    interp_b: usize,
    slerp: bool,
    sample_seed: u64,
    sample_label: u8,
    dialog: Option<PendingDialog>,
    /// false: the plain autoencoder's tab.
    variational: bool,
}

impl VaeTab {
    /// The plain autoencoder's tab: the VAE's networks without noise or KL.
    pub fn autoencoder() -> Self {
        Self { variational: false, config: crate::models::autoencoder::plain(VaeConfig::default()), ..Self::default() }
    }
}

impl Default for VaeTab {
    fn default() -> Self {
        Self {
            dataset: ImageDatasetId::Mnist,
            config: VaeConfig::default(),
            batch_size: 128,
            seed: 0,
            data: TabData::default(),
            session: None,
            load_error: None,
            plot: LossPlotState::default(),
            map: LatentMap::default(),
            cursor_image: ImageGrid::new("latent-cursor"),
            cursor_in_flight: false,
            cursor_dirty: true,
            cursor_label: 0,
            last_encode: None,
            encoded_at_step: u64::MAX,
            interp_a: 0,
            interp_b: 1,
            slerp: true,
            sample_seed: 1234,
            sample_label: 0,
            dialog: None,
            variational: true,
        }
    }
}

impl VaeTab {
    /// The family kind this tab trains (and the checkpoints it loads).
    fn kind(&self) -> FamilyKind {
        if self.variational { FamilyKind::Vae } else { FamilyKind::Autoencoder }
    }

    /// (Re)loads the dataset when it or the data folder changed (in the background), and
    /// (re)builds the model once it is there.
    fn ensure_session(&mut self, ctx: &egui::Context, shared: &Shared) {
        if self.data.folder_changed(shared.data_version) {
            self.session = None;
            self.load_error = None;
        }
        if self.session.is_some() || self.load_error.is_some() {
            return;
        }
        let data = match self.data.get(DatasetId::Images(self.dataset), shared.data_dir.as_deref(), ctx) {
            None => return,
            Some(Ok(TrainData::Images(d))) => d,
            Some(Ok(_)) => return self.load_error = Some("this tab trains on images".into()),
            Some(Err(e)) => return self.load_error = Some(e),
        };
        self.config.num_classes = data.num_classes();
        self.config.width = data.train.width;
        self.config.height = data.train.height;
        match without_panics("building the model", || VaeFamily::new(self.config.clone(), &shared.device.device, self.seed)) {
            Ok(family) => {
                let session = Session::start(
                    Box::new(family),
                    &[self.kind()],
                    TrainData::Images(data),
                    Some(DatasetId::Images(self.dataset)),
                    shared.data_dir.clone(),
                    self.batch_size,
                    64,
                    &shared.device,
                    ctx,
                );
                session.send(Command::Sample { n: 64, seed: 1234, label: None });
                self.session = Some(session);
                self.map = LatentMap::default();
                self.cursor_dirty = true;
                self.cursor_in_flight = false;
                self.last_encode = None;
                self.encoded_at_step = u64::MAX;
            }
            Err(e) => self.load_error = Some(e),
        }
    }

    fn reset(&mut self) {
        self.session = None;
        self.load_error = None;
    }

    /// Takes what the worker sent for the latent views and asks for fresh ones when due.
    fn update_latent_views(&mut self, ctx: &egui::Context) {
        let Some(session) = &mut self.session else { return };
        if let Some((points, dim, labels)) = session.encoded.take() {
            self.map.set_points(points, dim, labels);
            session.send(Command::Decode { tag: TAG_GRID, z: self.map.grid_latents(), n: 144, label: Some(self.cursor_label) });
            self.cursor_dirty = true;
        }
        if let Some(images) = session.decoded.remove(&TAG_GRID) {
            self.map.set_grid_images(ctx, &images);
        }
        if let Some(images) = session.decoded.remove(&TAG_CURSOR) {
            self.cursor_image.set(ctx, images, 1);
            self.cursor_in_flight = false;
        }
        let due = match self.last_encode {
            None => true,
            Some(t) => session.step != self.encoded_at_step && (t.elapsed() >= ENCODE_EVERY || !session.running),
        };
        if due {
            session.send(Command::Encode { n: MAP_POINTS });
            self.last_encode = Some(Instant::now());
            self.encoded_at_step = session.step;
        }
        if self.cursor_dirty && !self.cursor_in_flight && self.map.dim() > 0 {
            session.send(Command::Decode { tag: TAG_CURSOR, z: self.map.cursor_latent(), n: 1, label: Some(self.cursor_label) });
            self.cursor_in_flight = true;
            self.cursor_dirty = false;
        }
    }

    fn poll_dialog(&mut self) {
        // A save or load waits for the model (after a Reset, or while the data loads).
        if self.session.is_none() {
            return;
        }
        let Some(answer) = self.dialog.as_ref().and_then(|d| d.poll()) else { return };
        let purpose = self.dialog.take().map(|d| d.purpose);
        let (Some(path), Some(session)) = (answer, &mut self.session) else { return };
        match purpose {
            Some(Purpose::SaveCheckpoint) => session.save(path),
            Some(Purpose::LoadCheckpoint) => session.load(path),
            Some(Purpose::ExportSamples) => {
                let result = match session.samples.batch() {
                    Some(batch) => save_grid_png(batch, 8, 4, &path),
                    None => Err("no samples to export yet".into()),
                };
                match result {
                    Ok(()) => session.notice(format!("exported {}", path.display())),
                    Err(e) => session.error(e),
                }
            }
            _ => {}
        }
    }

    fn open_dialog(&mut self, purpose: Purpose, ctx: &egui::Context) {
        if self.dialog.is_none() {
            self.dialog = Some(PendingDialog::open(purpose, ctx));
        }
    }

    fn controls_ui(&mut self, ui: &mut egui::Ui) {
        if self.variational {
            ui.heading("Variational autoencoder");
            ui.weak("An encoder maps each image to a Gaussian over a small latent space; a decoder maps latent points back to images. Training maximises the ELBO: reconstruct well, and keep the latent codes close to N(0, I) so that decoding random N(0, I) points gives new images.");
        } else {
            ui.heading("Autoencoder");
            ui.weak("The VAE's encoder and decoder, trained only to reconstruct: each image gets one code, with no noise and no pull towards N(0, I). It compresses well, but nothing says where the codes lie, so decoding random N(0, I) points mostly gives images that are not digits. Compare the latent map and the samples with the VAE tab.");
        }
        ui.separator();

        ui.strong("Data");
        let before = self.dataset;
        egui::ComboBox::from_label("dataset")
            .selected_text(self.dataset.label())
            .show_ui(ui, |ui| {
                for id in ImageDatasetId::ALL {
                    ui.selectable_value(&mut self.dataset, id, id.label());
                }
            });
        if before != self.dataset {
            self.data.clear();
            self.reset();
        }
        if let Some(data) = self.data.images() {
            ui.weak(format!("{} — {} train / {} test images", data.source, data.train.len(), data.test.len()));
        }
        ui.separator();

        ui.strong("Training");
        ui.horizontal(|ui| {
            if let Some(session) = &self.session {
                session.run_buttons_ui(ui, "one optimisation step");
            }
            if ui.button("Reset").on_hover_text("a fresh model with the settings below").clicked() {
                self.reset();
            }
        });
        Session::batch_size_ui(ui, &mut self.batch_size, 512, self.session.as_ref());
        if let Some(session) = &mut self.session {
            session.hyper_sliders_ui(ui, &|_| false);
        }
        ui.separator();

        ui.strong("Model (applied on Reset)");
        ui.horizontal(|ui| {
            ui.radio_value(&mut self.config.arch, VaeArch::Mlp, "MLP");
            ui.radio_value(&mut self.config.arch, VaeArch::Conv, "Conv");
        });
        ui.add(egui::Slider::new(&mut self.config.latent_dim, 2..=64).text("latent dim"));
        ui.add(egui::Slider::new(&mut self.config.hidden, 32..=1024).logarithmic(true).text("hidden width"));
        egui::ComboBox::from_label("decoder")
            .selected_text(match self.config.likelihood {
                Likelihood::Bernoulli => "Bernoulli",
                Likelihood::Gaussian => "Gaussian",
            })
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut self.config.likelihood, Likelihood::Bernoulli, "Bernoulli");
                ui.selectable_value(&mut self.config.likelihood, Likelihood::Gaussian, "Gaussian");
            });
        ui.checkbox(&mut self.config.conditional, "class-conditional (CVAE)");
        ui.add(egui::DragValue::new(&mut self.seed).prefix("seed: "));
        ui.separator();

        ui.strong("Files");
        let ctx = ui.ctx().clone();
        let ready = self.session.is_some();
        ui.horizontal_wrapped(|ui| {
            if ui.add_enabled(ready, egui::Button::new("Save checkpoint…")).clicked() {
                self.open_dialog(Purpose::SaveCheckpoint, &ctx);
            }
            let load = format!("a folder written by this tab or by genlab train --family {}", if self.variational { "vae" } else { "autoencoder" });
            if ui.add_enabled(ready, egui::Button::new("Load checkpoint…")).on_hover_text(load).clicked() {
                self.open_dialog(Purpose::LoadCheckpoint, &ctx);
            }
            if ui.add_enabled(ready, egui::Button::new("Export samples PNG…")).clicked() {
                self.open_dialog(Purpose::ExportSamples, &ctx);
            }
        });
        if let Some(session) = self.session.as_ref().filter(|_| self.variational) {
            ui.separator();
            ui.strong("Test-set likelihood");
            if ui
                .button("Measure")
                .on_hover_text("ELBO and the importance-weighted bound (k = 64, Burda et al. 2016) on up to 2,000 test images")
                .clicked()
            {
                session.send(Command::Likelihood { max_examples: 2000, importance_samples: 64 });
            }
            if let Some((step, rows)) = &session.likelihood {
                ui.weak(format!("at step {step}, on {} test images:", rows.first().map_or(0, |r| r.examples)));
                for r in rows {
                    ui.label(format!("-{}: {:.2} nats/image ({:.4} bits/dim)", r.name, r.nll_nats, r.bits_per_dim));
                }
                ui.weak("Upper bounds on the negative log-likelihood: lower is better; the IWAE bound is the tighter one.");
            }
            ui.separator();
            ui.weak(format!("{}\n{} parameters", session.description, session.num_params));
        }
    }

    fn notices_ui(&mut self, ui: &mut egui::Ui) {
        if let Some(e) = &self.load_error {
            ui.colored_label(egui::Color32::from_rgb(255, 110, 110), e);
            if ui.button("Use the built-in shapes instead").clicked() {
                self.dataset = ImageDatasetId::Shapes;
                self.data.clear();
                self.reset();
            }
        }
        if let Some(session) = &mut self.session {
            session.notices_ui(ui);
        }
    }

    fn views_ui(&mut self, ui: &mut egui::Ui) {
        self.notices_ui(ui);
        let Some(session) = &mut self.session else {
            self.data.loading_ui(ui);
            return;
        };
        if session.step == 0 && !session.running {
            ui.label(egui::RichText::new("Press Start to train. The samples below come from the untrained decoder: noise.").strong());
        }
        let half = (ui.available_width() - 16.0) / 2.0;
        ui.columns(2, |cols| {
            cols[0].strong("Loss per term (per image, nats)");
            cols[0].weak(if self.variational {
                "loss = reconstruction + β·KL. Reconstruction falls as the decoder learns; KL rises as the encoder starts using the latent space."
            } else {
                "Reconstruction only: −log p(x | code), the same term as the VAE's. With no KL to pay it falls lower, but the codes are free to go anywhere."
            });
            loss_plot_ui(&mut cols[0], "vae-loss", &session.history, &mut self.plot, 260.0);
            cols[1].strong("Samples: decoded z ~ N(0, I), fixed seed");
            cols[1].weak(if self.variational {
                "The same 64 latent points every time, so you watch them turn into images as training goes on."
            } else {
                "The same 64 points of N(0, I): an autoencoder never asked its codes to fill N(0, I), so many of these decode to blends or blots. This is why it is not a generative model."
            });
            let width = (half - 20.0).min(330.0);
            session.samples.ui(&mut cols[1], width, "no samples yet");
            cols[1].horizontal(|ui| {
                ui.add(egui::DragValue::new(&mut self.sample_seed).prefix("seed: "));
                if ui.button("New samples").clicked() {
                    session.send(Command::Sample { n: 64, seed: self.sample_seed, label: None });
                }
            });
            if self.config.conditional {
                cols[1].horizontal(|ui| {
                    ui.add(egui::DragValue::new(&mut self.sample_label).range(0..=9).prefix("class: "));
                    if ui.button("Sample this class").clicked() {
                        session.send(Command::Sample { n: 64, seed: self.sample_seed, label: Some(self.sample_label) });
                    }
                });
            }
        });
        ui.separator();
        ui.columns(2, |cols| {
            cols[0].strong("Latent explorer");
            cols[0].weak("Dots: test images encoded to their posterior mean, coloured by class. Behind them: images decoded on a grid. Drag the cursor to decode any point.");
            let dim = self.map.dim();
            if dim > 2 {
                cols[0].horizontal(|ui| {
                    let mut pca = self.map.projection == Projection::Pca;
                    if ui.radio_value(&mut pca, true, "PCA plane").changed() | ui.radio_value(&mut pca, false, "two dims").changed() {
                        self.map.projection = if pca { Projection::Pca } else { Projection::Dims(0, 1) };
                        self.map.reproject();
                        session.send(Command::Decode { tag: TAG_GRID, z: self.map.grid_latents(), n: 144, label: Some(self.cursor_label) });
                    }
                    if let Projection::Dims(mut i, mut j) = self.map.projection {
                        let a = ui.add(egui::DragValue::new(&mut i).range(0..=dim - 1).prefix("x: z"));
                        let b = ui.add(egui::DragValue::new(&mut j).range(0..=dim - 1).prefix("y: z"));
                        if a.changed() || b.changed() {
                            self.map.projection = Projection::Dims(i, j);
                            self.map.reproject();
                            session.send(Command::Decode { tag: TAG_GRID, z: self.map.grid_latents(), n: 144, label: Some(self.cursor_label) });
                        }
                    }
                });
            }
            cols[0].horizontal(|ui| {
                ui.checkbox(&mut self.map.show_grid, "decoded grid");
                if self.config.conditional {
                    let before = self.cursor_label;
                    ui.add(egui::DragValue::new(&mut self.cursor_label).range(0..=9).prefix("decode as class: "));
                    if before != self.cursor_label {
                        self.cursor_dirty = true;
                        session.send(Command::Decode { tag: TAG_GRID, z: self.map.grid_latents(), n: 144, label: Some(self.cursor_label) });
                    }
                }
            });
            cols[0].horizontal(|ui| {
                let side = (half - 150.0).clamp(200.0, 420.0);
                if self.map.ui(ui, side) {
                    self.cursor_dirty = true;
                }
                ui.vertical(|ui| {
                    ui.label("decoded at cursor");
                    self.cursor_image.ui(ui, 112.0, "…");
                    let z = self.map.cursor_latent();
                    let shown: Vec<String> = z.iter().take(4).map(|v| format!("{v:.2}")).collect();
                    ui.weak(format!("z = [{}{}]", shown.join(", "), if z.len() > 4 { ", …" } else { "" }));
                    for (k, name) in (0..10u8).zip(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]) {
                        if k % 5 == 0 {
                            ui.add_space(2.0);
                        }
                        ui.colored_label(class_colour(k), format!("class {name}"));
                    }
                });
            });
            cols[1].strong("Reconstructions");
            cols[1].weak("Top: test images. Bottom: decoded from their encoding. Blur is the price of a small latent space.");
            let width = (half - 20.0).min(420.0);
            session.recon_inputs.ui(&mut cols[1], width, "start training to see reconstructions");
            session.recon_outputs.ui(&mut cols[1], width, "");
            cols[1].add_space(8.0);
            cols[1].strong("Interpolation between two test images");
            cols[1].weak("Encode both, walk between the codes, decode each step. Slerp follows the sphere where most of N(0, I)'s mass lies.");
            cols[1].horizontal(|ui| {
                ui.add(egui::DragValue::new(&mut self.interp_a).range(0..=1999).prefix("from #"));
                ui.add(egui::DragValue::new(&mut self.interp_b).range(0..=1999).prefix("to #"));
                ui.checkbox(&mut self.slerp, "slerp");
                if ui.button("Interpolate").clicked() {
                    session.send(Command::Interpolate { a: self.interp_a, b: self.interp_b, steps: 10, spherical: self.slerp });
                }
            });
            session.interpolation.ui(&mut cols[1], width, "");
        });
    }
}

impl Tab for VaeTab {
    fn poll_in_background(&mut self) {
        if let Some(session) = &mut self.session {
            session.poll();
        }
    }

    fn name(&self) -> &'static str {
        if self.variational { "VAE" } else { "Autoencoder" }
    }

    fn ui(&mut self, ui: &mut egui::Ui, shared: &mut Shared) {
        self.ensure_session(ui.ctx(), shared);
        if let Some(session) = &mut self.session {
            session.poll();
        }
        self.update_latent_views(ui.ctx());
        self.poll_dialog();
        side_and_central_ui(ui, "vae-controls", 290.0, self, Self::controls_ui, Self::views_ui);
    }

    fn status(&self) -> Option<TabStatus> {
        self.session.as_ref().map(Session::status)
    }
}

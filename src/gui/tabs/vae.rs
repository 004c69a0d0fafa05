//! The VAE tab: train a (conditional) VAE live and explore its latent space. The same file is
//! the plain autoencoder's tab (`VaeTab::autoencoder`): the same networks and views, without
//! the noise and the KL term, so the two can be compared side by side.

use std::time::{Duration, Instant};

use burn::tensor::Device;
use eframe::egui;

use crate::data::{DatasetId, ImageDatasetId};
use crate::models::vae::{Likelihood, VaeArch, VaeConfig, VaeFamily};
use crate::train::{Command, TrainData};
use crate::views::latent::{Decoded, Encoded, EncodedImages, Interpolation, Reconstructions, decode, encode, encode_images, interpolate};
use crate::views::likelihood::{Likelihoods, likelihood};

use super::super::session::Session;
use super::super::shell::{FamilyTab, NewRun, RunShell, RunTab};
use super::super::train_data::train_images;
use super::super::widgets::drawing_pad::shared_drawing;
use super::super::widgets::latent_map::Projection;
use super::super::widgets::{ImageGrid, LatentMap, class_colour};

const TAG_CURSOR: u64 = 1;
const TAG_GRID: u64 = 2;
/// Test points drawn on the latent map.
const MAP_POINTS: usize = 1000;
const ENCODE_EVERY: Duration = Duration::from_millis(1500);

pub struct VaeTab {
    /// The configuration the next Reset builds.
    config: VaeConfig,
    map: LatentMap,
    cursor_image: ImageGrid,
    recon_inputs: ImageGrid,
    recon_outputs: ImageGrid,
    interpolation: ImageGrid,
    cursor_in_flight: bool,
    cursor_dirty: bool,
    cursor_label: u8,
    last_encode: Option<Instant>,
    encoded_at_step: u64,
    /// The version of the Density tab's drawing last encoded for the map (`None`: encode it
    /// again, as after the map's points were).
    drawing_encoded: Option<u64>,
    interp_a: usize,
    interp_b: usize,
    slerp: bool,
    sample_seed: u64,
    sample_label: u8,
    /// false: the plain autoencoder's tab.
    variational: bool,
}

impl VaeTab {
    /// The VAE's tab.
    pub fn vae() -> RunTab<Self> {
        Self::tab(VaeConfig::default(), true)
    }

    /// The plain autoencoder's tab: the VAE's networks without noise or KL.
    pub fn autoencoder() -> RunTab<Self> {
        Self::tab(crate::models::autoencoder::plain(VaeConfig::default()), false)
    }

    fn tab(config: VaeConfig, variational: bool) -> RunTab<Self> {
        let kind = if variational { crate::models::vae::KIND } else { crate::models::autoencoder::KIND };
        let shell = RunShell::new(kind, DatasetId::Images(ImageDatasetId::Mnist), 128).with_export(8);
        let tab = Self {
            config,
            map: LatentMap::default(),
            cursor_image: ImageGrid::new("latent-cursor"),
            recon_inputs: ImageGrid::new("recon-in"),
            recon_outputs: ImageGrid::new("recon-out"),
            interpolation: ImageGrid::new("interpolation"),
            cursor_in_flight: false,
            cursor_dirty: true,
            cursor_label: 0,
            last_encode: None,
            encoded_at_step: u64::MAX,
            drawing_encoded: None,
            interp_a: 0,
            interp_b: 1,
            slerp: true,
            sample_seed: 1234,
            sample_label: 0,
            variational,
        };
        RunTab::new(shell, tab)
    }

    fn likelihood_ui(ui: &mut egui::Ui, session: &Session) {
        ui.strong("Test-set likelihood");
        if ui
            .button("Measure")
            .on_hover_text("ELBO and the importance-weighted bound (k = 64, Burda et al. 2016) on up to 2,000 test images")
            .clicked()
        {
            session.ask(likelihood(2000, 64));
        }
        if let Some(Likelihoods { step, rows }) = session.latest::<Likelihoods>() {
            ui.weak(format!("at step {step}, on {} test images:", rows.first().map_or(0, |r| r.examples)));
            for r in rows {
                ui.label(format!("-{}: {:.2} nats/image ({:.4} bits/dim)", r.name, r.nll_nats, r.bits_per_dim));
            }
            ui.weak("Upper bounds on the negative log-likelihood: lower is better; the IWAE bound is the tighter one.");
        }
    }
}

impl FamilyTab for VaeTab {
    const UNTIL_TRAINED: Option<&'static str> = Some("Press Start to train. The samples below come from the untrained decoder: noise.");

    fn build(&mut self, data: TrainData, _dataset: DatasetId, seed: u64, device: &Device) -> Result<NewRun, String> {
        let images = train_images(&data)?;
        self.config.num_classes = images.num_classes();
        self.config.width = images.train.width;
        self.config.height = images.train.height;
        let model = VaeFamily::new(self.config.clone(), device, seed)?;
        Ok(NewRun { model: Box::new(model), data, preview_n: 64 })
    }

    fn started(&mut self, session: &Session) {
        session.send(Command::Sample { n: 64, seed: 1234, label: None });
        self.map = LatentMap::default();
        self.cursor_dirty = true;
        self.cursor_in_flight = false;
        self.last_encode = None;
        self.encoded_at_step = u64::MAX;
        self.drawing_encoded = None;
        self.map.marker = None;
    }

    /// Takes what the worker sent for the latent views and asks for fresh ones when due.
    fn update(&mut self, session: &mut Session, ctx: &egui::Context) {
        if let Some(Encoded { points, dim, labels }) = session.take::<Encoded>() {
            self.map.set_points(points, dim, labels);
            session.ask(decode(TAG_GRID, self.map.grid_latents(), 144, Some(self.cursor_label)));
            self.cursor_dirty = true;
        }
        for Decoded { tag, images } in session.take_all::<Decoded>() {
            if tag == TAG_GRID {
                self.map.set_grid_images(ctx, &images);
            } else if tag == TAG_CURSOR {
                self.cursor_image.set(ctx, images, 1);
                self.cursor_in_flight = false;
            }
        }
        if let Some(EncodedImages { points, dim }) = session.take::<EncodedImages>()
            && dim == self.map.dim()
        {
            self.map.marker = Some((points, "your drawing".into()));
        }
        // The drawing pad's image (Density tab), encoded again when it or the model changed.
        if let Some((version, ink)) = shared_drawing(ctx)
            && self.map.dim() > 0
            && self.drawing_encoded != Some(version)
        {
            session.ask(encode_images(ink.to_vec(), 1, self.cursor_label));
            self.drawing_encoded = Some(version);
        }
        if let Some(Reconstructions { inputs, outputs }) = session.take::<Reconstructions>() {
            let cols = inputs.n;
            self.recon_inputs.set(ctx, inputs, cols);
            self.recon_outputs.set(ctx, outputs, cols);
        }
        if let Some(Interpolation { images, .. }) = session.take::<Interpolation>() {
            let cols = images.n;
            self.interpolation.set(ctx, images, cols);
        }
        let due = match self.last_encode {
            None => true,
            Some(t) => session.step != self.encoded_at_step && (t.elapsed() >= ENCODE_EVERY || !session.running),
        };
        if due {
            session.ask(encode(MAP_POINTS));
            self.drawing_encoded = None;
            self.last_encode = Some(Instant::now());
            self.encoded_at_step = session.step;
        }
        if self.cursor_dirty && !self.cursor_in_flight && self.map.dim() > 0 {
            session.ask(decode(TAG_CURSOR, self.map.cursor_latent(), 1, Some(self.cursor_label)));
            self.cursor_in_flight = true;
            self.cursor_dirty = false;
        }
    }

    fn about(&self) -> (&'static str, &'static str) {
        if self.variational {
            (
                "Variational autoencoder",
                "An encoder maps each image to a Gaussian over a small latent space; a decoder maps latent points back to images. Training maximises the ELBO: reconstruct well, and keep the latent codes close to N(0, I) so that decoding random N(0, I) points gives new images.",
            )
        } else {
            (
                "Autoencoder",
                "The VAE's encoder and decoder, trained only to reconstruct: each image gets one code, with no noise and no pull towards N(0, I). It compresses well, but nothing says where the codes lie, so decoding random N(0, I) points mostly gives images that are not digits. Compare the latent map and the samples with the VAE tab.",
            )
        }
    }

    fn side_ui(&mut self, ui: &mut egui::Ui, shell: &mut RunShell) {
        ui.separator();
        shell.training_ui(ui, "one optimisation step", "a fresh model with the settings below", 512);
        ui.separator();

        shell.model_settings_ui(ui, |ui| {
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
        });
        shell.files_ui(ui);
        if self.variational {
            shell.run_block_ui(ui, Self::likelihood_ui);
        }
        shell.description_ui(ui);
    }

    fn central_ui(&mut self, ui: &mut egui::Ui, shell: &mut RunShell) {
        let Some(session) = &mut shell.session else { return };
        let half = (ui.available_width() - 16.0) / 2.0;
        ui.columns(2, |cols| {
            cols[0].strong("Loss per term (per image, nats)");
            cols[0].weak(if self.variational {
                "loss = reconstruction + β·KL. Reconstruction falls as the decoder learns; KL rises as the encoder starts using the latent space."
            } else {
                "Reconstruction only: −log p(x | code), the same term as the VAE's. With no KL to pay it falls lower, but the codes are free to go anywhere."
            });
            shell.plot.ui(&mut cols[0], &session.history, 260.0);
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
                        session.ask(decode(TAG_GRID, self.map.grid_latents(), 144, Some(self.cursor_label)));
                    }
                    if let Projection::Dims(mut i, mut j) = self.map.projection {
                        let a = ui.add(egui::DragValue::new(&mut i).range(0..=dim - 1).prefix("x: z"));
                        let b = ui.add(egui::DragValue::new(&mut j).range(0..=dim - 1).prefix("y: z"));
                        if a.changed() || b.changed() {
                            self.map.projection = Projection::Dims(i, j);
                            self.map.reproject();
                            session.ask(decode(TAG_GRID, self.map.grid_latents(), 144, Some(self.cursor_label)));
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
                        session.ask(decode(TAG_GRID, self.map.grid_latents(), 144, Some(self.cursor_label)));
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
            self.recon_inputs.ui(&mut cols[1], width, "start training to see reconstructions");
            self.recon_outputs.ui(&mut cols[1], width, "");
            cols[1].add_space(8.0);
            cols[1].strong("Interpolation between two test images");
            cols[1].weak("Encode both, walk between the codes, decode each step. Slerp follows the sphere where most of N(0, I)'s mass lies.");
            cols[1].horizontal(|ui| {
                ui.add(egui::DragValue::new(&mut self.interp_a).range(0..=1999).prefix("from #"));
                ui.add(egui::DragValue::new(&mut self.interp_b).range(0..=1999).prefix("to #"));
                ui.checkbox(&mut self.slerp, "slerp");
                if ui.button("Interpolate").clicked() {
                    session.ask(interpolate(self.interp_a, self.interp_b, 10, self.slerp));
                }
            });
            self.interpolation.ui(&mut cols[1], width, "");
        });
    }
}

//! The PixelCNN tab: train an autoregressive image model live, read its exact likelihood, and
//! watch it draw an image one pixel at a time: each pixel's probability, and which earlier
//! pixels the current one can see.

use std::time::Duration;

use burn::tensor::Device;
use eframe::egui;

use crate::data::{DatasetId, ImageDatasetId};
use crate::models::pixelcnn::{PixelCnnConfig, PixelCnnFamily};
use crate::train::TrainData;
use crate::views::likelihood::{Likelihoods, likelihood};
use crate::views::pixels::{PixelsFilled, fill_pixels};

use super::super::session::Session;
use super::super::shell::{Every, FamilyTab, NewRun, RunShell, RunTab};
use super::super::train_data::train_images;
use super::super::widgets::pixel_canvas::{PixelCanvas, heat_colour};

/// Test images the live likelihood is measured on while training.
const LIVE_TEST_IMAGES: usize = 500;
const LIVE_LIKELIHOOD_EVERY: Duration = Duration::from_secs(20);
/// van den Oord et al. 2016 ("Pixel Recurrent Neural Networks"), Table 4: PixelCNN on
/// (stochastically) binarized MNIST, test NLL in nats.
const PAPER_NLL: f64 = 81.3;
/// −Σ_i H(p_i) of one Bernoulli per pixel at its frequency in the embedded MNIST training
/// sample thresholded at 0.5 (8,000 images; computed with a short Python loop over the IDX
/// file): the NLL of the best model that ignores context.
const INDEPENDENT_NLL: f64 = 205.8;
/// Pixel-by-pixel speeds: pixels per request to the worker.
const SPEEDS: [(usize, &str); 4] = [(1, "1 pixel"), (4, "4 pixels"), (28, "a row"), (112, "4 rows")];

/// The pixel-by-pixel sampler's state, driven from the tab one request at a time.
struct PixelWalk {
    /// Sampled pixel values; NaN where not sampled yet.
    values: Vec<f32>,
    /// Each sampled pixel's probability of being on, as it was drawn; NaN before.
    probs: Vec<f32>,
    next: usize,
    visible: Vec<bool>,
    playing: bool,
    in_flight: bool,
    speed: usize,
    seed: u64,
    label: u8,
}

impl PixelWalk {
    fn new(pixels: usize, seed: u64) -> Self {
        Self {
            values: vec![f32::NAN; pixels],
            probs: vec![f32::NAN; pixels],
            next: 0,
            visible: Vec::new(),
            playing: false,
            in_flight: false,
            speed: 4,
            seed,
            label: 0,
        }
    }

    fn restart(&mut self) {
        let pixels = self.values.len();
        *self = Self { speed: self.speed, seed: self.seed, label: self.label, ..Self::new(pixels, self.seed) };
    }

    /// The image so far as the model reads it: unsampled pixels are 0 (never seen anyway).
    fn image(&self) -> Vec<f32> {
        self.values.iter().map(|v| if v.is_nan() { 0.0 } else { *v }).collect()
    }
}

pub struct PixelCnnTab {
    /// The configuration the next Reset builds (its image size comes from the data).
    config: PixelCnnConfig,
    walk: PixelWalk,
    live_likelihood: Every,
}

impl PixelCnnTab {
    pub fn tab() -> RunTab<Self> {
        let config = PixelCnnConfig::default();
        let shell = RunShell::new(crate::models::pixelcnn::KIND, DatasetId::Images(ImageDatasetId::Mnist), config.default_batch_size());
        let tab = Self { walk: PixelWalk::new(config.pixels(), 1), config, live_likelihood: Every::new(LIVE_LIKELIHOOD_EVERY) };
        RunTab::new(shell.with_export(4), tab)
    }

    fn likelihood_ui(ui: &mut egui::Ui, session: &Session) {
        ui.strong("Exact test likelihood");
        ui.weak(format!("Measured every {} s while training, on {LIVE_TEST_IMAGES} test images.", LIVE_LIKELIHOOD_EVERY.as_secs()));
        if ui.button("Measure on 2,000 now").clicked() {
            session.ask(likelihood(2000, 1));
        }
        match session.latest::<Likelihoods>() {
            Some(Likelihoods { step, rows }) => {
                for r in rows {
                    ui.label(egui::RichText::new(format!("NLL {:.1} nats/image ({:.4} bits/dim)", r.nll_nats, r.bits_per_dim)).strong());
                    ui.weak(format!("at step {step}, on {} test images, ± {:.1}", r.examples, r.std_error));
                }
            }
            None => {
                ui.weak("not measured yet");
            }
        }
        ui.weak(format!(
            "For scale: van den Oord et al. (2016, Table 4) report {PAPER_NLL} nats for PixelCNN on \
             stochastically binarized MNIST, a harder dataset than this fixed threshold. Here, a model that treats \
             every pixel as independent (the best one that ignores context) scores {INDEPENDENT_NLL} nats."
        ));
    }

    fn pixel_walk_ui(&mut self, ui: &mut egui::Ui, session: &Session) {
        let walk = &mut self.walk;
        let (w, h) = (self.config.width, self.config.height);
        ui.strong("Pixel by pixel");
        ui.weak(
            "The model fills one image in reading order. For each pixel it gives the probability that it is on, \
             then a coin with that probability decides it. Blue: the earlier pixels the next prediction can see \
             through the masks. The blank triangle up and to the right is the original PixelCNN's blind spot.",
        );
        ui.horizontal(|ui| {
            let label = if walk.playing {
                "Pause drawing"
            } else if walk.next == 0 {
                "Draw"
            } else {
                "Continue"
            };
            if ui.add_enabled(walk.next < w * h, egui::Button::new(label)).clicked() {
                walk.playing = !walk.playing;
            }
            if ui.add_enabled(!walk.playing && !walk.in_flight && walk.next < w * h, egui::Button::new("One pixel")).clicked() {
                session.ask(fill_pixels(walk.image(), 1, walk.next, 1, walk.seed, self.config.conditional.then_some(walk.label)));
                walk.in_flight = true;
            }
            if ui.button("New image").on_hover_text("start again from a blank image with the next seed").clicked() {
                walk.seed += 1;
                walk.restart();
            }
            egui::ComboBox::from_label("per step").selected_text(SPEEDS.iter().find(|s| s.0 == walk.speed).map_or("?", |s| s.1)).show_ui(
                ui,
                |ui| {
                    for (n, name) in SPEEDS {
                        ui.selectable_value(&mut walk.speed, n, name);
                    }
                },
            );
            if self.config.conditional {
                ui.add(egui::DragValue::new(&mut walk.label).range(0..=9).prefix("class: "));
            }
            ui.weak(format!("seed {}", walk.seed));
        });
        let side = ((ui.available_width() - 40.0) / 3.0).clamp(160.0, 300.0);
        let current = (walk.next < w * h).then_some(walk.next);
        ui.horizontal(|ui| {
            ui.vertical(|ui| {
                ui.label("the image so far");
                PixelCanvas { width: w, height: h, values: &walk.values, current, visible: &walk.visible, heat: false }.ui(ui, side);
            });
            let hovered = ui
                .vertical(|ui| {
                    ui.label("p(pixel on) when it was drawn");
                    PixelCanvas { width: w, height: h, values: &walk.probs, current, visible: &[], heat: true }.ui(ui, side)
                })
                .inner;
            ui.vertical(|ui| {
                ui.set_max_width(side);
                match current {
                    Some(i) => {
                        ui.label(format!("next: pixel {} (row {}, column {})", i, i / w, i % w));
                        ui.weak(format!("it can see {} of the {} pixels before it", walk.visible.iter().filter(|&&v| v).count(), i));
                    }
                    None => {
                        ui.label("the image is complete");
                    }
                }
                if walk.next > 0 {
                    let last = walk.next - 1;
                    let p = walk.probs[last];
                    ui.add_space(6.0);
                    ui.label(format!("last drawn: pixel {last}"));
                    ui.label(
                        egui::RichText::new(format!("p(on) = {p:.3}, drawn: {}", if walk.values[last] > 0.5 { "on" } else { "off" }))
                            .strong(),
                    );
                    let (rect, _) = ui.allocate_exact_size(egui::vec2(side * 0.8, 14.0), egui::Sense::hover());
                    ui.painter().rect_filled(rect, 2.0, egui::Color32::from_gray(50));
                    let filled = egui::Rect::from_min_size(rect.min, egui::vec2(rect.width() * p.clamp(0.0, 1.0), rect.height()));
                    ui.painter().rect_filled(filled, 2.0, heat_colour(p));
                }
                if let Some(i) = hovered.filter(|&i| !walk.probs[i].is_nan()) {
                    ui.add_space(6.0);
                    ui.weak(format!("pointer: pixel {i}, p(on) was {:.3}", walk.probs[i]));
                }
                let drawn: Vec<f32> = walk.probs.iter().copied().filter(|p| !p.is_nan()).collect();
                if !drawn.is_empty() {
                    // −log p of the choices made so far: this image's NLL, accumulating.
                    let nll: f64 = walk
                        .values
                        .iter()
                        .zip(&walk.probs)
                        .filter(|(_, p)| !p.is_nan())
                        .map(|(&v, &p)| -((if v > 0.5 { p } else { 1.0 - p }) as f64).max(1e-12).ln())
                        .sum();
                    ui.add_space(6.0);
                    ui.weak(format!("−log p of this image so far: {nll:.1} nats over {} pixels", drawn.len()));
                }
            });
        });
    }
}

impl FamilyTab for PixelCnnTab {
    const UNTIL_TRAINED: Option<&'static str> = Some("Press Start to train. Until then every pixel is a coin flip.");

    fn build(&mut self, data: TrainData, _dataset: DatasetId, seed: u64, device: &Device) -> Result<NewRun, String> {
        let images = train_images(&data)?;
        self.config.num_classes = images.num_classes();
        self.config.width = images.train.width;
        self.config.height = images.train.height;
        let model = PixelCnnFamily::new(self.config.clone(), device, seed)?;
        // Previews are 16 images of 784 network passes each: the worker spaces them so that
        // they take at most a fifth of the time.
        Ok(NewRun { model: Box::new(model), data, preview_n: 16 })
    }

    fn started(&mut self, _session: &Session) {
        self.walk = PixelWalk::new(self.config.pixels(), self.walk.seed);
        self.live_likelihood.restart();
    }

    /// Takes filled pixels from the worker and asks for the next ones while playing; measures
    /// the test likelihood now and then while training.
    fn update(&mut self, session: &mut Session, _ctx: &egui::Context) {
        if let Some(filled) = session.take::<PixelsFilled>() {
            let walk = &mut self.walk;
            walk.in_flight = false;
            if filled.from == walk.next && filled.x.len() == walk.values.len() {
                for i in filled.from..filled.from + filled.count.min(walk.values.len() - filled.from) {
                    walk.values[i] = filled.x[i];
                    walk.probs[i] = filled.probs[i - filled.from];
                }
                walk.next = (filled.from + filled.count).min(walk.values.len());
                walk.visible = filled.next_visible;
            }
            if walk.next >= walk.values.len() {
                walk.playing = false;
            }
        }
        let walk = &mut self.walk;
        if walk.playing && !walk.in_flight && walk.next < walk.values.len() {
            session.ask(fill_pixels(walk.image(), 1, walk.next, walk.speed, walk.seed, self.config.conditional.then_some(walk.label)));
            walk.in_flight = true;
        }
        if session.running && session.step > 0 && self.live_likelihood.due() {
            session.ask(likelihood(LIVE_TEST_IMAGES, 1));
        }
    }

    fn about(&self) -> (&'static str, &'static str) {
        (
            "PixelCNN",
            "An autoregressive model: the probability of an image is the product, pixel by pixel in reading order, \
             of the probability of each pixel given all the pixels before it. Masked convolutions make sure a pixel's \
             prediction never looks at itself or later pixels, so the likelihood is exact, and sampling draws one \
             pixel at a time.",
        )
    }

    fn side_ui(&mut self, ui: &mut egui::Ui, shell: &mut RunShell) {
        ui.weak("Binarized: a pixel is 1 when its grey value is above 0.5, else 0 (the same fixed threshold for training and test).");
        ui.separator();
        shell.training_ui(ui, "one optimisation step", "a fresh model with the settings below", 256);
        ui.separator();

        shell.model_settings_ui(ui, |ui| {
            ui.add(egui::Slider::new(&mut self.config.channels, 8..=128).logarithmic(true).text("channels"));
            ui.add(egui::Slider::new(&mut self.config.layers, 0..=12).text("mask-B layers"));
            ui.checkbox(&mut self.config.conditional, "class-conditional");
        });
        shell.files_ui(ui);
        shell.run_block_ui(ui, Self::likelihood_ui);
        shell.description_ui(ui);
    }

    fn central_ui(&mut self, ui: &mut egui::Ui, shell: &mut RunShell) {
        let Some(session) = &shell.session else { return };
        let half = (ui.available_width() - 16.0) / 2.0;
        ui.columns(2, |cols| {
            cols[0].strong("Negative log-likelihood of the training batches");
            cols[0].weak("Nats per image: −log p(x), summed over the 784 pixels (divide by 784 ln 2 for bits per pixel).");
            shell.plot.ui(&mut cols[0], &session.history, 260.0);
            cols[1].strong("Samples (16, fixed seed)");
            cols[1].weak("Each drawn pixel by pixel; refreshed while training (each takes 784 network passes).");
            session.samples.ui(&mut cols[1], (half - 20.0).min(300.0), "samples appear after the first steps");
        });
        ui.separator();
        self.pixel_walk_ui(ui, session);
    }
}

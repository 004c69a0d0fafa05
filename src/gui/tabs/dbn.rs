//! The DBN tab: RBMs stacked and trained one at a time. Which layer is training (a line per
//! layer), each layer's units drawn as pixels (the first layer's filters; a higher layer's
//! through the filters below it), and samples from the stack at each depth, so a student can
//! watch what adding a layer does to them.

use std::path::Path;
use std::time::Duration;

use burn::tensor::Device;
use eframe::egui;

use crate::data::{DatasetId, ImageDatasetId};
use crate::models::dbn::config::{MAX_RBMS, MIN_RBMS};
use crate::models::dbn::family::LAYER_TERM;
use crate::models::dbn::{DbnConfig, DbnFamily};
use crate::train::TrainData;
use crate::views::stack::{LayerState, LayerStatus, StackPicture, next_layer, stack_picture};

use super::super::knobs::whole_value;
use super::super::session::Session;
use super::super::shell::{Every, FamilyTab, NewRun, Refresh, RunShell, RunTab};
use super::super::train_data::train_images;
use super::super::widgets::ImageGrid;

/// Units shown per layer.
const FILTERS: usize = 32;
/// Samples per depth in the comparison.
const SAMPLES_PER_DEPTH: usize = 16;
const PICTURE_EVERY: Duration = Duration::from_secs(2);
/// Samples at every depth cost a Gibbs chain each: asked less often than the filters.
const SAMPLES_EVERY: Duration = Duration::from_secs(10);

pub struct DbnTab {
    /// The configuration the next Reset builds (its image size comes from the data).
    config: DbnConfig,
    layers: Vec<LayerStatus>,
    /// Per layer, bottom first.
    filters: Vec<ImageGrid>,
    /// Per depth: the bottom RBM alone, layers 1-2, …
    samples: Vec<ImageGrid>,
    picture: Refresh,
    samples_every: Every,
    /// Samples wanted with the next picture (a layer moved on, or the button).
    samples_now: bool,
    samples_seed: u64,
}

impl DbnTab {
    pub fn tab() -> RunTab<Self> {
        let config = DbnConfig::default();
        let shell = RunShell::new(crate::models::dbn::KIND, DatasetId::Images(ImageDatasetId::Mnist), config.default_batch_size());
        let tab = Self {
            config,
            layers: Vec::new(),
            filters: Vec::new(),
            samples: Vec::new(),
            picture: Refresh::new(PICTURE_EVERY),
            samples_every: Every::new(SAMPLES_EVERY),
            samples_now: true,
            samples_seed: 1,
        };
        RunTab::new(shell.with_export(8), tab)
    }

    fn clear_run(&mut self) {
        self.layers.clear();
        self.filters.clear();
        self.samples.clear();
        self.picture.restart();
        self.samples_every.restart();
        self.samples_now = true;
    }

    /// Takes a picture: layers, filters, and samples when it brought them.
    fn show(&mut self, picture: StackPicture, ctx: &egui::Context) {
        let StackPicture { layers, filters, samples, .. } = picture;
        // A layer that changed state: samples at the new depth are worth a look at once.
        let moved = self.layers.iter().map(|l| l.state).ne(layers.iter().map(|l| l.state));
        self.samples_now |= moved && !self.layers.is_empty();
        self.layers = layers;
        fit_grids(&mut self.filters, filters.len(), "dbn-filters");
        for (grid, batch) in self.filters.iter_mut().zip(filters) {
            grid.set(ctx, batch, 8);
        }
        if !samples.is_empty() {
            fit_grids(&mut self.samples, samples.len(), "dbn-samples");
            for (grid, batch) in self.samples.iter_mut().zip(samples) {
                grid.set(ctx, batch, 4);
            }
        }
    }

    fn layers_ui(&self, ui: &mut egui::Ui, session: &Session) {
        ui.strong("The stack");
        if self.layers.is_empty() {
            ui.weak("the layers appear after the first picture");
            return;
        }
        let per_layer = whole_value(&session.knobs, "steps_per_layer").map(|n| n.max(1) as u64);
        let top = self.layers.len() - 1;
        for (l, layer) in self.layers.iter().enumerate() {
            let below = if l == 0 { "pixels".to_string() } else { format!("layer {l}'s {} units", layer.visible) };
            let colour = match layer.state {
                LayerState::Trained => egui::Color32::LIGHT_GREEN,
                LayerState::Training => egui::Color32::from_rgb(255, 200, 90),
                LayerState::Waiting => ui.visuals().weak_text_color(),
            };
            ui.horizontal_wrapped(|ui| {
                ui.colored_label(colour, format!("Layer {}: {} hidden units over {below}", l + 1, layer.hidden));
                ui.label(format!("— {}, {} updates", layer.state.label(), layer.steps));
                if let (LayerState::Training, Some(n), true) = (layer.state, per_layer, l < top) {
                    let done = (layer.steps as f32 / n as f32).min(1.0);
                    ui.add(egui::ProgressBar::new(done).desired_width(120.0).text(format!("{} of {n}", layer.steps.min(n))));
                }
                if layer.state == LayerState::Training && l == top {
                    ui.weak("(the top layer keeps training)");
                }
            });
        }
    }

    fn filters_ui(&self, ui: &mut egui::Ui, width: f32) {
        ui.strong(format!("What each layer's units look for ({FILTERS} of each)"));
        ui.weak(
            "Layer 1: each hidden unit's weights to the 784 pixels, as in the RBM tab (white pushes the unit on, black \
             off). A unit higher up does not see pixels: it is drawn as the filters of the layer below weighted by its \
             weights to them, a column of W1·W2 (W1·W2·W3 for layer 3) reshaped to 28×28. That is a linear picture: the \
             sigmoids between the layers are left out. A waiting layer still shows its random start.",
        );
        grids_ui(ui, &self.filters, width, 300.0, "filters appear after the first picture", |l| match l {
            0 => "layer 1: W1".to_string(),
            1 => "layer 2: W1·W2".to_string(),
            _ => format!("layer {}: W1·…·W{}", l + 1, l + 1),
        });
    }

    fn samples_ui(&mut self, ui: &mut egui::Ui, width: f32) {
        ui.strong("Samples from the stack at each depth");
        ui.weak(
            "Cut the stack at a layer and generate: alternate Gibbs steps in that layer's RBM (500 of them, from random \
             states), then one pass down through the layers below, each unit of a layer switched on with the probability \
             its layer above gives it; the bottom shows each pixel's probability. 'Layer 1 alone' is the first RBM, as \
             the RBM tab samples it. A layer that has only just started is still random and spoils the samples, until \
             it has learnt the layer below's patterns. Expect few kinds of digit at any depth: chains started from noise \
             settle in the deepest valleys of the energy and rarely leave them; the paper's network also had the labels \
             and a slow fine-tuning of all layers together, which this tab leaves out. The same seed at every depth.",
        );
        ui.horizontal(|ui| {
            if ui.button("Draw new samples").on_hover_text("the next seed, at every depth trained so far").clicked() {
                self.samples_seed += 1;
                self.samples_now = true;
                // Due again at once, even while paused (the step has not moved).
                self.picture.restart();
            }
            ui.weak(format!("seed {}", self.samples_seed));
        });
        let empty = "samples appear once the first layer has trained a little";
        grids_ui(ui, &self.samples, width, 260.0, empty, |depth| {
            if depth == 0 { "layer 1 alone".to_string() } else { format!("layers 1-{}", depth + 1) }
        });
    }
}

/// `grids` side by side in `width`, each under its `label` and at most `max` wide; `empty`
/// while there are none.
fn grids_ui(ui: &mut egui::Ui, grids: &[ImageGrid], width: f32, max: f32, empty: &str, label: impl Fn(usize) -> String) {
    if grids.is_empty() {
        ui.weak(empty);
        return;
    }
    let n = grids.len();
    ui.columns(n, |cols| {
        for (i, (col, grid)) in cols.iter_mut().zip(grids).enumerate() {
            col.label(label(i));
            grid.ui(col, (width / n as f32 - 16.0).min(max), "");
        }
    });
}

/// `grids` made `n` long, new ones named `name-0`, `name-1`, … (texture names must differ).
fn fit_grids(grids: &mut Vec<ImageGrid>, n: usize, name: &str) {
    grids.truncate(n);
    while grids.len() < n {
        grids.push(ImageGrid::new(&format!("{name}-{}", grids.len())));
    }
}

impl FamilyTab for DbnTab {
    const SIDE_WIDTH: f32 = 290.0;

    fn build(&mut self, data: TrainData, _dataset: DatasetId, seed: u64, device: &Device) -> Result<NewRun, String> {
        let images = train_images(&data)?;
        self.config.width = images.train.width;
        self.config.height = images.train.height;
        let model = DbnFamily::new(self.config.clone(), device, seed)?;
        Ok(NewRun { model: Box::new(model), data, preview_n: 32 })
    }

    fn started(&mut self, _session: &Session) {
        self.clear_run();
    }

    fn reset(&mut self) {
        self.clear_run();
    }

    fn loaded(&mut self, _dir: &Path) {
        self.clear_run();
    }

    fn update(&mut self, session: &mut Session, ctx: &egui::Context) {
        if let Some(picture) = session.take::<StackPicture>() {
            self.show(picture, ctx);
            self.picture.answered();
        }
        if let Some(layers) = session.take::<Vec<LayerStatus>>() {
            // "Next layer now" was pressed: the stack has one more depth to sample.
            self.layers = layers;
            self.samples_now = true;
            self.picture.restart();
        }
        // Asked again once the step moved (or at once for a new run, whose first step is 0).
        if self.picture.due(session.step) {
            let with_samples = std::mem::take(&mut self.samples_now) | self.samples_every.due();
            let samples = if with_samples { SAMPLES_PER_DEPTH } else { 0 };
            session.ask(stack_picture(FILTERS, samples, self.samples_seed));
        }
    }

    fn about(&self) -> (&'static str, &'static str) {
        (
            "Deep belief network",
            "Hinton, Osindero & Teh (2006): learn one layer of features with an RBM, freeze it, and treat its hidden \
             units' probabilities for each image as the data for a second RBM, then a third. Each new layer models the \
             patterns among the features below it. The paper proves that a new layer started from the transposed \
             weights of the one below improves a bound on the data's log-likelihood; here each starts from small random \
             weights, so take that as a guide, not a promise. To generate, the top RBM settles by Gibbs sampling and \
             the layers below turn its state into pixels in one pass down.",
        )
    }

    fn side_ui(&mut self, ui: &mut egui::Ui, shell: &mut RunShell) {
        ui.weak("Binarized at 0.5, as for the RBM.");
        ui.separator();
        shell.training_with_ui(
            ui,
            "one CD update of the layer in training",
            "a fresh stack with the settings below",
            512,
            |ui, session| {
                if ui.button("Next layer now").on_hover_text("end this layer's turn: the next update trains the layer above").clicked() {
                    session.ask(next_layer());
                }
            },
        );
        ui.separator();
        shell.model_settings_ui(ui, |ui| {
            let mut rbms = self.config.hidden.len();
            if ui.add(egui::Slider::new(&mut rbms, MIN_RBMS..=MAX_RBMS).text("layers (RBMs)")).changed() {
                let last = self.config.hidden.last().copied().unwrap_or(500);
                self.config.hidden.resize(rbms, last);
            }
            for (l, width) in self.config.hidden.iter_mut().enumerate() {
                ui.add(egui::Slider::new(width, 16..=1000).logarithmic(true).text(format!("layer {} units", l + 1)));
            }
            ui.add(egui::Slider::new(&mut self.config.steps_per_layer, 100..=20_000).logarithmic(true).text("updates per layer"))
                .on_hover_text("each layer's turn; also a live knob above while training");
            ui.checkbox(&mut self.config.persistent, "persistent chains (PCD)")
                .on_hover_text("Tieleman 2008: each layer's negative chains continue from one update to the next");
        });
        shell.description_ui(ui);
        shell.files_ui(ui);
    }

    fn central_ui(&mut self, ui: &mut egui::Ui, shell: &mut RunShell) {
        let width = ui.available_width();
        let Some(session) = &shell.session else { return };
        self.layers_ui(ui, session);
        ui.separator();
        ui.columns(2, |cols| {
            cols[0].strong("Loss terms of the layer in training");
            cols[0].weak(
                "Squared error of a one-step reconstruction, per unit, and the free energy of the data minus that of the \
                 negative chains (below zero: the layer prefers its data). Both belong to the layer in training, so they \
                 jump when the next layer starts: its data are the layer below's probabilities, not pixels.",
            );
            shell.plot.terms_ui(&mut cols[0], &session.history, 220.0, &|name| name != LAYER_TERM);
            cols[1].strong("Samples from the stack as it stands");
            cols[1].weak("Refreshed while training, from the layers trained and the one training.");
            session.samples.ui(&mut cols[1], (width / 2.0 - 20.0).min(300.0), "samples appear after the first steps");
        });
        ui.separator();
        self.filters_ui(ui, width);
        ui.separator();
        self.samples_ui(ui, width);
    }
}

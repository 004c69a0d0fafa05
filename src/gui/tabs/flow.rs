//! The flow tab: RealNVP on 2-D data (its exact density as a heat map, a grid of base-space
//! points pushed through the couplings one layer at a time, data mapped back to the base) or
//! on images (samples and the exact test likelihood).

use std::time::Duration;

use burn::tensor::Device;
use eframe::egui;

use crate::data::{DatasetId, ToyKind};
use crate::models::flow::{FlowConfig, FlowFamily};
use crate::models::points::pairs;
use crate::rng::Rng;
use crate::train::TrainData;
use crate::views::flow::{FlowPicture, flow_picture};
use crate::views::likelihood::{Likelihoods, likelihood};

use super::super::session::Session;
use super::super::shell::{FamilyTab, NewRun, Refresh, RunShell, RunTab};
use super::super::train_data::shown_points;
use super::super::widgets::game_plane::GamePlane;

const SHOWN_REAL: usize = 800;
const PICTURE_EVERY: Duration = Duration::from_millis(500);

pub struct FlowTab {
    /// Data space: the density, the pushed grid, samples.
    plane: Option<GamePlane>,
    /// Base space: data mapped back, over N(0, I) draws.
    base: Option<GamePlane>,
    base_reference: Vec<[f32; 2]>,
    real: Vec<[f32; 2]>,
    /// The grid after each layer (the base grid first), from the last picture.
    layers: Vec<Vec<[f32; 2]>>,
    density: Vec<f32>,
    latent: Vec<[f32; 2]>,
    /// Layers of the flow applied to the grid shown (0: the base grid).
    shown_layer: usize,
    /// The planes need the last picture again (it arrived, or the layer slider moved).
    planes_dirty: bool,
    picture: Refresh,
}

/// The base grid, MESH_RES² points over [−2.5, 2.5]², row by row.
fn base_grid() -> Vec<[f32; 2]> {
    pairs(&GamePlane::mesh_latents(2))
}

impl FlowTab {
    pub fn tab() -> RunTab<Self> {
        let shell = RunShell::new(crate::models::flow::KIND, DatasetId::Toy(ToyKind::TwoMoons), FlowConfig::default().default_batch_size());
        let tab = Self {
            plane: None,
            base: None,
            base_reference: Vec::new(),
            real: Vec::new(),
            layers: Vec::new(),
            density: Vec::new(),
            latent: Vec::new(),
            shown_layer: usize::MAX,
            planes_dirty: false,
            picture: Refresh::new(PICTURE_EVERY),
        };
        RunTab::new(shell, tab)
    }

    /// Hands the last picture to the two planes, when it changed.
    fn refresh_planes(&mut self, session: &Session, ctx: &egui::Context) {
        if !std::mem::take(&mut self.planes_dirty) {
            return;
        }
        let samples = session.points.as_ref().map(|(_, p)| p.clone()).unwrap_or_default();
        let mesh = self.layers.get(self.shown_layer).cloned().unwrap_or_default();
        if let Some(plane) = &mut self.plane {
            plane.set_parts(ctx, &self.density, mesh, samples, Vec::new(), None);
        }
        if let Some(base) = &mut self.base {
            base.set_parts(ctx, &[], base_grid(), self.latent.clone(), Vec::new(), None);
        }
    }

    fn likelihood_ui(ui: &mut egui::Ui, session: &Session) {
        ui.strong("Exact test likelihood");
        if ui.button("Measure on 2,000 test images").clicked() {
            session.ask(likelihood(2000, 1));
        }
        if let Some(Likelihoods { step, rows }) = session.latest::<Likelihoods>() {
            for r in rows {
                ui.label(format!("NLL {:.1} nats/image ({:.3} bits/dim) at step {step}", r.nll_nats, r.bits_per_dim));
            }
        }
    }
}

impl FamilyTab for FlowTab {
    const SIDE_WIDTH: f32 = 280.0;

    fn build(&mut self, data: TrainData, _dataset: DatasetId, seed: u64, device: &Device) -> Result<NewRun, String> {
        let config = match &data {
            TrainData::Images(d) => FlowConfig::images(d.train.width, d.train.height),
            _ => FlowConfig::default(),
        };
        self.real = shown_points(&data, SHOWN_REAL);
        self.plane = (!self.real.is_empty()).then(|| GamePlane::new(&self.real));
        let mut rng = Rng::new(3);
        self.base_reference = (0..SHOWN_REAL).map(|_| [rng.normal() as f32, rng.normal() as f32]).collect();
        self.base = (!self.real.is_empty()).then(|| GamePlane::new(&self.base_reference));
        for plane in self.plane.iter_mut().chain(self.base.iter_mut()) {
            plane.show_arrows = false;
        }
        let model = FlowFamily::new(config, device, seed)?;
        let preview_n = if self.real.is_empty() { 64 } else { 600 };
        Ok(NewRun { model: Box::new(model), data, preview_n })
    }

    fn started(&mut self, _session: &Session) {
        self.picture.restart();
        self.layers.clear();
    }

    fn dataset_picked(&mut self, dataset: DatasetId) -> Option<usize> {
        Some(match dataset {
            DatasetId::Toy(_) => FlowConfig::default().default_batch_size(),
            _ => FlowConfig::images(28, 28).default_batch_size(),
        })
    }

    fn update(&mut self, session: &mut Session, ctx: &egui::Context) {
        let Some(plane) = &self.plane else { return };
        if let Some(FlowPicture { log_density: density, layers, latent, .. }) = session.take::<FlowPicture>() {
            // log p(x), floored 8 nats below its peak: p(x) itself is so concentrated on thin
            // shapes that its map is one bright line.
            let peak = density.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            self.density = density.iter().map(|l| l.max(peak - 8.0)).collect();
            if self.shown_layer > layers.len().saturating_sub(1) {
                self.shown_layer = layers.len().saturating_sub(1);
            }
            self.layers = layers;
            self.latent = latent;
            self.picture.answered();
            self.planes_dirty = true;
        }
        if self.picture.due(session.step) {
            session.ask(flow_picture(plane.field_points(), base_grid(), self.real.clone()));
        }
        self.refresh_planes(session, ctx);
    }

    fn about(&self) -> (&'static str, &'static str) {
        (
            "Normalizing flow (RealNVP)",
            "An invertible map between the data and a standard normal. Each affine coupling layer leaves half the \
             coordinates as they are and scales and shifts the other half by amounts computed from the first half, \
             so it is easy to invert and its Jacobian determinant is a product of the scales. The likelihood is \
             therefore exact: log p(x) = log N(f(x)) + the sum of the layers' log-determinants.",
        )
    }

    fn side_ui(&mut self, ui: &mut egui::Ui, shell: &mut RunShell) {
        if matches!(shell.dataset(), DatasetId::Images(_)) {
            ui.weak("Images are dequantized with uniform noise and logit-transformed (Dinh et al. 2017, §4.1); the NLL is in 8-bit units.");
        }
        ui.separator();
        shell.training_ui(ui, "one optimisation step", "a fresh flow (the identity map)", 512);
        if self.plane.is_none() {
            shell.run_block_ui(ui, Self::likelihood_ui);
        }
        shell.description_ui(ui);
        shell.seed_ui(ui);
        shell.files_ui(ui);
    }

    fn central_ui(&mut self, ui: &mut egui::Ui, shell: &mut RunShell) {
        let Some(session) = &shell.session else { return };
        let width = ui.available_width();
        let images = self.plane.is_none();
        ui.columns(2, |cols| {
            cols[0].strong("Negative log-likelihood of the training batches");
            cols[0].weak("Exact, in nats per example: −log N(f(x)) minus the sum of the log-determinants.");
            shell.plot.ui(&mut cols[0], &session.history, 240.0);
            if images {
                cols[1].strong("Samples: the inverse of f at z ~ N(0, I)");
                session.samples.ui(&mut cols[1], (width / 2.0 - 20.0).min(330.0), "samples appear after the first steps");
            }
        });
        let (Some(plane), Some(base)) = (&self.plane, &self.base) else { return };
        ui.separator();
        let layers = self.layers.len().saturating_sub(1);
        ui.horizontal(|ui| {
            ui.strong("The transform, layer by layer");
            if layers > 0 && ui.add(egui::Slider::new(&mut self.shown_layer, 0..=layers).text("couplings applied")).changed() {
                self.planes_dirty = true;
            }
        });
        ui.weak(
            "Left: the model's log-density log p(x) (green: high, purple: 8 nats below the peak or less) with its samples (pink) and the data (green dots); the white \
             mesh is a square grid of base-space points pushed through the first couplings. Slide to watch the grid \
             bend, one coupling at a time, into the shape of the data. Right: the data mapped back to the base space \
             (pink), over draws from N(0, I) (green): a good flow makes them look alike.",
        );
        let side = ((width - 40.0) / 2.0).clamp(200.0, 440.0);
        ui.horizontal(|ui| {
            plane.ui(ui, side, &self.real);
            base.ui(ui, side, &self.base_reference);
        });
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_base_grid_has_one_point_per_mesh_node() {
        use crate::gui::widgets::game_plane::MESH_RES;
        assert_eq!(super::base_grid().len(), MESH_RES * MESH_RES);
    }
}

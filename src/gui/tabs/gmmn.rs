//! The GMMN tab: a generator trained on MMD² alone, and on 2-D data the kernel's witness
//! function over the plane: where the generator has too much mass (purple) or too little
//! (green).

use std::time::Duration;

use burn::tensor::Device;
use eframe::egui;

use crate::data::{DatasetId, ToyKind};
use crate::models::gmmn::{GmmnConfig, GmmnFamily};
use crate::train::TrainData;
use crate::views::witness::{WitnessPicture, witness};

use super::super::session::Session;
use super::super::shell::{FamilyTab, NewRun, Refresh, RunShell, RunTab};
use super::super::train_data::shown_points;
use super::super::widgets::game_plane::GamePlane;

const SHOWN_REAL: usize = 1000;
const WITNESS_EVERY: Duration = Duration::from_millis(400);

pub struct GmmnTab {
    /// The witness function over the plane (2-D data only).
    plane: Option<GamePlane>,
    real: Vec<[f32; 2]>,
    picture: Refresh,
}

impl GmmnTab {
    pub fn tab() -> RunTab<Self> {
        let shell = RunShell::new(crate::models::gmmn::KIND, DatasetId::Toy(ToyKind::Ring8), GmmnConfig::default().default_batch_size());
        let tab = Self { plane: None, real: Vec::new(), picture: Refresh::new(WITNESS_EVERY) };
        RunTab::new(shell, tab)
    }
}

impl FamilyTab for GmmnTab {
    const SIDE_WIDTH: f32 = 280.0;

    fn build(&mut self, data: TrainData, _dataset: DatasetId, seed: u64, device: &Device) -> Result<NewRun, String> {
        let config = match &data {
            TrainData::Images(d) => GmmnConfig::images(d.train.width, d.train.height),
            _ => GmmnConfig::default(),
        };
        self.real = shown_points(&data, SHOWN_REAL);
        self.plane = (!self.real.is_empty()).then(|| GamePlane::new(&self.real));
        if let Some(plane) = &mut self.plane {
            plane.show_mesh = false;
            plane.show_arrows = false;
        }
        let model = GmmnFamily::new(config, device, seed)?;
        let preview_n = if self.real.is_empty() { 64 } else { 500 };
        Ok(NewRun { model: Box::new(model), data, preview_n })
    }

    fn started(&mut self, _session: &Session) {
        self.picture.restart();
    }

    fn dataset_picked(&mut self, dataset: DatasetId) -> Option<usize> {
        Some(match dataset {
            DatasetId::Toy(_) => GmmnConfig::default().default_batch_size(),
            _ => GmmnConfig::images(28, 28).default_batch_size(),
        })
    }

    fn update(&mut self, session: &mut Session, ctx: &egui::Context) {
        let Some(plane) = &mut self.plane else { return };
        if let Some(WitnessPicture { field, fakes, .. }) = session.take::<WitnessPicture>() {
            // Symmetric about 0, so grey means "as much model as data".
            let m = field.iter().fold(1e-6f32, |m, v| m.max(v.abs()));
            plane.set_parts(ctx, &field, Vec::new(), fakes, Vec::new(), Some((-m, m)));
            self.picture.answered();
        }
        if self.picture.due(session.step) {
            session.ask(witness(plane.field_points(), 500));
        }
    }

    fn about(&self) -> (&'static str, &'static str) {
        (
            "GMMN",
            "A generative moment matching network: a generator trained without a discriminator. Its loss is the \
             maximum mean discrepancy (MMD²) between a batch of its samples and a batch of data under a sum of \
             Gaussian kernels: zero only when every kernel sees the two sets alike.",
        )
    }

    fn side_ui(&mut self, ui: &mut egui::Ui, shell: &mut RunShell) {
        ui.separator();
        shell.training_ui(ui, "one optimisation step", "a fresh generator", 512);
        shell.description_ui(ui);
        shell.seed_ui(ui);
        shell.files_ui(ui);
    }

    fn central_ui(&mut self, ui: &mut egui::Ui, shell: &mut RunShell) {
        let Some(session) = &shell.session else { return };
        let width = ui.available_width();
        ui.columns(2, |cols| {
            cols[0].strong("MMD² between generated and real batches");
            cols[0].weak("The unbiased estimate: it can dip below zero when the two batches are alike.");
            shell.plot.ui(&mut cols[0], &session.history, 260.0);
            match &self.plane {
                Some(plane) => {
                    cols[1].strong("The witness function");
                    cols[1].weak(
                        "f(x) = mean kernel to the data − mean kernel to the generated points. Green: the data has more \
                         mass here than the generator; purple: the generator has too much. Training moves the pink points \
                         down this landscape's slope, towards the green.",
                    );
                    plane.ui(&mut cols[1], (width / 2.0 - 20.0).clamp(200.0, 460.0), &self.real);
                    let (lo, hi) = plane.field_range();
                    cols[1].weak(format!("witness from {lo:.3} (purple) to {hi:.3} (green); green dots real, pink generated"));
                }
                None => {
                    cols[1].strong("Samples");
                    session.samples.ui(&mut cols[1], (width / 2.0 - 20.0).min(330.0), "samples appear after the first steps");
                }
            }
        });
    }
}

//! The GMMN tab: a generator trained on MMD² alone, and on 2-D data the kernel's witness
//! function over the plane: where the generator has too much mass (purple) or too little
//! (green).

use std::time::{Duration, Instant};

use eframe::egui;

use crate::data::{DatasetId, ToyKind};
use crate::models::gmmn::{GmmnConfig, GmmnFamily};
use crate::models::FamilyKind;
use crate::train::{Command, TrainData};

use super::super::loading::without_panics;
use super::super::session::Session;
use super::super::tab::{side_and_central_ui, Shared, Tab, TabStatus};
use super::super::train_data::{shown_points, TabData};
use super::super::widgets::game_plane::GamePlane;
use super::super::widgets::{dataset_picker_ui, loss_plot_ui, LossPlotState};

const SHOWN_REAL: usize = 1000;
const WITNESS_EVERY: Duration = Duration::from_millis(400);

pub struct GmmnTab {
    dataset: DatasetId,
    batch_size: usize,
    seed: u64,
    data: TabData,
    session: Option<Session>,
    load_error: Option<String>,
    plot: LossPlotState,
    plane: Option<GamePlane>,
    real: Vec<[f32; 2]>,
    last_witness: Option<Instant>,
    witness_step: u64,
    in_flight: bool,
}

impl Default for GmmnTab {
    fn default() -> Self {
        Self {
            dataset: DatasetId::Toy(ToyKind::Ring8),
            batch_size: GmmnConfig::default().default_batch_size(),
            seed: 0,
            data: TabData::default(),
            session: None,
            load_error: None,
            plot: LossPlotState::default(),
            plane: None,
            real: Vec::new(),
            last_witness: None,
            witness_step: u64::MAX,
            in_flight: false,
        }
    }
}

impl GmmnTab {
    fn ensure_session(&mut self, ctx: &egui::Context, shared: &Shared) {
        if self.data.folder_changed(shared.data_version) {
            self.session = None;
            self.load_error = None;
        }
        if self.session.is_some() || self.load_error.is_some() {
            return;
        }
        let data = match self.data.get(self.dataset, shared.data_dir.as_deref(), ctx) {
            None => return,
            Some(Ok(d)) => d,
            Some(Err(e)) => return self.load_error = Some(e),
        };
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
        match without_panics("building the generator", || GmmnFamily::new(config, &shared.device.device, self.seed)) {
            Ok(family) => {
                let preview = if self.real.is_empty() { 64 } else { 500 };
                self.session = Some(Session::start(
                    Box::new(family),
                    &[FamilyKind::Gmmn],
                    data,
                    Some(self.dataset),
                    shared.data_dir.clone(),
                    self.batch_size,
                    preview,
                    &shared.device,
                    ctx,
                ));
                self.last_witness = None;
                self.witness_step = u64::MAX;
                self.in_flight = false;
            }
            Err(e) => self.load_error = Some(e),
        }
    }

    fn reset(&mut self) {
        self.session = None;
        self.load_error = None;
    }

    fn update(&mut self, ctx: &egui::Context) {
        let (Some(session), Some(plane)) = (&mut self.session, &mut self.plane) else { return };
        if let Some((_, field, fakes)) = session.witness.take() {
            // Symmetric about 0, so grey means "as much model as data".
            let m = field.iter().fold(1e-6f32, |m, v| m.max(v.abs()));
            plane.set_parts(ctx, &field, Vec::new(), fakes, Vec::new(), Some((-m, m)));
            self.in_flight = false;
        }
        let due = self.last_witness.is_none_or(|t| t.elapsed() >= WITNESS_EVERY) && session.step != self.witness_step;
        if due && !self.in_flight {
            session.send(Command::Witness { field: plane.field_points(), n: 500 });
            self.last_witness = Some(Instant::now());
            self.witness_step = session.step;
            self.in_flight = true;
        }
    }

    fn controls_ui(&mut self, ui: &mut egui::Ui) {
        ui.heading("GMMN");
        ui.weak(
            "A generative moment matching network: a generator trained without a discriminator. Its loss is the \
             maximum mean discrepancy (MMD²) between a batch of its samples and a batch of data under a sum of \
             Gaussian kernels: zero only when every kernel sees the two sets alike.",
        );
        ui.separator();
        ui.strong("Data");
        if dataset_picker_ui(ui, &mut self.dataset) {
            self.data.clear();
            self.batch_size = match self.dataset {
                DatasetId::Toy(_) => GmmnConfig::default().default_batch_size(),
                _ => GmmnConfig::images(28, 28).default_batch_size(),
            };
            self.reset();
        }
        ui.separator();
        ui.strong("Training");
        ui.horizontal(|ui| {
            if let Some(session) = &self.session {
                session.run_buttons_ui(ui, "one optimisation step");
            }
            if ui.button("Reset").on_hover_text("a fresh generator").clicked() {
                self.reset();
            }
        });
        Session::batch_size_ui(ui, &mut self.batch_size, 512, self.session.as_ref());
        if let Some(session) = &mut self.session {
            session.hyper_sliders_ui(ui, &|_| false);
            ui.separator();
            ui.weak(format!("{}\n{} parameters", session.description, session.num_params));
        }
        ui.add(egui::DragValue::new(&mut self.seed).prefix("seed: "));
    }

    fn views_ui(&mut self, ui: &mut egui::Ui) {
        if let Some(e) = &self.load_error {
            ui.colored_label(egui::Color32::from_rgb(255, 110, 110), e);
        }
        let Some(session) = &mut self.session else {
            self.data.loading_ui(ui);
            return;
        };
        session.notices_ui(ui);
        let width = ui.available_width();
        ui.columns(2, |cols| {
            cols[0].strong("MMD² between generated and real batches");
            cols[0].weak("The unbiased estimate: it can dip below zero when the two batches are alike.");
            loss_plot_ui(&mut cols[0], "gmmn-loss", &session.history, &mut self.plot, 260.0);
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

impl Tab for GmmnTab {
    fn poll_in_background(&mut self) {
        if let Some(session) = &mut self.session {
            session.poll();
        }
    }

    fn name(&self) -> &'static str {
        "GMMN"
    }

    fn ui(&mut self, ui: &mut egui::Ui, shared: &mut Shared) {
        self.ensure_session(ui.ctx(), shared);
        if let Some(session) = &mut self.session {
            session.poll();
        }
        self.update(ui.ctx());
        side_and_central_ui(ui, "gmmn-controls", 280.0, self, Self::controls_ui, Self::views_ui);
    }

    fn status(&self) -> Option<TabStatus> {
        self.session.as_ref().map(Session::status)
    }
}

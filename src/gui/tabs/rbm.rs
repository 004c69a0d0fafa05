//! The RBM tab: contrastive divergence live on binarized images, each hidden unit's weights
//! as a filter, and a Gibbs chain to step through, from noise or from test images.

use std::time::{Duration, Instant};

use eframe::egui;

use crate::data::{DatasetId, ImageDatasetId};
use crate::models::rbm::{RbmConfig, RbmFamily};
use crate::models::FamilyKind;
use crate::train::{Command, ImageBatch, TrainData};

use super::super::loading::without_panics;
use super::super::session::Session;
use super::super::tab::{side_and_central_ui, Shared, Tab, TabStatus};
use super::super::train_data::TabData;
use super::super::widgets::{loss_plot_ui, ImageGrid, LossPlotState};

const FILTERS: usize = 64;
const CHAINS: usize = 16;
const FILTERS_EVERY: Duration = Duration::from_secs(2);

pub struct RbmTab {
    dataset: ImageDatasetId,
    config: RbmConfig,
    batch_size: usize,
    seed: u64,
    data: TabData,
    session: Option<Session>,
    load_error: Option<String>,
    plot: LossPlotState,
    filters: ImageGrid,
    frame: ImageGrid,
    chain: Vec<ImageBatch>,
    shown: usize,
    /// The chain frame the image grid holds (uploaded only when `shown` moves).
    frame_shown: Option<usize>,
    playing: bool,
    last_frame: Instant,
    chain_steps: usize,
    from_test: bool,
    chain_seed: u64,
    last_filters: Option<Instant>,
    in_flight: bool,
}

impl Default for RbmTab {
    fn default() -> Self {
        let config = RbmConfig::default();
        Self {
            dataset: ImageDatasetId::Mnist,
            batch_size: config.default_batch_size(),
            config,
            seed: 0,
            data: TabData::default(),
            session: None,
            load_error: None,
            plot: LossPlotState::default(),
            filters: ImageGrid::new("rbm-filters"),
            frame: ImageGrid::new("rbm-chain"),
            chain: Vec::new(),
            shown: 0,
            frame_shown: None,
            playing: false,
            last_frame: Instant::now(),
            chain_steps: 500,
            from_test: false,
            chain_seed: 1,
            last_filters: None,
            in_flight: false,
        }
    }
}

impl RbmTab {
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
        self.config.width = data.train.width;
        self.config.height = data.train.height;
        match without_panics("building the model", || RbmFamily::new(self.config.clone(), &shared.device.device, self.seed)) {
            Ok(family) => {
                self.session = Some(Session::start(
                    Box::new(family),
                    &[FamilyKind::Rbm],
                    TrainData::Images(data),
                    Some(DatasetId::Images(self.dataset)),
                    shared.data_dir.clone(),
                    self.batch_size,
                    64,
                    &shared.device,
                    ctx,
                ));
                self.chain.clear();
                self.last_filters = None;
                self.in_flight = false;
            }
            Err(e) => self.load_error = Some(e),
        }
    }

    fn reset(&mut self) {
        self.session = None;
        self.load_error = None;
    }

    fn request(&mut self, with_chain: bool) {
        let Some(session) = &self.session else { return };
        let steps = if with_chain { self.chain_steps } else { 0 };
        session.send(Command::GibbsPicture {
            filters: FILTERS,
            chains: CHAINS,
            steps,
            every: (steps / 50).max(1),
            from_test: self.from_test,
            seed: self.chain_seed,
        });
        self.in_flight = true;
        self.last_filters = Some(Instant::now());
    }

    fn update(&mut self, ctx: &egui::Context) {
        let Some(session) = &mut self.session else { return };
        if let Some((_, filters, chain)) = session.gibbs_picture.take() {
            self.filters.set(ctx, filters, 8);
            if chain.len() > 1 {
                self.chain = chain;
                self.shown = 0;
                self.frame_shown = None;
                self.playing = true;
            }
            self.in_flight = false;
        }
        let running = session.running;
        if running && !self.in_flight && self.last_filters.is_none_or(|t| t.elapsed() >= FILTERS_EVERY) {
            self.request(false);
        } else if self.last_filters.is_none() && !self.in_flight {
            self.request(true);
        }
        if self.playing && self.last_frame.elapsed() >= Duration::from_millis(80) {
            self.shown += 1;
            self.last_frame = Instant::now();
            if self.shown + 1 >= self.chain.len() {
                self.shown = self.chain.len().saturating_sub(1);
                self.playing = false;
            }
            ctx.request_repaint_after(Duration::from_millis(80));
        }
        if self.frame_shown != Some(self.shown) {
            if let Some(frame) = self.chain.get(self.shown) {
                self.frame.set(ctx, frame.clone(), 4);
                self.frame_shown = Some(self.shown);
            }
        }
    }

    fn controls_ui(&mut self, ui: &mut egui::Ui) {
        ui.heading("Restricted Boltzmann machine");
        ui.weak(
            "Binary pixels v and binary hidden units h with an energy E(v, h) = −b·v − c·h − v·Wh; low energy means \
             likely. Given v the hidden units are independent, and given h the pixels are: Gibbs sampling alternates \
             the two. Contrastive divergence lowers the energy of the data and raises it where a short chain wanders.",
        );
        ui.separator();
        ui.strong("Data");
        let before = self.dataset;
        egui::ComboBox::from_label("dataset").selected_text(self.dataset.label()).show_ui(ui, |ui| {
            for id in ImageDatasetId::ALL {
                ui.selectable_value(&mut self.dataset, id, id.label());
            }
        });
        if before != self.dataset {
            self.data.clear();
            self.reset();
        }
        ui.weak("Binarized at 0.5, as for PixelCNN.");
        ui.separator();
        ui.strong("Training");
        ui.horizontal(|ui| {
            if let Some(session) = &self.session {
                session.run_buttons_ui(ui, "one CD update");
            }
            if ui.button("Reset").clicked() {
                self.reset();
            }
        });
        Session::batch_size_ui(ui, &mut self.batch_size, 512, self.session.as_ref());
        if let Some(session) = &mut self.session {
            session.hyper_sliders_ui(ui, &|_| false);
        }
        ui.separator();
        ui.strong("Model (applied on Reset)");
        ui.add(egui::Slider::new(&mut self.config.hidden, 16..=512).logarithmic(true).text("hidden units"));
        ui.checkbox(&mut self.config.persistent, "persistent chains (PCD)")
            .on_hover_text("Tieleman 2008: the negative chains continue from one update to the next instead of restarting at the data");
        ui.add(egui::DragValue::new(&mut self.seed).prefix("seed: "));
        if let Some(session) = &self.session {
            ui.separator();
            ui.weak(format!("{}\n{} parameters", session.description, session.num_params));
        }
    }

    fn views_ui(&mut self, ui: &mut egui::Ui) {
        if let Some(e) = &self.load_error {
            ui.colored_label(egui::Color32::from_rgb(255, 110, 110), e);
        }
        let width = ui.available_width();
        let Some(session) = &mut self.session else {
            self.data.loading_ui(ui);
            return;
        };
        session.notices_ui(ui);
        ui.columns(2, |cols| {
            cols[0].strong("Loss terms");
            cols[0].weak(
                "An RBM's likelihood needs its partition function, so these stand in: the squared error of a one-step \
                 reconstruction, a stochastic estimate of −pseudo-log-likelihood (Besag 1975), and the free energy of \
                 the data and of the negative chains. Data below the chains: the model prefers the data.",
            );
            loss_plot_ui(&mut cols[0], "rbm-loss", &session.history, &mut self.plot, 240.0);
            cols[1].strong("Filters: the weights of 64 hidden units");
            cols[1].weak("Each hidden unit's weights to the 784 pixels; white pushes the unit on, black off. Strokes and blobs appear as it learns.");
            self.filters.ui(&mut cols[1], (width / 2.0 - 20.0).min(330.0), "filters appear after the first steps");
        });
        ui.separator();
        ui.strong("A Gibbs chain");
        ui.weak("16 chains of alternating h ~ p(h | v), v ~ p(v | h); shown: p(v | h) every few steps.");
        let mut run = false;
        ui.horizontal(|ui| {
            ui.radio_value(&mut self.from_test, false, "from noise");
            ui.radio_value(&mut self.from_test, true, "from test images");
            ui.add(egui::Slider::new(&mut self.chain_steps, 10..=2000).logarithmic(true).text("steps"));
            run = ui.button("Run the chain").clicked();
        });
        if run {
            self.chain_seed += 1;
            self.request(true);
        }
        if !self.chain.is_empty() {
            let last = self.chain.len() - 1;
            let every = (self.chain_steps / 50).max(1);
            ui.add(egui::Slider::new(&mut self.shown, 0..=last).custom_formatter(move |v, _| format!("step {}", (v as usize * every))).text("Gibbs step"));
            self.frame.ui(ui, (width * 0.45).clamp(200.0, 420.0), "");
        }
    }
}

impl Tab for RbmTab {
    fn poll_in_background(&mut self) {
        if let Some(session) = &mut self.session {
            session.poll();
        }
    }

    fn name(&self) -> &'static str {
        "RBM"
    }

    fn ui(&mut self, ui: &mut egui::Ui, shared: &mut Shared) {
        self.ensure_session(ui.ctx(), shared);
        if let Some(session) = &mut self.session {
            session.poll();
        }
        self.update(ui.ctx());
        side_and_central_ui(ui, "rbm-controls", 280.0, self, Self::controls_ui, Self::views_ui);
    }

    fn status(&self) -> Option<TabStatus> {
        self.session.as_ref().map(Session::status)
    }
}

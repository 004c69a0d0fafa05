//! The RBM tab: contrastive divergence live on binarized images, each hidden unit's weights
//! as a filter, and a Gibbs chain to step through, from noise or from test images.

use std::time::{Duration, Instant};

use burn::tensor::Device;
use eframe::egui;

use crate::data::{DatasetId, ImageDatasetId};
use crate::models::rbm::{RbmConfig, RbmFamily};
use crate::train::{ImageBatch, TrainData};
use crate::views::gibbs::{GibbsPicture, gibbs_picture};

use super::super::session::Session;
use super::super::shell::{FamilyTab, NewRun, RunShell, RunTab};
use super::super::train_data::train_images;
use super::super::widgets::ImageGrid;

const FILTERS: usize = 64;
const CHAINS: usize = 16;
const FILTERS_EVERY: Duration = Duration::from_secs(2);

pub struct RbmTab {
    /// The configuration the next Reset builds (its image size comes from the data).
    config: RbmConfig,
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

impl RbmTab {
    pub fn tab() -> RunTab<Self> {
        let config = RbmConfig::default();
        let shell = RunShell::new(crate::models::rbm::KIND, DatasetId::Images(ImageDatasetId::Mnist), config.default_batch_size());
        let tab = Self {
            config,
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
        };
        RunTab::new(shell, tab)
    }

    /// Asks for the filters, and a Gibbs chain of `chain_steps` when `with_chain`.
    fn request(&mut self, session: &Session, with_chain: bool) {
        let steps = if with_chain { self.chain_steps } else { 0 };
        session.ask(gibbs_picture(FILTERS, CHAINS, steps, (steps / 50).max(1), self.from_test, self.chain_seed));
        self.in_flight = true;
        self.last_filters = Some(Instant::now());
    }
}

impl FamilyTab for RbmTab {
    const SIDE_WIDTH: f32 = 280.0;

    fn build(&mut self, data: TrainData, _dataset: DatasetId, seed: u64, device: &Device) -> Result<NewRun, String> {
        let images = train_images(&data)?;
        self.config.width = images.train.width;
        self.config.height = images.train.height;
        let model = RbmFamily::new(self.config.clone(), device, seed)?;
        Ok(NewRun { model: Box::new(model), data, preview_n: 64 })
    }

    fn started(&mut self, _session: &Session) {
        self.chain.clear();
        self.last_filters = None;
        self.in_flight = false;
    }

    fn update(&mut self, session: &mut Session, ctx: &egui::Context) {
        if let Some(GibbsPicture { filters, chain, .. }) = session.take::<GibbsPicture>() {
            self.filters.set(ctx, filters, 8);
            if chain.len() > 1 {
                self.chain = chain;
                self.shown = 0;
                self.frame_shown = None;
                self.playing = true;
            }
            self.in_flight = false;
        }
        if session.running && !self.in_flight && self.last_filters.is_none_or(|t| t.elapsed() >= FILTERS_EVERY) {
            self.request(session, false);
        } else if self.last_filters.is_none() && !self.in_flight {
            self.request(session, true);
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
        if self.frame_shown != Some(self.shown)
            && let Some(frame) = self.chain.get(self.shown)
        {
            self.frame.set(ctx, frame.clone(), 4);
            self.frame_shown = Some(self.shown);
        }
    }

    fn about(&self) -> (&'static str, &'static str) {
        (
            "Restricted Boltzmann machine",
            "Binary pixels v and binary hidden units h with an energy E(v, h) = −b·v − c·h − v·Wh; low energy means \
             likely. Given v the hidden units are independent, and given h the pixels are: Gibbs sampling alternates \
             the two. Contrastive divergence lowers the energy of the data and raises it where a short chain wanders.",
        )
    }

    fn side_ui(&mut self, ui: &mut egui::Ui, shell: &mut RunShell) {
        ui.weak("Binarized at 0.5, as for PixelCNN.");
        ui.separator();
        shell.training_ui(ui, "one CD update", "a fresh model with the settings below", 512);
        ui.separator();
        shell.model_settings_ui(ui, |ui| {
            ui.add(egui::Slider::new(&mut self.config.hidden, 16..=512).logarithmic(true).text("hidden units"));
            ui.checkbox(&mut self.config.persistent, "persistent chains (PCD)")
                .on_hover_text("Tieleman 2008: the negative chains continue from one update to the next instead of restarting at the data");
        });
        shell.description_ui(ui);
        shell.files_ui(ui);
    }

    fn central_ui(&mut self, ui: &mut egui::Ui, shell: &mut RunShell) {
        let width = ui.available_width();
        let Some(session) = &shell.session else { return };
        ui.columns(2, |cols| {
            cols[0].strong("Loss terms");
            cols[0].weak(
                "An RBM's likelihood needs its partition function Z, too costly to track every step, so these stand \
                 in: the squared error of a one-step reconstruction, a stochastic estimate of −pseudo-log-likelihood \
                 (Besag 1975), and the free energy of the data and of the negative chains. Data below the chains: the \
                 model prefers the data. genlab eval and the Compare tab estimate log Z by annealed importance sampling \
                 (Salakhutdinov & Murray 2008) and report the test likelihood.",
            );
            shell.plot.ui(&mut cols[0], &session.history, 240.0);
            cols[1].strong("Filters: the weights of 64 hidden units");
            cols[1].weak(
                "Each hidden unit's weights to the 784 pixels; white pushes the unit on, black off. Strokes and blobs appear as it learns.",
            );
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
            self.request(session, true);
        }
        if !self.chain.is_empty() {
            let last = self.chain.len() - 1;
            let every = (self.chain_steps / 50).max(1);
            ui.add(
                egui::Slider::new(&mut self.shown, 0..=last)
                    .custom_formatter(move |v, _| format!("step {}", (v as usize * every)))
                    .text("Gibbs step"),
            );
            self.frame.ui(ui, (width * 0.45).clamp(200.0, 420.0), "");
        }
    }
}

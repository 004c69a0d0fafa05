//! The autoencoder's latent space with sampling runs drawn over it: the latent map (test images
//! encoded, coloured by class, over a grid of decoded images), a few latents followed from
//! noise to their samples step by step (scrubbed with the step scrubber), the decoded images
//! of some of them at the step shown, and a strip of those decoded along the whole run.

use eframe::egui;

use crate::views::latent::{Decoded, Encoded, decode, encode};
use crate::views::latent_chain::{LatentChain, LatentChainRun, chain};

use super::super::super::session::Session;
use super::super::super::widgets::latent_map::{GRID_SIDE, Projection};
use super::super::super::widgets::samples_plot::SAMPLE_COLOUR;
use super::super::super::widgets::{ImageGrid, LatentMap, StepScrubber};

const TAG_GRID: u64 = 1;
/// Test points drawn on the map.
const MAP_POINTS: usize = 1000;
/// Latents followed through a run, drawn over the map.
const FOLLOWED: usize = 16;
/// Of those, the first few decoded at every step (ringed and numbered on the map).
const DECODED: usize = 4;
/// Columns of the strip of decoded images along the run.
const FRAMES: usize = 11;

const PATH_COLOUR: egui::Color32 = egui::Color32::from_rgba_premultiplied(150, 88, 27, 160);

pub(super) struct ChainView {
    map: LatentMap,
    /// The map's points were asked for (once per model: the autoencoder is frozen).
    encoded: bool,
    /// The run shown, and one asked for when the run had shown this many errors.
    run: Option<LatentChainRun>,
    waiting: Option<u64>,
    scrubber: StepScrubber,
    /// The entry the images at the step hold (uploaded only when the scrubber moves).
    shown_position: Option<usize>,
    at_step: ImageGrid,
    strip: ImageGrid,
    seed: u64,
}

impl ChainView {
    pub(super) fn new() -> Self {
        Self {
            map: LatentMap::default(),
            encoded: false,
            run: None,
            waiting: None,
            scrubber: StepScrubber::default(),
            shown_position: None,
            at_step: ImageGrid::new("latent-diffusion-at-step"),
            strip: ImageGrid::new("latent-diffusion-strip"),
            seed: 7,
        }
    }

    /// Forgets the map and the run (the model, and maybe its autoencoder, is gone).
    pub(super) fn clear(&mut self) {
        self.map = LatentMap::default();
        self.encoded = false;
        self.run = None;
        self.waiting = None;
        self.scrubber.rewind();
        self.shown_position = None;
    }

    fn ask_run(&mut self, session: &Session) {
        session.ask(chain(FOLLOWED, self.seed, DECODED));
        self.waiting = Some(session.errors);
    }

    fn ask_grid(&self, session: &Session) {
        session.ask(decode(TAG_GRID, self.map.grid_latents(), GRID_SIDE * GRID_SIDE, None));
    }

    /// Takes the answers for the map and the run, and asks for what is missing: the map's
    /// points once, a first run once the model has trained.
    pub(super) fn update(&mut self, session: &mut Session, ctx: &egui::Context) {
        if !self.encoded {
            session.ask(encode(MAP_POINTS));
            self.encoded = true;
        }
        if let Some(Encoded { points, dim, labels }) = session.take::<Encoded>() {
            self.map.set_points(points, dim, labels);
            self.ask_grid(session);
        }
        for Decoded { tag, images } in session.take_all::<Decoded>() {
            if tag == TAG_GRID {
                self.map.set_grid_images(ctx, &images);
            }
        }
        if let Some(run) = session.take::<LatentChainRun>() {
            if let Some(strip) = run.chain.strip(FRAMES) {
                let columns = run.chain.frame_entries(FRAMES).len();
                self.strip.set(ctx, strip, columns);
            }
            self.run = Some(run);
            self.scrubber.rewind();
            self.shown_position = None;
            self.waiting = None;
        }
        // A question that failed said so in the run's messages: stop waiting for it.
        if self.waiting.is_some_and(|errors| session.errors > errors) {
            self.waiting = None;
        }
        if self.run.is_none() && self.waiting.is_none() && session.step > 0 {
            self.ask_run(session);
        }
    }

    pub(super) fn ui(&mut self, ui: &mut egui::Ui, session: &Session) {
        ui.strong("The latent space, and sampling runs through it");
        ui.weak(
            "Dots: test images encoded by the frozen encoder, coloured by class, over images decoded on a grid. Orange: \
             latents drawn by the sampler, each from its noise (the start of its line) towards a sample; drag the step to \
             watch them move. Diffusion here never sees a pixel: it learns where the encoder puts images, and the decoder \
             turns the points it ends on into images.",
        );
        ui.horizontal(|ui| {
            let button = egui::Button::new(format!("Sample {FOLLOWED} and follow them"));
            if ui.add_enabled(self.waiting.is_none(), button).on_hover_text("one sampling run with the sampler set above").clicked() {
                self.ask_run(session);
            }
            ui.add(egui::DragValue::new(&mut self.seed).prefix("seed: "));
            if self.waiting.is_some() {
                ui.spinner();
            }
        });
        self.projection_ui(ui, session);
        let Self { map, run, scrubber, shown_position, at_step, strip, .. } = self;
        let position = match run {
            Some(LatentChainRun { step, chain }) => {
                ui.weak(format!("drawn at training step {step}, {} kept steps", chain.ts.len()));
                let ts = chain.ts.clone();
                scrubber.ui(ui, chain.len(), &|i| ts.get(i).map_or("result".to_string(), |t| format!("t = {t}")));
                let position = scrubber.position.min(chain.len().saturating_sub(1));
                if *shown_position != Some(position)
                    && let Some(images) = chain.images.get(position)
                {
                    at_step.set(ui.ctx(), images.clone(), images.n.max(1));
                    *shown_position = Some(position);
                }
                Some(position)
            }
            None => None,
        };
        ui.horizontal_top(|ui| {
            let side = (ui.available_width() - 200.0).clamp(220.0, 420.0);
            let drawn = ui.scope(|ui| map.ui(ui, side));
            if let (Some(LatentChainRun { chain, .. }), Some(position)) = (run.as_ref(), position) {
                draw_run(&ui.painter_at(drawn.response.rect), map, drawn.response.rect, chain, position);
            }
            ui.vertical(|ui| {
                ui.label(format!("latents 1-{DECODED} decoded at this step"));
                at_step.ui(ui, 180.0, "start training: a run is drawn after the first step");
            });
        });
        ui.label(format!("Latents 1-{DECODED} decoded along the run: from noise (left) to the sample (right)"));
        let width = (ui.available_width() - 20.0).min(560.0);
        strip.ui(ui, width, "");
    }

    /// For a latent space of more than two dimensions: the PCA plane or two chosen dimensions.
    fn projection_ui(&mut self, ui: &mut egui::Ui, session: &Session) {
        let dim = self.map.dim();
        if dim <= 2 {
            return;
        }
        let before = self.map.projection;
        ui.horizontal(|ui| {
            let mut pca = self.map.projection == Projection::Pca;
            if ui.radio_value(&mut pca, true, "PCA plane").changed() | ui.radio_value(&mut pca, false, "two dims").changed() {
                self.map.projection = if pca { Projection::Pca } else { Projection::Dims(0, 1) };
            }
            if let Projection::Dims(mut i, mut j) = self.map.projection {
                let a = ui.add(egui::DragValue::new(&mut i).range(0..=dim - 1).prefix("x: z"));
                let b = ui.add(egui::DragValue::new(&mut j).range(0..=dim - 1).prefix("y: z"));
                if a.changed() || b.changed() {
                    self.map.projection = Projection::Dims(i, j);
                }
            }
        });
        if self.map.projection != before {
            self.map.reproject();
            self.ask_grid(session);
        }
    }
}

/// The followed latents from their noise up to entry `position` of the run, over the map drawn
/// in `rect`: a line each, a dot where it is now, the decoded ones ringed and numbered.
fn draw_run(painter: &egui::Painter, map: &LatentMap, rect: egui::Rect, chain: &LatentChain, position: usize) {
    let line = egui::Stroke::new(1.2, PATH_COLOUR);
    for i in 0..chain.n {
        let path: Vec<egui::Pos2> = (0..=position).filter_map(|k| chain.point(k, i)).filter_map(|z| map.screen_pos(rect, z)).collect();
        let Some(&head) = path.last() else { continue };
        if path.len() >= 2 {
            painter.line(path, line);
        }
        painter.circle_filled(head, 3.5, SAMPLE_COLOUR);
        if i < DECODED {
            painter.circle_stroke(head, 6.0, egui::Stroke::new(1.5, egui::Color32::WHITE));
            let font = egui::FontId::proportional(11.0);
            painter.text(head + egui::vec2(7.0, -7.0), egui::Align2::LEFT_BOTTOM, format!("{}", i + 1), font, egui::Color32::WHITE);
        }
    }
}

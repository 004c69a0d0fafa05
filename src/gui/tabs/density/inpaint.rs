//! "What belongs in the missing part?": the inpainting panel. Hides part of an image (a test
//! image of the model's dataset, or the pad's drawing) and lets every model in the list fill it
//! in, several times with different draws, side by side, with the error on the hidden pixels
//! against the truth and against filling them with the training set's mean image.

use std::path::PathBuf;
use std::sync::Arc;

use eframe::egui;

use crate::data::ImageSet;
use crate::models::diffusion::inpaint::MAX_RESAMPLINGS;
use crate::train::ImageBatch;
use crate::views::inpaint::{InpaintStep, MaskKind};

use super::super::super::job::Job;
use super::super::super::loading::Loading;
use super::super::super::tab::Shared;
use super::super::super::widgets::pixel_canvas::PixelCanvas;
use super::super::super::widgets::{DrawingPad, ImageGrid, StepScrubber};
use super::PAD_SIDE;
use super::fill::{Request, load_data, run};

/// The most completions per model (each is one more image through the model's sampler).
const MAX_COMPLETIONS: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq)]
enum MaskChoice {
    Kind(MaskKind),
    /// Painted with the mouse over the image.
    Painted,
}

const MASKS: [(MaskChoice, &str); 6] = [
    (MaskChoice::Kind(MaskKind::BottomHalf), "bottom half"),
    (MaskChoice::Kind(MaskKind::RightHalf), "right half"),
    (MaskChoice::Kind(MaskKind::Centre), "centre square"),
    (MaskChoice::Kind(MaskKind::Random(0.5)), "random half of the pixels"),
    (MaskChoice::Kind(MaskKind::TopHalf), "top half"),
    (MaskChoice::Painted, "painted with the mouse"),
];

/// The image to fill in.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Source {
    /// This test image of the first model's dataset.
    Test(usize),
    /// The drawing pad's image (copied when chosen).
    Drawing,
}

/// A model's test split and training mean image, loaded once per model.
pub(super) struct Data {
    pub(super) test: ImageSet,
    pub(super) mean: Vec<f32>,
}

/// One model's completions.
pub(super) struct Row {
    pub(super) name: String,
    pub(super) method: String,
    pub(super) caveat: Option<String>,
    /// Squared error on the hidden pixels: of each completion, and of their average.
    pub(super) each: Vec<f64>,
    pub(super) average: f64,
    /// The training mean image's, the baseline that ignores the visible pixels.
    pub(super) mean_image: f64,
    pub(super) grid: Option<ImageBatch>,
    /// One completion step by step, for a family whose completion is a chain.
    pub(super) steps: Vec<InpaintStep>,
}

struct Outcome {
    rows: Vec<Result<Row, String>>,
    hidden: Vec<bool>,
}

pub struct InpaintPanel {
    models: Vec<PathBuf>,
    source: Source,
    drawing: Vec<f32>,
    mask: MaskChoice,
    painted: DrawingPad,
    completions: usize,
    seed: u64,
    /// RePaint's resamplings for diffusion models (1: none).
    resamplings: usize,
    data: Option<(PathBuf, Arc<Data>)>,
    loading: Option<Loading<(PathBuf, Arc<Data>)>>,
    /// The model whose data could not be loaded: not tried again until the list changes.
    load_failed: Option<PathBuf>,
    job: Option<Job<Outcome>>,
    outcome: Option<(Outcome, Vec<(ImageGrid, StepScrubber)>)>,
    error: Option<String>,
}

impl Default for InpaintPanel {
    fn default() -> Self {
        Self {
            models: Vec::new(),
            source: Source::Test(0),
            drawing: vec![0.0; PAD_SIDE * PAD_SIDE],
            mask: MaskChoice::Kind(MaskKind::BottomHalf),
            painted: DrawingPad::new(PAD_SIDE, PAD_SIDE, 2.0),
            completions: 4,
            seed: 0,
            resamplings: 1,
            data: None,
            loading: None,
            load_failed: None,
            job: None,
            outcome: None,
            error: None,
        }
    }
}

impl InpaintPanel {
    pub fn model_changed(&mut self, model: Option<&PathBuf>) {
        if let Some(model) = model
            && !self.models.contains(model)
        {
            self.models.push(model.clone());
        }
    }

    pub fn use_drawing(&mut self, ink: &[f32]) {
        self.drawing = ink.to_vec();
        self.source = Source::Drawing;
    }

    pub fn poll(&mut self, ctx: &egui::Context) {
        if let Some(result) = self.loading.as_ref().and_then(Loading::poll) {
            self.loading = None;
            match result {
                Ok(data) => self.data = Some(data),
                Err(e) => {
                    self.load_failed = self.models.first().cloned();
                    self.error = Some(e);
                }
            }
        }
        if let Some(result) = self.job.as_ref().and_then(Job::poll) {
            self.job = None;
            match result {
                Ok(outcome) => {
                    let grids = outcome
                        .rows
                        .iter()
                        .enumerate()
                        .map(|(i, row)| {
                            let mut grid = ImageGrid::new(&format!("inpaint-row-{i}"));
                            if let Ok(Row { grid: Some(batch), .. }) = row {
                                grid.set(ctx, batch.clone(), batch.n);
                            }
                            (grid, StepScrubber::default())
                        })
                        .collect();
                    self.outcome = Some((outcome, grids));
                }
                Err(e) => self.error = Some(e),
            }
        }
        // The first model's data, for the test images.
        let first = self.models.first().cloned();
        let have = self.data.as_ref().map(|(p, _)| p.clone());
        if let Some(first) = first
            && have.as_ref() != Some(&first)
            && self.load_failed.as_ref() != Some(&first)
            && self.loading.as_ref().is_none_or(|l| l.what() != first.display().to_string())
        {
            let dir = first.clone();
            self.loading = Some(Loading::start(first.display().to_string(), ctx, move || Ok((dir.clone(), Arc::new(load_data(&dir)?)))));
        }
    }

    /// The image to fill in, when it is known.
    fn truth(&self) -> Option<Vec<f32>> {
        match self.source {
            Source::Drawing => Some(self.drawing.clone()),
            Source::Test(i) => {
                let (_, data) = self.data.as_ref()?;
                (i < data.test.len()).then(|| data.test.image(i).to_vec())
            }
        }
    }

    fn hidden(&self, d: usize) -> Vec<bool> {
        let side = (d as f64).sqrt() as usize;
        match self.mask {
            MaskChoice::Kind(kind) => kind.hidden(side, side, self.seed),
            MaskChoice::Painted => self.painted.ink.iter().map(|&v| v > 0.5).collect(),
        }
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, shared: &Shared) {
        ui.label(
            "Hide part of an image and let each model fill it in from what it learned. Every visible pixel is kept as \
             it is; only the hidden ones (blue) are drawn by the model.",
        );
        ui.strong("Models");
        let mut remove = None;
        for (i, dir) in self.models.iter().enumerate() {
            ui.horizontal(|ui| {
                ui.label(dir.display().to_string());
                if ui.small_button("remove").clicked() {
                    remove = Some(i);
                }
            });
        }
        if let Some(i) = remove {
            self.models.remove(i);
        }
        if self.models.is_empty() {
            ui.weak("choose a model on the left: each one chosen joins this list (PixelCNN, VAE, autoencoder, RBM, diffusion)");
        }
        ui.horizontal(|ui| {
            ui.label("Image:");
            let mut test = matches!(self.source, Source::Test(_));
            if ui.radio_value(&mut test, true, "test image no.").clicked() {
                self.source = Source::Test(0);
            }
            if let Source::Test(i) = &mut self.source {
                let max = self.data.as_ref().map_or(0, |(_, d)| d.test.len().saturating_sub(1));
                ui.add(egui::DragValue::new(i).range(0..=max));
            }
            if ui.radio(matches!(self.source, Source::Drawing), "the pad's drawing").clicked() {
                self.source = Source::Drawing;
            }
        });
        ui.horizontal(|ui| {
            ui.label("Hide:");
            egui::ComboBox::from_id_salt("inpaint-mask")
                .selected_text(MASKS.iter().find(|(m, _)| *m == self.mask).map_or("?", |(_, l)| *l))
                .show_ui(ui, |ui| {
                    for (mask, label) in MASKS {
                        ui.selectable_value(&mut self.mask, mask, label);
                    }
                });
            ui.label("completions per model");
            ui.add(egui::DragValue::new(&mut self.completions).range(1..=MAX_COMPLETIONS));
            ui.label("seed");
            ui.add(egui::DragValue::new(&mut self.seed));
            ui.label("diffusion: resamplings r");
            ui.add(egui::DragValue::new(&mut self.resamplings).range(1..=MAX_RESAMPLINGS)).on_hover_text(
                "RePaint (Lugmayr et al. 2022) walks each stretch of 10 steps down r times, noising back up in between, so \
                 the filled region agrees with the visible one; r = 1 is no resampling, the paper uses 10 (r times slower)",
            );
        });
        if let Some(loading) = &self.loading {
            loading.ui(ui);
        }
        let truth = self.truth();
        if let Some(truth) = &truth {
            let hidden = self.hidden(truth.len());
            ui.horizontal(|ui| {
                if self.mask == MaskChoice::Painted {
                    ui.vertical(|ui| {
                        ui.label("Paint the pixels to hide:");
                        self.painted.canvas_ui(ui, 168.0, Some(truth), "Mask pad");
                        self.painted.controls_ui(ui);
                    });
                } else {
                    let shown: Vec<f32> = truth.iter().zip(&hidden).map(|(&v, &h)| if h { f32::NAN } else { v }).collect();
                    super::super::super::widgets::pixel_canvas::PixelCanvas {
                        width: PAD_SIDE.min(truth.len()),
                        height: truth.len() / PAD_SIDE.max(1),
                        values: &shown,
                        current: None,
                        visible: &[],
                        heat: false,
                    }
                    .ui(ui, 168.0);
                }
                ui.label(format!("{} of {} pixels hidden", hidden.iter().filter(|&&h| h).count(), hidden.len()));
            });
        }
        let hidden_count = truth.as_ref().map_or(0, |t| self.hidden(t.len()).iter().filter(|&&h| h).count());
        match &self.job {
            Some(job) => {
                if job.ui(ui) {
                    self.job = None;
                }
            }
            None => {
                let has_truth = truth.is_some();
                let ready = has_truth && !self.models.is_empty() && hidden_count > 0;
                if ui.add_enabled(ready, egui::Button::new("Fill in")).clicked()
                    && let Some(truth) = truth
                {
                    let hidden = self.hidden(truth.len());
                    let models = self.models.clone();
                    let request = Request { k: self.completions, seed: self.seed, resamplings: self.resamplings };
                    let device = shared.device.device.clone();
                    let mean = match (&self.data, self.source) {
                        (Some((_, data)), _) if data.mean.len() == truth.len() => data.mean.clone(),
                        _ => vec![0.0; truth.len()],
                    };
                    self.error = None;
                    self.job = Some(Job::start("filling in".into(), ui.ctx(), move |r| {
                        let rows = run(&models, &truth, &hidden, &request, &mean, &device, r);
                        Ok(Outcome { rows, hidden })
                    }));
                }
                if hidden_count == 0 && has_truth {
                    ui.weak("the mask hides no pixel: paint some, or pick another mask");
                }
            }
        }
        if let Some(error) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        if let Some((outcome, grids)) = &mut self.outcome {
            ui.separator();
            ui.label(format!(
                "Each row: the image, what the model saw (hidden pixels grey), {} completions, and their average. Error = \
                 mean squared error on the {} hidden pixels against the truth.",
                self.completions,
                outcome.hidden.iter().filter(|&&h| h).count()
            ));
            for (row, (grid, scrubber)) in outcome.rows.iter().zip(grids.iter_mut()) {
                match row {
                    Ok(row) => {
                        ui.strong(&row.name);
                        ui.label(&row.method);
                        if let Some(caveat) = &row.caveat {
                            ui.colored_label(ui.visuals().warn_fg_color, caveat);
                        }
                        let width = (row.each.len() + 3) as f32 * 29.0 * 3.0;
                        grid.ui(ui, width.min(ui.available_width()), "");
                        let each: Vec<String> = row.each.iter().map(|e| format!("{e:.3}")).collect();
                        if !row.steps.is_empty() {
                            egui::CollapsingHeader::new(format!("Step through one completion ({} steps)", row.steps.len()))
                                .id_salt(("inpaint-steps", &row.name))
                                .show(ui, |ui| {
                                    scrubber.ui(ui, row.steps.len(), &|i| row.steps[i].label.clone());
                                    let step = &row.steps[scrubber.position.min(row.steps.len() - 1)];
                                    let side = (step.image.len() as f64).sqrt() as usize;
                                    PixelCanvas {
                                        width: side,
                                        height: side,
                                        values: &step.image,
                                        current: None,
                                        visible: &[],
                                        heat: false,
                                    }
                                    .ui(ui, 168.0);
                                });
                        }
                        ui.label(format!(
                            "error: completions {}; their average {:.3}; the training mean image {:.3}",
                            each.join(", "),
                            row.average,
                            row.mean_image
                        ));
                    }
                    Err(e) => {
                        ui.colored_label(ui.visuals().error_fg_color, e);
                    }
                }
                ui.add_space(6.0);
            }
            ui.weak(
                "One completion is one plausible image, so its squared error is about twice the spread of the plausible \
                 completions; their average estimates the expected completion and is the fair comparison with the mean \
                 image, which ignores the visible pixels.",
            );
        }
    }
}

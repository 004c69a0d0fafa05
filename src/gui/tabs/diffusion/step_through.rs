//! The denoising step-through: one sampling run with every step kept, scrubbed step by step —
//! x_t beside the x̂₀ the network predicts from it (images), or the points flowing from noise
//! to data over the predicted noise field (2-D) — and exported as an animated GIF.

use std::path::Path;

use eframe::egui;
use egui_plot::{Arrows, Line, Plot, PlotPoints, Points};

use crate::export::save_trajectory_gif;
use crate::models::diffusion::{DenoiserArch, DiffusionConfig};
use crate::train::Samples;
use crate::views::denoising::{NoiseField, Trajectory, TrajectoryRun, noise_field, trajectory};

use super::super::super::dialogs::Purpose;
use super::super::super::session::Session;
use super::super::super::shell::RunShell;
use super::super::super::widgets::{ImageGrid, StepScrubber};
use super::{REAL_COLOUR, SAMPLE_COLOUR, plot_points};

/// Images and points kept per step in a step-through.
const TRAJECTORY_IMAGES: usize = 16;
const TRAJECTORY_POINTS: usize = 600;
/// Points whose whole path is drawn in the 2-D step-through.
const TRACED: usize = 60;
/// The noise field's grid: FIELD_RES × FIELD_RES arrows over [−FIELD_EXTENT, FIELD_EXTENT]².
const FIELD_RES: usize = 17;
const FIELD_EXTENT: f32 = 3.0;

/// The 2-D field's grid points, row by row.
fn field_points() -> Vec<[f32; 2]> {
    let step = 2.0 * FIELD_EXTENT / (FIELD_RES - 1) as f32;
    (0..FIELD_RES * FIELD_RES)
        .map(|i| [-FIELD_EXTENT + (i % FIELD_RES) as f32 * step, -FIELD_EXTENT + (i / FIELD_RES) as f32 * step])
        .collect()
}

pub(super) struct StepThrough {
    /// The run shown, and the training step it was drawn at.
    run: Option<(u64, Trajectory)>,
    /// The class and seed of the next run.
    label: u8,
    seed: u64,
    /// A run was asked for and has not arrived.
    waiting: bool,
    scrubber: StepScrubber,
    /// The step the image grids hold (uploaded only when the scrubber moves).
    shown_position: Option<usize>,
    x_t_grid: ImageGrid,
    x0_grid: ImageGrid,
    /// The predicted noise over the plane at a timestep, and the timestep last asked for.
    field: Option<(usize, Vec<[f32; 2]>)>,
    field_asked: Option<usize>,
}

impl Default for StepThrough {
    fn default() -> Self {
        Self {
            run: None,
            label: 0,
            seed: 7,
            waiting: false,
            scrubber: StepScrubber::default(),
            shown_position: None,
            x_t_grid: ImageGrid::new("diffusion-x_t"),
            x0_grid: ImageGrid::new("diffusion-x0"),
            field: None,
            field_asked: None,
        }
    }
}

impl StepThrough {
    /// Forgets the run shown (the model that drew it is gone).
    pub(super) fn clear(&mut self) {
        self.run = None;
        self.waiting = false;
        self.field = None;
        self.field_asked = None;
        self.scrubber.rewind();
        self.shown_position = None;
    }

    /// Takes a finished run and the noise field from the worker.
    pub(super) fn take(&mut self, session: &mut Session) {
        if let Some(TrajectoryRun { step, trajectory }) = session.take::<TrajectoryRun>() {
            self.clear();
            self.run = Some((step, trajectory));
        }
        if let Some(NoiseField { t, eps }) = session.take::<NoiseField>() {
            self.field = Some((t, eps));
        }
    }

    /// Writes the run shown as an animated GIF, and says how it went.
    pub(super) fn export_gif(&self, path: &Path, session: &mut Session) {
        match self.run.as_ref().map(|(_, t)| save_trajectory_gif(t, 80, path)) {
            Some(Ok(())) => session.notice(format!("wrote {}", path.display())),
            Some(Err(e)) => session.error(e),
            None => {}
        }
    }

    /// The run's controls, then x_t beside x̂₀ (images) or the points on the plane over the
    /// noise field (2-D), at the step the scrubber shows. `config` is the running model's.
    pub(super) fn ui(&mut self, ui: &mut egui::Ui, shell: &mut RunShell, config: Option<&DiffusionConfig>, real: &[[f32; 2]]) {
        ui.strong("Denoising, step by step");
        ui.weak("One sampling run with every step kept. Left: x_t, the sample at step t. Right: the clean sample x₀ the network predicts from it — blurry early, sharp at the end.");
        let conditional = config.is_some_and(|c| c.conditional);
        let last_class = config.map_or(0, |c| c.num_classes.saturating_sub(1)) as u8;
        let images = config.is_some_and(|c| c.arch == DenoiserArch::Unet);
        let can_export = self.run.is_some() && !shell.dialog_open();
        let mut export = false;
        ui.horizontal(|ui| {
            let n = if images { TRAJECTORY_IMAGES } else { TRAJECTORY_POINTS };
            let button = egui::Button::new(format!("Sample {n} and keep every step"));
            if ui.add_enabled(shell.session.is_some() && !self.waiting, button).clicked()
                && let Some(session) = &shell.session
            {
                session.ask(trajectory(n, self.seed, conditional.then_some(self.label)));
                self.waiting = true;
            }
            ui.add(egui::DragValue::new(&mut self.seed).prefix("seed: "));
            if conditional {
                ui.add(egui::DragValue::new(&mut self.label).range(0..=last_class).prefix("class: "));
            }
            export = ui.add_enabled(can_export, egui::Button::new("Export GIF…")).clicked();
        });
        if export {
            shell.open_dialog(Purpose::ExportGif, ui.ctx());
        }
        if self.waiting {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("sampling (between training steps)…");
            });
        }
        let Some((step, trajectory)) = &self.run else { return };
        let len = trajectory.steps.len() + 1;
        let ts: Vec<usize> = trajectory.steps.iter().map(|s| s.t).collect();
        ui.weak(format!("drawn at training step {step}, {} denoising steps", ts.len()));
        self.scrubber.ui(ui, len, &|i| match ts.get(i) {
            Some(t) => format!("t = {t}"),
            None => "result".to_string(),
        });
        let position = self.scrubber.position.min(len - 1);
        let (x_t, x0, t) = match trajectory.steps.get(position) {
            Some(s) => (&s.x_t, &s.x0, Some(s.t)),
            None => (&trajectory.result, &trajectory.result, None),
        };
        match (x_t, x0) {
            (Samples::Images(a), Samples::Images(b)) => {
                if self.shown_position != Some(position) {
                    self.x_t_grid.set(ui.ctx(), a.clone(), 4);
                    self.x0_grid.set(ui.ctx(), b.clone(), 4);
                    self.shown_position = Some(position);
                }
                ui.horizontal_top(|ui| {
                    ui.vertical(|ui| {
                        ui.label(match t {
                            Some(t) => format!("x_t at t = {t}"),
                            None => "the samples".into(),
                        });
                        self.x_t_grid.ui(ui, 240.0, "");
                    });
                    ui.vertical(|ui| {
                        ui.label("predicted x₀");
                        self.x0_grid.ui(ui, 240.0, "");
                    });
                });
            }
            (Samples::Points(points), _) => {
                let t_now = t.unwrap_or(0);
                if self.field_asked != Some(t_now)
                    && let Some(session) = &shell.session
                {
                    session.ask(noise_field(field_points(), t_now));
                    self.field_asked = Some(t_now);
                }
                let paths: Vec<Vec<[f64; 2]>> = (0..TRACED.min(points.len()))
                    .map(|i| {
                        trajectory.steps[..position.min(trajectory.steps.len())]
                            .iter()
                            .filter_map(|s| match &s.x_t {
                                Samples::Points(p) => p.get(i).map(|q| [q[0] as f64, q[1] as f64]),
                                Samples::Images(_) | Samples::Text(_) => None,
                            })
                            .chain(points.get(i).map(|q| [q[0] as f64, q[1] as f64]))
                            .collect()
                    })
                    .collect();
                let arrows = self.field.as_ref().map(|(_, eps)| {
                    // −ε̂ points from x towards the data; drawn at a fixed fraction of the grid gap.
                    let gap = 2.0 * FIELD_EXTENT / (FIELD_RES - 1) as f32;
                    let longest = eps.iter().map(|e| (e[0] * e[0] + e[1] * e[1]).sqrt()).fold(1e-6f32, f32::max);
                    let origins = field_points();
                    let tips: Vec<[f32; 2]> = origins
                        .iter()
                        .zip(eps)
                        .map(|(o, e)| [o[0] - e[0] / longest * gap * 0.9, o[1] - e[1] / longest * gap * 0.9])
                        .collect();
                    (origins, tips)
                });
                ui.weak("Green: the data. Orange: the samples at this step; thin lines: where 60 of them came from. Arrows: minus the predicted noise at this t, the direction the network would move a point at this noise level.");
                Plot::new("diffusion-flow")
                    .allow_scroll(false)
                    .height(420.0)
                    .width(420.0)
                    .data_aspect(1.0)
                    .include_x(-FIELD_EXTENT)
                    .include_x(FIELD_EXTENT)
                    .include_y(-FIELD_EXTENT)
                    .include_y(FIELD_EXTENT)
                    .show(ui, |p| {
                        if let Some((origins, tips)) = arrows {
                            p.arrows(
                                Arrows::new("noise field", plot_points(&origins), plot_points(&tips))
                                    .color(egui::Color32::from_gray(110))
                                    .tip_length(4.0),
                            );
                        }
                        p.points(Points::new("data", plot_points(real)).color(REAL_COLOUR).radius(1.2));
                        for (i, path) in paths.into_iter().enumerate() {
                            p.line(
                                Line::new(format!("path {i}"), PlotPoints::from(path))
                                    .color(egui::Color32::from_rgba_unmultiplied(242, 142, 43, 150))
                                    .width(1.2),
                            );
                        }
                        p.points(Points::new("samples", plot_points(points)).color(SAMPLE_COLOUR).radius(1.8));
                    });
            }
            _ => {}
        }
    }
}

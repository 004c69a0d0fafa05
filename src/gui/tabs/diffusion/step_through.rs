//! The denoising step-through: one sampling run with every step kept, scrubbed step by step —
//! x_t beside the x̂₀ the network predicts from it (images), or the points flowing from noise
//! to data over the predicted noise field (2-D) — and exported as an animated GIF.

use std::path::Path;

use eframe::egui;

use crate::export::save_trajectory_gif;
use crate::models::diffusion::{DenoiserArch, DiffusionConfig};
use crate::views::denoising::{NoiseField, TrajectoryRun, noise_field, trajectory};
use crate::views::straightness::{Straightness, of_trajectory};

use super::super::super::dialogs::Purpose;
use super::super::super::session::Session;
use super::super::super::shell::RunShell;
use super::super::super::widgets::{PlaneArrows, TrajectoryView, TrajectoryWords};

/// Images and points kept per step in a step-through.
const TRAJECTORY_IMAGES: usize = 16;
const TRAJECTORY_POINTS: usize = 600;
/// The noise field's grid: FIELD_RES × FIELD_RES arrows over [−FIELD_EXTENT, FIELD_EXTENT]².
const FIELD_RES: usize = 17;
const FIELD_EXTENT: f32 = 3.0;

/// A timestep as the step-through names it.
fn shown_t(t: usize) -> String {
    format!("t = {t}")
}

/// How the step-through names a diffusion run's parts.
const WORDS: TrajectoryWords = TrajectoryWords { steps: "denoising steps", t: shown_t, result: "result", second: "predicted x₀" };

/// The 2-D field's grid points, row by row.
fn field_points() -> Vec<[f32; 2]> {
    let step = 2.0 * FIELD_EXTENT / (FIELD_RES - 1) as f32;
    (0..FIELD_RES * FIELD_RES)
        .map(|i| [-FIELD_EXTENT + (i % FIELD_RES) as f32 * step, -FIELD_EXTENT + (i / FIELD_RES) as f32 * step])
        .collect()
}

pub(super) struct StepThrough {
    /// The run shown, scrubbed step by step.
    view: TrajectoryView,
    /// The class and seed of the next run.
    label: u8,
    seed: u64,
    /// A run was asked for and has not arrived.
    waiting: bool,
    /// The predicted noise over the plane at a timestep, and the timestep last asked for.
    field: Option<(usize, Vec<[f32; 2]>)>,
    field_asked: Option<usize>,
    /// How straight the shown run's paths are (`views::straightness`), or why not measured.
    straightness: Option<Result<Straightness, String>>,
}

impl Default for StepThrough {
    fn default() -> Self {
        Self {
            view: TrajectoryView::new("diffusion-x_t", "diffusion-x0"),
            label: 0,
            seed: 7,
            waiting: false,
            field: None,
            field_asked: None,
            straightness: None,
        }
    }
}

impl StepThrough {
    /// Forgets the run shown (the model that drew it is gone).
    pub(super) fn clear(&mut self) {
        self.view.clear();
        self.waiting = false;
        self.field = None;
        self.field_asked = None;
        self.straightness = None;
    }

    /// Takes a finished run and the noise field from the worker.
    pub(super) fn take(&mut self, session: &mut Session) {
        if let Some(TrajectoryRun { step, trajectory }) = session.take::<TrajectoryRun>() {
            self.clear();
            self.straightness = Some(of_trajectory(&trajectory));
            self.view.set(step, trajectory);
        }
        if let Some(NoiseField { t, eps }) = session.take::<NoiseField>() {
            self.field = Some((t, eps));
        }
    }

    /// Writes the run shown as an animated GIF, and says how it went.
    pub(super) fn export_gif(&self, path: &Path, session: &mut Session) {
        match self.view.run().map(|t| save_trajectory_gif(t, 80, path)) {
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
        let can_export = self.view.run().is_some() && !shell.dialog_open();
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
        match &self.straightness {
            Some(Ok(s)) => {
                ui.label(format!(
                    "How straight: path length / chord {:.3}, straightness S {:.4} ({} paths; a straight path: 1 and 0)",
                    s.length_ratio, s.straightness, s.paths
                ))
                .on_hover_text(
                    "the same two numbers the Flow matching tab reads from its solver runs. With DDIM (η = 0) this run \
                     follows the probability-flow ODE, comparable with flow matching's; DDPM adds fresh noise at every \
                     step, so its paths zigzag and the numbers grow",
                );
            }
            Some(Err(e)) => {
                ui.weak(format!("path straightness not measured: {e}"));
            }
            None => {}
        }
        let Some(plane) = self.view.ui(ui, &WORDS) else { return };
        let t_now = plane.t.unwrap_or(0);
        if self.field_asked != Some(t_now)
            && let Some(session) = &shell.session
        {
            session.ask(noise_field(field_points(), t_now));
            self.field_asked = Some(t_now);
        }
        let arrows = self.field.as_ref().map(|(_, eps)| {
            // −ε̂ points from x towards the data; drawn at a fixed fraction of the grid gap.
            let gap = 2.0 * FIELD_EXTENT / (FIELD_RES - 1) as f32;
            let longest = eps.iter().map(|e| (e[0] * e[0] + e[1] * e[1]).sqrt()).fold(1e-6f32, f32::max);
            let origins = field_points();
            let tips: Vec<[f32; 2]> =
                origins.iter().zip(eps).map(|(o, e)| [o[0] - e[0] / longest * gap * 0.9, o[1] - e[1] / longest * gap * 0.9]).collect();
            PlaneArrows { name: "noise field", colour: egui::Color32::from_gray(110), origins, tips }
        });
        ui.weak("Green: the data. Orange: the samples at this step; thin lines: where 60 of them came from. Arrows: minus the predicted noise at this t, the direction the network would move a point at this noise level.");
        plane.ui(ui, "diffusion-flow", FIELD_EXTENT as f64, real, arrows, None);
    }
}

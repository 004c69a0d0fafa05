//! One sampling run with every step kept (a `Trajectory`), scrubbed step by step: on images x_t
//! beside a second picture of the same step (diffusion's predicted x̂₀, where a flow-matching
//! sample is heading); on 2-D data the samples over the data with the paths they came by, and
//! the arrows the tab adds. The diffusion and flow-matching tabs both show their runs here.

use eframe::egui;
use egui_plot::{Arrows, Line, Plot, PlotPoints, Points};

use crate::train::Samples;
use crate::views::denoising::Trajectory;

use super::samples_plot::{REAL_COLOUR, SAMPLE_COLOUR, plot_points};
use super::{ImageGrid, StepScrubber};

/// Samples whose whole path is drawn on the plane.
const TRACED: usize = 60;

/// What a tab calls the parts of its runs.
pub struct TrajectoryWords {
    /// The kind of step, after their number: "denoising steps".
    pub steps: &'static str,
    /// A step's t as a person reads it: "t = 980".
    pub t: fn(usize) -> String,
    /// The scrubber's last position, past the steps: "result".
    pub result: &'static str,
    /// Over the second grid of images: "predicted x₀".
    pub second: &'static str,
}

pub struct TrajectoryView {
    /// The run shown, and the training step it was drawn at.
    run: Option<(u64, Trajectory)>,
    scrubber: StepScrubber,
    /// The step the image grids hold (uploaded only when the scrubber moves).
    shown_position: Option<usize>,
    x_t_grid: ImageGrid,
    second_grid: ImageGrid,
}

impl TrajectoryView {
    /// A view whose image grids' textures are named `x_t_name` and `second_name`.
    pub fn new(x_t_name: &str, second_name: &str) -> Self {
        Self {
            run: None,
            scrubber: StepScrubber::default(),
            shown_position: None,
            x_t_grid: ImageGrid::new(x_t_name),
            second_grid: ImageGrid::new(second_name),
        }
    }

    /// Forgets the run shown (the model that drew it is gone).
    pub fn clear(&mut self) {
        self.run = None;
        self.scrubber.rewind();
        self.shown_position = None;
    }

    /// Shows `trajectory`, drawn at training step `step`, from its first step.
    pub fn set(&mut self, step: u64, trajectory: Trajectory) {
        self.clear();
        self.run = Some((step, trajectory));
    }

    /// The run shown.
    pub fn run(&self) -> Option<&Trajectory> {
        self.run.as_ref().map(|(_, trajectory)| trajectory)
    }

    /// When the run was drawn, the scrubber, and the step it shows: on images x_t beside the
    /// second picture; on 2-D data the step, handed back for the tab to draw on its plane.
    /// Nothing before a run has come.
    pub fn ui(&mut self, ui: &mut egui::Ui, words: &TrajectoryWords) -> Option<PlaneStep<'_>> {
        let Some((step, trajectory)) = &self.run else { return None };
        let len = trajectory.steps.len() + 1;
        let ts: Vec<usize> = trajectory.steps.iter().map(|s| s.t).collect();
        ui.weak(format!("drawn at training step {step}, {} {}", ts.len(), words.steps));
        self.scrubber.ui(ui, len, &|i| match ts.get(i) {
            Some(&t) => (words.t)(t),
            None => words.result.to_string(),
        });
        let position = self.scrubber.position.min(len - 1);
        let (x_t, second, t) = match trajectory.steps.get(position) {
            Some(s) => (&s.x_t, &s.x0, Some(s.t)),
            None => (&trajectory.result, &trajectory.result, None),
        };
        match (x_t, second) {
            (Samples::Images(a), Samples::Images(b)) => {
                if self.shown_position != Some(position) {
                    self.x_t_grid.set(ui.ctx(), a.clone(), 4);
                    self.second_grid.set(ui.ctx(), b.clone(), 4);
                    self.shown_position = Some(position);
                }
                ui.horizontal_top(|ui| {
                    ui.vertical(|ui| {
                        ui.label(t.map_or("the samples".to_string(), |t| format!("x_t at {}", (words.t)(t))));
                        self.x_t_grid.ui(ui, 240.0, "");
                    });
                    ui.vertical(|ui| {
                        ui.label(words.second);
                        self.second_grid.ui(ui, 240.0, "");
                    });
                });
                None
            }
            (Samples::Points(points), _) => {
                // The paths of the first TRACED samples, from the first step up to this one.
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
                Some(PlaneStep { points: points.as_slice(), second, t, paths })
            }
            _ => None,
        }
    }
}

/// The step of a 2-D run the scrubber shows, for the tab to draw with `ui`.
pub struct PlaneStep<'a> {
    /// The samples at this step.
    pub points: &'a [[f32; 2]],
    /// The run's second picture of this step (the result itself at the end).
    pub second: &'a Samples,
    /// This step's t; `None` at the result.
    pub t: Option<usize>,
    /// The paths of the first samples up to this step.
    paths: Vec<Vec<[f64; 2]>>,
}

/// Arrows on the plane, each from an origin to its tip.
pub struct PlaneArrows {
    pub name: &'static str,
    pub colour: egui::Color32,
    pub origins: Vec<[f32; 2]>,
    pub tips: Vec<[f32; 2]>,
}

impl PlaneStep<'_> {
    /// How many samples have their paths drawn (the first ones).
    pub fn traced(&self) -> usize {
        self.paths.len()
    }

    /// The step on a plot named `id` that shows at least [−extent, extent]²: the data `real`
    /// (green), the paths, and the samples (orange) on top; `under` lies beneath everything (a
    /// field over the whole plane), `over` over the paths (arrows tied to the samples).
    pub fn ui(self, ui: &mut egui::Ui, id: &str, extent: f64, real: &[[f32; 2]], under: Option<PlaneArrows>, over: Option<PlaneArrows>) {
        let Self { points, paths, .. } = self;
        let arrows = |a: PlaneArrows| Arrows::new(a.name, plot_points(&a.origins), plot_points(&a.tips)).color(a.colour).tip_length(4.0);
        Plot::new(id)
            .allow_scroll(false)
            .height(420.0)
            .width(420.0)
            .data_aspect(1.0)
            .include_x(-extent)
            .include_x(extent)
            .include_y(-extent)
            .include_y(extent)
            .show(ui, |p| {
                if let Some(a) = under {
                    p.arrows(arrows(a));
                }
                p.points(Points::new("data", plot_points(real)).color(REAL_COLOUR).radius(1.2));
                for (i, path) in paths.into_iter().enumerate() {
                    p.line(
                        Line::new(format!("path {i}"), PlotPoints::from(path))
                            .color(egui::Color32::from_rgba_unmultiplied(242, 142, 43, 150))
                            .width(1.2),
                    );
                }
                if let Some(a) = over {
                    p.arrows(arrows(a));
                }
                p.points(Points::new("samples", plot_points(points)).color(SAMPLE_COLOUR).radius(1.8));
            });
    }
}

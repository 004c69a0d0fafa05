//! The latest samples of a model that samples in steps (diffusion, flow matching), refreshed
//! while training: on 2-D data over the data on a plot, on images as a grid; and the colours
//! and points its plots share with the step-through (`trajectory_view`).

use eframe::egui;
use egui_plot::{Legend, Plot, PlotPoints, Points};

use crate::train::Knob;

use super::super::knobs::shown_value;
use super::ImageGrid;

/// The data on the plots: green.
pub const REAL_COLOUR: egui::Color32 = egui::Color32::from_rgb(90, 200, 130);
/// The model's samples: orange.
pub const SAMPLE_COLOUR: egui::Color32 = egui::Color32::from_rgb(242, 142, 43);

/// 2-D points as the plots take them.
pub fn plot_points(points: &[[f32; 2]]) -> PlotPoints<'static> {
    points.iter().map(|p| [p[0] as f64, p[1] as f64]).collect::<Vec<[f64; 2]>>().into()
}

/// "Samples (DDIM, 50 steps), refreshed while training" — the sampler or solver the knob
/// `sampler_knob` names and the "sample_steps" knob — then the run's latest `images` when it
/// trains on images (`points` is `None`), else its latest points (none before the first) over
/// the data, on a plot named `id`.
pub fn samples_plot_ui(
    ui: &mut egui::Ui,
    id: &str,
    knobs: &[Knob],
    sampler_knob: &str,
    images: &ImageGrid,
    points: Option<(&[[f32; 2]], Option<&[[f32; 2]]>)>,
) {
    let steps = shown_value(knobs, "sample_steps").unwrap_or_default();
    let sampler = shown_value(knobs, sampler_knob).unwrap_or_default();
    ui.strong(format!("Samples ({sampler}, {steps} steps), refreshed while training"));
    let Some((real, samples)) = points else {
        images.ui(ui, 260.0, "the first samples come once the model has trained a little");
        return;
    };
    Plot::new(id).allow_scroll(false).height(260.0).width(260.0).data_aspect(1.0).legend(Legend::default()).show(ui, |p| {
        p.points(Points::new("real", plot_points(real)).color(REAL_COLOUR).radius(1.5));
        p.points(Points::new("samples", plot_points(samples.unwrap_or_default())).color(SAMPLE_COLOUR).radius(1.5));
    });
}

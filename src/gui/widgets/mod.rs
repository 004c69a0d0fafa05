//! Widgets shared by every family's tab, written once.

pub mod attention_map;
pub mod dataset_picker;
pub mod drawing_pad;
pub mod game_plane;
pub mod image_grid;
pub mod latent_map;
pub mod loss_plot;
pub mod metric_bars;
pub mod pixel_canvas;
pub mod samples_plot;
pub mod step_scrubber;
pub mod token_bars;
pub mod trajectory_view;

pub use dataset_picker::{dataset_picker_ui, image_dataset_picker_ui};
pub use drawing_pad::DrawingPad;
pub use game_plane::GamePlane;
pub use image_grid::ImageGrid;
pub use latent_map::LatentMap;
pub use loss_plot::{LossPlot, LossPlotState, loss_plot_terms_ui, loss_plot_ui};
pub use metric_bars::{MetricColumn, metric_bars_ui};
pub use samples_plot::samples_plot_ui;
pub use step_scrubber::StepScrubber;
pub use trajectory_view::{PlaneArrows, TrajectoryView, TrajectoryWords};

use eframe::egui::Color32;

/// Ten distinguishable colours for class labels (Tableau 10).
pub const CLASS_COLOURS: [Color32; 10] = [
    Color32::from_rgb(78, 121, 167),
    Color32::from_rgb(242, 142, 43),
    Color32::from_rgb(225, 87, 89),
    Color32::from_rgb(118, 183, 178),
    Color32::from_rgb(89, 161, 79),
    Color32::from_rgb(237, 201, 72),
    Color32::from_rgb(176, 122, 161),
    Color32::from_rgb(255, 157, 167),
    Color32::from_rgb(156, 117, 95),
    Color32::from_rgb(186, 176, 172),
];

pub fn class_colour(label: u8) -> Color32 {
    CLASS_COLOURS[label as usize % CLASS_COLOURS.len()]
}

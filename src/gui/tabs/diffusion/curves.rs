//! What training shows: the loss, the loss by timestep, and the samples drawn while training.

use eframe::egui;
use egui_plot::{Bar, BarChart, Legend, Plot, Points};

use crate::views::denoising::LossByT;

use super::super::super::knobs::shown_value;
use super::super::super::session::Session;
use super::super::super::widgets::LossPlot;
use super::{REAL_COLOUR, SAMPLE_COLOUR, plot_points};

/// The loss over steps beside the loss by timestep t.
pub(super) fn losses_ui(ui: &mut egui::Ui, session: &Session, plot: &mut LossPlot) {
    let buckets = session.latest::<LossByT>().map(|b| b.0.clone()).unwrap_or_default();
    ui.columns(2, |cols| {
        cols[0].strong("Loss");
        cols[0].weak("Mean squared error of the prediction, over random t.");
        plot.ui(&mut cols[0], &session.history, 170.0);
        cols[1].strong("Loss by timestep t");
        cols[1].weak(
            "Low t: little noise, so predicting it exactly is hard. High t: x_t is almost all noise, so the noise is easy to read off.",
        );
        let bars: Vec<Bar> = buckets
            .iter()
            .filter(|b| b.loss.is_finite())
            .map(|b| Bar::new((b.t_lo + b.t_hi) as f64 / 2.0, b.loss).width((b.t_hi - b.t_lo) as f64 * 0.9))
            .collect();
        Plot::new("diffusion-loss-by-t")
            .allow_scroll(false)
            .height(170.0)
            .x_axis_label("t")
            .include_y(0.0)
            .show(&mut cols[1], |p| p.bar_chart(BarChart::new("loss", bars).color(SAMPLE_COLOUR)));
    });
}

/// The latest samples: over the data on the plane (2-D; `samples` are the latest points), or
/// as a grid of images.
pub(super) fn samples_ui(ui: &mut egui::Ui, session: &Session, real: &[[f32; 2]], samples: Option<&[[f32; 2]]>) {
    let steps = shown_value(&session.knobs, "sample_steps").unwrap_or_default();
    let sampler = shown_value(&session.knobs, "sampler").unwrap_or_default();
    ui.strong(format!("Samples ({sampler}, {steps} steps), refreshed while training"));
    if real.is_empty() {
        session.samples.ui(ui, 260.0, "the first samples come once the model has trained a little");
        return;
    }
    Plot::new("diffusion-samples").allow_scroll(false).height(260.0).width(260.0).data_aspect(1.0).legend(Legend::default()).show(
        ui,
        |p| {
            p.points(Points::new("real", plot_points(real)).color(REAL_COLOUR).radius(1.5));
            p.points(Points::new("samples", plot_points(samples.unwrap_or_default())).color(SAMPLE_COLOUR).radius(1.5));
        },
    );
}

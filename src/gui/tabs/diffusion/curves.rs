//! What training shows: the loss, and the loss by timestep.

use eframe::egui;
use egui_plot::{Bar, BarChart, Plot};

use crate::views::denoising::LossByT;

use super::super::super::session::Session;
use super::super::super::widgets::LossPlot;
use super::super::super::widgets::samples_plot::SAMPLE_COLOUR;

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

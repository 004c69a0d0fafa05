//! The live loss plot: every term of a run, with smoothing and an optional log scale.

use eframe::egui;
use egui_plot::{GridInput, GridMark, Legend, Line, Plot, PlotPoints};

use crate::train::LossHistory;

pub struct LossPlotState {
    /// EMA weight in [0, 0.99]; 0 shows the raw (bucket-averaged) values.
    pub smoothing: f64,
    pub log_scale: bool,
}

impl Default for LossPlotState {
    fn default() -> Self {
        Self { smoothing: 0.6, log_scale: false }
    }
}

/// One mark per decade, for log10-valued axes.
fn decade_marks(input: GridInput) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    ((lo.floor() as i32)..=(hi.ceil() as i32)).map(|e| GridMark { value: e as f64, step_size: 1.0 }).collect()
}

/// A run's loss plot: its id and its settings, kept when a run is replaced by another.
pub struct LossPlot {
    id: String,
    pub state: LossPlotState,
}

impl LossPlot {
    pub fn new(id: impl Into<String>) -> Self {
        Self { id: id.into(), state: LossPlotState::default() }
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, history: &LossHistory, height: f32) {
        loss_plot_ui(ui, &self.id, history, &mut self.state, height);
    }

    /// The terms whose names `keep` accepts.
    pub fn terms_ui(&mut self, ui: &mut egui::Ui, history: &LossHistory, height: f32, keep: &dyn Fn(&str) -> bool) {
        loss_plot_terms_ui(ui, &self.id, history, &mut self.state, height, keep);
    }
}

pub fn loss_plot_ui(ui: &mut egui::Ui, id: &str, history: &LossHistory, state: &mut LossPlotState, height: f32) {
    loss_plot_terms_ui(ui, id, history, state, height, &|_| true);
}

/// The loss plot for the terms whose names `keep` accepts (e.g. a GAN's losses apart from its
/// D(real)/D(fake) curves).
pub fn loss_plot_terms_ui(
    ui: &mut egui::Ui,
    id: &str,
    history: &LossHistory,
    state: &mut LossPlotState,
    height: f32,
    keep: &dyn Fn(&str) -> bool,
) {
    let LossPlotState { smoothing, log_scale } = state;
    ui.horizontal(|ui| {
        ui.add(egui::Slider::new(smoothing, 0.0..=0.99).text("smoothing"))
            .on_hover_text("exponential moving average over steps; 0 shows the raw curve");
        ui.checkbox(log_scale, "log scale");
    });
    let log = *log_scale;
    let mut plot = Plot::new(id).allow_scroll(false).height(height).legend(Legend::default()).x_axis_label("step");
    if log {
        plot = plot.y_grid_spacer(decade_marks).y_axis_formatter(|mark, _| format!("1e{}", mark.value.round() as i32));
    }
    plot.show(ui, |plot_ui| {
        for term in history.terms().iter().filter(|t| keep(&t.name)) {
            let points: PlotPoints = term
                .smoothed(*smoothing)
                .into_iter()
                .filter(|&(_, v)| !log || v > 0.0)
                .map(|(s, v)| [s as f64, if log { v.log10() } else { v }])
                .collect();
            plot_ui.line(Line::new(term.name.clone(), points).width(1.5));
        }
    });
}

//! One small bar chart per metric column of the Compare tab: a bar per run, the real-data
//! baseline in grey, and which direction is better written in the title.

use eframe::egui;
use egui_plot::{Bar, BarChart, Plot};

use super::class_colour;

/// One column of the comparison: a title and a value per run (None where undefined).
pub struct MetricColumn<'a> {
    pub title: &'a str,
    pub better: &'a str,
    pub values: Vec<Option<f64>>,
    pub baseline: Option<f64>,
}

pub fn metric_bars_ui(ui: &mut egui::Ui, id: &str, column: &MetricColumn, run_names: &[String], size: egui::Vec2) {
    ui.vertical(|ui| {
        ui.set_width(size.x);
        ui.label(egui::RichText::new(format!("{} ({})", column.title, column.better)).strong());
        let mut bars: Vec<Bar> = column
            .values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| Bar::new(i as f64, v).name(&run_names[i]).fill(class_colour(i as u8)).width(0.7)))
            .collect();
        if let Some(b) = column.baseline {
            bars.push(Bar::new(column.values.len() as f64, b).name("real data").fill(egui::Color32::GRAY).width(0.7));
        }
        let names: Vec<String> = run_names.iter().cloned().chain(std::iter::once("real".to_string())).collect();
        Plot::new(id)
            .allow_scroll(false)
            .width(size.x)
            .height(size.y)
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .show_y(true)
            .x_axis_formatter(move |mark, _| {
                let i = mark.value.round();
                if (mark.value - i).abs() < 1e-6 && i >= 0.0 { names.get(i as usize).cloned().unwrap_or_default() } else { String::new() }
            })
            .show(ui, |plot_ui| plot_ui.bar_chart(BarChart::new(column.title, bars)));
    });
}

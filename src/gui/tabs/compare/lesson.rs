//! The Compare tab's lesson: three made-up generators on 2-D data that fail in different ways,
//! and why precision and recall say more than FID about how.

use eframe::egui;
use egui_plot::{Legend, Plot, Points};

use crate::eval::lesson::{Lesson, mode_dropping_lesson};

use super::super::super::widgets::class_colour;

/// The lesson's plots and numbers, computed on first view into `lesson`.
pub(super) fn lesson_ui(ui: &mut egui::Ui, lesson: &mut Option<Result<Lesson, String>>) {
    ui.heading("Lesson: one number cannot say how a model fails");
    ui.label(
        "The real data (grey) is two sharp clusters. Three made-up generators (colour) fail in different ways. \
         Read the numbers under each: FID prefers the blurred generator by far, yet precision prefers the one that \
         dropped a cluster. Precision measures how realistic the samples are; recall measures how much of the data \
         they reach (Kynkäänniemi et al. 2019); density and coverage are steadier versions of the two (Naeem et al. 2020).",
    );
    let lesson = lesson.get_or_insert_with(|| mode_dropping_lesson(1000, 0));
    let lesson = match lesson {
        Ok(l) => l,
        Err(e) => {
            ui.colored_label(egui::Color32::RED, e.as_str());
            return;
        }
    };
    let width = ((ui.available_width() - 30.0) / 3.0).max(180.0);
    ui.horizontal(|ui| {
        for (i, case) in lesson.cases.iter().enumerate() {
            ui.vertical(|ui| {
                ui.set_width(width);
                ui.strong(case.name);
                Plot::new(format!("lesson-plot-{i}"))
                    .allow_scroll(false)
                    .width(width)
                    .height(width * 0.75)
                    .data_aspect(1.0)
                    .legend(Legend::default())
                    .show(ui, |plot_ui| {
                        let real: Vec<[f64; 2]> = lesson.real.iter().map(|p| [p[0] as f64, p[1] as f64]).collect();
                        plot_ui.points(Points::new("real", real).radius(1.5).color(egui::Color32::GRAY));
                        let fake: Vec<[f64; 2]> = case.points.iter().map(|p| [p[0] as f64, p[1] as f64]).collect();
                        plot_ui.points(Points::new("generated", fake).radius(1.5).color(class_colour(i as u8 + 1)));
                    });
                let m = &case.metrics;
                egui::Grid::new(format!("lesson-metrics-{i}")).show(ui, |ui| {
                    for (name, v) in
                        [("FID", m.fid), ("precision", m.precision), ("recall", m.recall), ("density", m.density), ("coverage", m.coverage)]
                    {
                        ui.label(name);
                        ui.label(format!("{v:.3}"));
                        ui.end_row();
                    }
                });
                ui.label(case.explanation);
            });
        }
    });
}

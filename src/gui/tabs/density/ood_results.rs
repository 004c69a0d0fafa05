//! The out-of-distribution panel's results: the table of sets, what the numbers mean, the
//! histogram of each set's scores on one axis, the ROC curves, and the most and least typical
//! images of each set.

use eframe::egui;
use egui_plot::{Legend, Line, LineStyle, Plot, PlotPoints, VLine};

use crate::eval::ood::{ExampleScore, OodReport, SetScores};
use crate::train::ImageBatch;

use super::super::super::widgets::{ImageGrid, class_colour};
use super::ood::{DrawingScore, Shown};

/// Bins of each set's histogram.
const BINS: usize = 40;

/// Textures of a set's most and least typical images.
pub(super) fn extreme_grids(ctx: &egui::Context, i: usize, set: &SetScores) -> (ImageGrid, ImageGrid) {
    let e = &set.extremes;
    let batch = |images: &[(usize, f64, Vec<f32>)]| ImageBatch {
        n: images.len(),
        width: e.width,
        height: e.height,
        pixels: images.iter().flat_map(|(_, _, p)| p.iter().copied()).collect(),
    };
    let mut most = ImageGrid::new(&format!("ood-most-{i}"));
    let mut least = ImageGrid::new(&format!("ood-least-{i}"));
    if !e.most_typical.is_empty() {
        most.set(ctx, batch(&e.most_typical), e.most_typical.len());
        least.set(ctx, batch(&e.least_typical), e.least_typical.len());
    }
    (most, least)
}

fn fmt_auroc(a: Option<f64>) -> String {
    a.map_or("—".into(), |a| format!("{a:.3}"))
}

/// Each set's histogram (a step line, density per bin, every set on one axis) and each other
/// set's ROC curve against the test images, for the raw or the corrected score.
pub(super) struct Curves {
    corrected: bool,
    histograms: Vec<Vec<[f64; 2]>>,
    rocs: Vec<Vec<[f64; 2]>>,
}

fn curves(report: &OodReport, corrected: bool) -> Curves {
    let score = |s: &ExampleScore| if corrected { s.corrected_bits } else { s.nll_nats };
    let sets: Vec<&SetScores> = std::iter::once(&report.inside).chain(&report.sets).collect();
    let all = sets.iter().flat_map(|s| s.scores.iter().map(score)).filter(|v| v.is_finite());
    let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    let histograms = if lo < hi {
        let bin = (hi - lo) / BINS as f64;
        sets.iter()
            .map(|set| {
                let mut counts = [0usize; BINS];
                let values: Vec<f64> = set.scores.iter().map(score).filter(|v| v.is_finite()).collect();
                for v in &values {
                    counts[(((v - lo) / bin) as usize).min(BINS - 1)] += 1;
                }
                let total = values.len().max(1) as f64;
                counts
                    .iter()
                    .enumerate()
                    .flat_map(|(b, &c)| {
                        let y = c as f64 / (total * bin);
                        [[lo + b as f64 * bin, y], [lo + (b + 1) as f64 * bin, y]]
                    })
                    .collect()
            })
            .collect()
    } else {
        vec![Vec::new(); sets.len()]
    };
    let rocs = (0..report.sets.len())
        .map(|i| report.roc(i, corrected).map(|points| points.iter().map(|p| [p.fpr, p.tpr]).collect()).unwrap_or_default())
        .collect();
    Curves { corrected, histograms, rocs }
}

pub(super) fn results_ui(ui: &mut egui::Ui, shown: &mut Shown, corrected: &mut bool, drawing: Option<&DrawingScore>) {
    let report = &shown.report;
    ui.separator();
    ui.label(format!(
        "{} at step {}, scored by {}{}.",
        report.family,
        report.step,
        report.estimate,
        if report.exact { " (exact)" } else { " (a bound or an estimate)" }
    ));
    let sets: Vec<&SetScores> = std::iter::once(&report.inside).chain(&report.sets).collect();
    egui::Grid::new("ood-table").striped(true).num_columns(6).show(ui, |ui| {
        for head in ["set", "images", "mean −log p(x), nats", "bits/dim", "AUROC raw", "AUROC corrected (Serrà)"] {
            ui.strong(head);
        }
        ui.end_row();
        for (i, set) in sets.iter().enumerate() {
            ui.colored_label(class_colour(i as u8), if i == 0 { format!("{} (in)", set.name) } else { set.name.clone() })
                .on_hover_text(&set.source);
            ui.label(set.n.to_string());
            ui.label(format!("{:.1}", set.mean_nll_nats));
            ui.label(format!("{:.3}", set.bits_per_dim));
            ui.label(fmt_auroc(set.auroc_raw));
            ui.label(fmt_auroc(set.auroc_corrected));
            ui.end_row();
        }
    });
    let fooled: Vec<&str> = report.sets.iter().filter(|s| s.auroc_raw.is_some_and(|a| a < 0.5)).map(|s| s.name.as_str()).collect();
    if !fooled.is_empty() {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!(
                "The model finds {} more likely than its own test images (AUROC below 0.5): the surprise of Nalisnick \
                 et al. 2019.",
                fooled.join(", ")
            ),
        );
    }
    let test_mean = report.inside.mean_nll_nats;
    for set in report.sets.iter().filter(|s| s.mean_nll_nats < test_mean && s.auroc_raw.is_some_and(|a| a >= 0.5)) {
        ui.label(format!(
            "On average the model gives {} a higher likelihood than its own test images ({:.1} against {:.1} nats), but \
             the scores overlap so much that ranking by them still puts a {} image above a test image {:.0}% of the time.",
            set.name,
            set.mean_nll_nats,
            test_mean,
            set.name,
            100.0 * set.auroc_raw.unwrap_or(0.5)
        ));
    }
    egui::CollapsingHeader::new("What these numbers and plots mean").default_open(true).show(ui, |ui| {
        ui.label(
            "AUROC: the chance that an image of the other set gets a higher score than a test image. 1 separates the \
             sets perfectly, 0.5 is a coin toss, below 0.5 the model likes the other set better than its own data.",
        );
        ui.label(
            "Why that happens: −log p(x) is dominated by how simple an image is. Black background is cheap to \
             predict, so digits (more background) and constant images can score better than clothes, even under a \
             model that never saw one (Nalisnick et al. 2019). The corrected score subtracts the image's length in \
             bits as a PNG, a universal estimate of its complexity (Serrà et al. 2020): what is left is how much \
             better the model does than a generic compressor.",
        );
        ui.label(
            "Histogram: each set's scores on one axis (density per bin). ROC: for every threshold, the share of the \
             other set flagged (true positive rate) against the share of test images flagged (false positive rate).",
        );
    });
    ui.horizontal(|ui| {
        ui.label("Score shown:");
        ui.selectable_value(corrected, false, "raw −log p(x) (nats)");
        ui.selectable_value(corrected, true, "corrected −log₂ p(x) − L(x) (bits)");
    });
    if shown.curves.as_ref().is_none_or(|c| c.corrected != *corrected) {
        shown.curves = Some(curves(&shown.report, *corrected));
    }
    let Some(curves) = &shown.curves else { return };
    let width = ui.available_width().min(1100.0);
    ui.horizontal(|ui| {
        ui.vertical(|ui| {
            ui.strong("Scores of each set");
            Plot::new("ood-histogram")
                .width(width * 0.55)
                .height(260.0)
                .legend(Legend::default())
                .x_axis_label(if *corrected {
                    "corrected score (bits): higher = less typical"
                } else {
                    "−log p(x) (nats): higher = less typical"
                })
                .allow_scroll(false)
                .show(ui, |plot| {
                    for (i, (set, points)) in sets.iter().zip(&curves.histograms).enumerate() {
                        plot.line(Line::new(set.name.clone(), PlotPoints::from(points.clone())).color(class_colour(i as u8)).width(1.5));
                    }
                    if let Some(d) = drawing {
                        let x = if *corrected { d.score.corrected_bits } else { d.score.nll_nats };
                        plot.vline(VLine::new("your drawing", x).style(LineStyle::dashed_loose()).color(egui::Color32::WHITE).width(2.0));
                    }
                });
        });
        ui.vertical(|ui| {
            ui.strong("ROC against the test images");
            Plot::new("ood-roc")
                .width(width * 0.4)
                .height(260.0)
                .data_aspect(1.0)
                .include_x(0.0)
                .include_x(1.0)
                .include_y(1.0)
                .legend(Legend::default())
                .x_axis_label("false positive rate")
                .y_axis_label("true positive rate")
                .allow_scroll(false)
                .show(ui, |plot| {
                    plot.line(
                        Line::new("chance", PlotPoints::from(vec![[0.0, 0.0], [1.0, 1.0]]))
                            .style(LineStyle::dotted_dense())
                            .color(egui::Color32::GRAY),
                    );
                    for (i, (set, line)) in report.sets.iter().zip(&curves.rocs).enumerate() {
                        plot.line(Line::new(set.name.clone(), PlotPoints::from(line.clone())).color(class_colour(i as u8 + 1)).width(1.5));
                    }
                });
        });
    });
    ui.strong("Most and least typical images of each set (by −log p(x))");
    egui::Grid::new("ood-extremes").num_columns(3).show(ui, |ui| {
        ui.label("");
        ui.label("most typical (lowest −log p(x))");
        ui.label("least typical (highest)");
        ui.end_row();
        for (set, (most, least)) in sets.iter().zip(&shown.grids) {
            ui.label(&set.name);
            let range = |v: &[(usize, f64, Vec<f32>)]| match (v.first(), v.last()) {
                (Some(a), Some(b)) => format!("{:.0}…{:.0} nats", a.1, b.1),
                _ => String::new(),
            };
            let cell = 28.0 * 1.5 * set.extremes.most_typical.len().max(1) as f32;
            let shown_most = most.ui(ui, cell, "—");
            if let Some(r) = shown_most {
                r.on_hover_text(range(&set.extremes.most_typical));
            }
            if let Some(r) = least.ui(ui, cell, "—") {
                r.on_hover_text(range(&set.extremes.least_typical));
            }
            ui.end_row();
        }
    });
}

//! The Compare tab's table of runs: every metric of every run (blank where a family has
//! none) beside the real held-out data, a bar chart per column, and sample grids from one seed.

use std::path::PathBuf;

use eframe::egui;

use crate::eval::{EvalReport, SampleMetrics};
use crate::models::classifier::FID_NAME;

use super::super::super::eval_job::{GRID_N, GRID_SEED};
use super::super::super::widgets::{MetricColumn, class_colour, metric_bars_ui};
use super::Run;

/// A data folder in words for the table's caption.
fn folder_words(folder: &Option<PathBuf>) -> String {
    match folder {
        Some(dir) => dir.display().to_string(),
        None => "the data built into genlab".to_string(),
    }
}

/// The table's columns: title, which way is better, and how to read it from a report.
type Getter = fn(&SampleMetrics) -> Option<f64>;
const SAMPLE_COLUMNS: [(&str, &str, Getter); 6] = [
    ("FID", "lower is better", |m| Some(m.fid)),
    ("precision", "higher is better", |m| Some(m.precision)),
    ("recall", "higher is better", |m| Some(m.recall)),
    ("density", "higher is better", |m| Some(m.density)),
    ("coverage", "higher is better", |m| Some(m.coverage)),
    ("IS", "higher is better", |m| m.inception_score.map(|(mean, _)| mean)),
];

/// The exact NLL of a report when it has one, else its tightest bound (or estimate), nats per
/// image. An estimate (the RBM's AIS) is not a bound: it may fall on either side.
fn best_nll(report: &EvalReport) -> Option<(f64, String)> {
    let exact = report.likelihood.iter().find(|l| l.exact);
    let best = exact.or_else(|| report.likelihood.iter().min_by(|a, b| a.nll_nats.total_cmp(&b.nll_nats)));
    best.map(|l| {
        let what = if l.exact {
            format!("exact NLL ({})", l.name)
        } else if l.name.contains("estimate") {
            format!("the NLL by the {}, an estimate", l.name)
        } else {
            format!("minus the {}, an upper bound on the NLL", l.name)
        };
        (l.nll_nats, what)
    })
}

fn fmt(v: Option<f64>) -> String {
    match v {
        Some(v) if v.abs() >= 100.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.3}"),
        None => String::new(),
    }
}

/// The table, its charts and the runs' samples; a hint when there are no runs yet.
pub(super) fn runs_ui(ui: &mut egui::Ui, runs: &[Run]) {
    ui.heading("Compare runs");
    ui.label(format!(
        "{FID_NAME} and precision/recall/density/coverage are computed on the penultimate layer of a small CNN genlab \
         trained on the dataset, so they compare genlab runs with each other and are not comparable with Inception FID \
         in papers. Precision: how many samples look real. Recall: how much of the real data the samples reach. \
         NLL: negative log-likelihood of the test set in nats per image (a bound for the VAE)."
    ));
    if runs.is_empty() {
        ui.add_space(8.0);
        ui.weak("Add checkpoint folders on the left, then press Evaluate. For example, train two VAEs with β = 1 and β = 4.");
        return;
    }
    // Runs trained on different copies of the data: each is measured against its own copy.
    let mut folders: Vec<String> = runs.iter().filter_map(|r| r.data.as_ref()).map(|(_, folder)| folder_words(folder)).collect();
    folders.sort();
    folders.dedup();
    if folders.len() > 1 {
        ui.colored_label(
            egui::Color32::from_rgb(230, 120, 80),
            format!(
                "These runs were trained on different data folders ({}): each is measured against the data it \
                 trained on, so their rows do not share one test set, and the baseline row is the first run's.",
                folders.join("; ")
            ),
        );
    }
    let baseline = runs.iter().find_map(|r| r.report.as_ref().map(|rep| rep.baseline.clone()));
    egui::Grid::new("compare-table").striped(true).spacing([14.0, 4.0]).show(ui, |ui| {
        for title in ["run", "family", "params", "FID", "precision", "recall", "density", "coverage", "IS", "NLL (nats)", "ms/sample"] {
            ui.strong(title);
        }
        ui.end_row();
        for (i, run) in runs.iter().enumerate() {
            ui.colored_label(class_colour(i as u8), &run.name).on_hover_text(run.path.display().to_string());
            match (&run.report, &run.error) {
                (Some(r), _) => {
                    ui.label(&r.family).on_hover_text(&r.description);
                    ui.label(format!("{:.2} M", r.num_params as f64 / 1e6));
                    for (_, _, get) in SAMPLE_COLUMNS {
                        ui.label(fmt(get(&r.samples)));
                    }
                    match best_nll(r) {
                        Some((v, what)) => ui.label(fmt(Some(v))).on_hover_text(what),
                        None => ui.label(""),
                    };
                    ui.label(format!("{:.3}", r.sample_ms_per_image));
                }
                (None, Some(e)) => {
                    ui.colored_label(egui::Color32::from_rgb(230, 80, 80), e);
                }
                (None, None) => {
                    ui.weak("not evaluated yet");
                }
            }
            ui.end_row();
        }
        if let Some(b) = &baseline {
            ui.label("real (held-out)")
                .on_hover_text("real training examples measured against the real test set: the best a model can hope for");
            ui.label("data");
            ui.label("");
            for (_, _, get) in SAMPLE_COLUMNS {
                ui.label(fmt(get(b)));
            }
            ui.label("");
            ui.label("");
            ui.end_row();
        }
    });
    let mut datasets: Vec<&str> = runs.iter().filter_map(|r| r.report.as_ref().map(|rep| rep.dataset.as_str())).collect();
    datasets.dedup();
    if datasets.len() > 1 {
        ui.colored_label(
            egui::Color32::from_rgb(230, 120, 80),
            format!("These runs were trained on different datasets ({}): their numbers are not comparable, and the baseline row is the first one's.", datasets.join(", ")),
        );
    }
    if let Some(r) = runs.iter().find_map(|r| r.report.as_ref()) {
        ui.weak(format!(
            "{} samples per run against {} real test examples of {}; features: {}",
            r.samples.n_fake, r.samples.n_real, r.dataset, r.feature_space
        ));
        for w in r.warnings.iter().take(2) {
            ui.colored_label(egui::Color32::YELLOW, w);
        }
    }
    if runs.iter().any(|r| r.cached) {
        ui.weak("Some rows come from the cache in their checkpoint folder (unchanged since they were measured).");
    }
    ui.separator();

    let names: Vec<String> = runs.iter().map(|r| r.name.clone()).collect();
    let mut columns: Vec<MetricColumn> = SAMPLE_COLUMNS
        .iter()
        .map(|&(title, better, get)| MetricColumn {
            title,
            better,
            values: runs.iter().map(|r| r.report.as_ref().and_then(|rep| get(&rep.samples))).collect(),
            baseline: baseline.as_ref().and_then(get),
        })
        .collect();
    columns.push(MetricColumn {
        title: "NLL (nats)",
        better: "lower is better",
        values: runs.iter().map(|r| r.report.as_ref().and_then(best_nll).map(|(v, _)| v)).collect(),
        baseline: None,
    });
    columns.push(MetricColumn {
        title: "ms per sample",
        better: "lower is better",
        values: runs.iter().map(|r| r.report.as_ref().map(|rep| rep.sample_ms_per_image)).collect(),
        baseline: None,
    });
    if runs.iter().any(|r| r.report.is_some()) {
        // Rows of charts that fit the width (a vertical group's width is unknown to
        // horizontal_wrapped until drawn, so it cannot wrap them itself).
        let size = egui::vec2(200.0, 120.0);
        let per_row = ((ui.available_width() / (size.x + 12.0)).floor() as usize).max(1);
        let shown: Vec<&MetricColumn> = columns.iter().filter(|c| c.values.iter().any(Option::is_some)).collect();
        for (r, row) in shown.chunks(per_row).enumerate() {
            ui.horizontal(|ui| {
                for (i, column) in row.iter().enumerate() {
                    metric_bars_ui(ui, &format!("compare-bars-{}", r * per_row + i), column, &names, size);
                }
            });
        }
        ui.separator();
    }
    ui.label(format!("Samples from each run with the same seed ({GRID_SEED}), {GRID_N} each:"));
    ui.horizontal_wrapped(|ui| {
        for run in runs {
            ui.vertical(|ui| {
                ui.label(&run.name);
                run.grid.ui(ui, 150.0, "(evaluate to draw)");
            });
        }
    });
}

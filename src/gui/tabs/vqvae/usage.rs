//! How much of the codebook is in use: how often each code was the nearest since the last
//! preview (a bar per code in its colour, a dead code a red stub under the axis), how many dead
//! codes stage 1 has restarted, and the perplexity of code use over the training steps.

use eframe::egui;
use egui_plot::{Bar, BarChart, HLine, Legend, Line, Plot, PlotPoints};

use crate::views::codes::CodeUsage;

use super::code_map::code_colour;

const DEAD: egui::Color32 = egui::Color32::from_rgb(255, 90, 90);
/// A dead code's stub reaches this fraction of the tallest bar under the axis.
const STUB: f64 = 0.06;

/// Dead-code restarts as the tab last saw them: the run's total (its loss term) and the
/// period (its knob, 0 when off); either `None` when not known yet.
#[derive(Clone, Copy, Debug, Default)]
pub struct Restarts {
    pub total: Option<u64>,
    pub every: Option<i64>,
}

impl Restarts {
    /// The part of the usage line that tells of them.
    fn sentence(self) -> String {
        match (self.every, self.total) {
            (Some(0), Some(n)) if n > 0 => format!("restarts off, {n} codes restarted before"),
            (Some(0), _) => "dead codes are not restarted".to_string(),
            (Some(every), Some(n)) => format!("{n} codes restarted so far (a check every {every} steps)"),
            (None, Some(n)) => format!("{n} codes restarted so far"),
            (Some(every), None) => format!("dead codes restarted every {every} steps"),
            (None, None) => String::new(),
        }
    }
}

/// The histogram of the latest window of use (none before the first preview), the restarts,
/// and the perplexity of every window so far, `history`, against K = `k`.
pub fn usage_ui(ui: &mut egui::Ui, usage: Option<&CodeUsage>, restarts: Restarts, history: &[(u64, f64)], k: usize) {
    ui.strong("Codebook usage");
    ui.weak(
        "How often each code was the nearest one since the last preview. A code that no encoder output comes near \
         gets no updates, so it stays where it started and is never used: a dead code (red, under the axis). In stage \
         1, every few steps (the knob \"restart dead codes every\"), each code used too rarely since the last check is \
         moved to a random encoder output of the batch, where the encoder does use it (Jukebox's random restarts).",
    );
    let Some(usage) = usage else {
        ui.weak("the histogram appears at the first preview while training");
        return;
    };
    let CodeUsage { counts, vectors, perplexity, dead, from_step, to_step } = usage;
    let sentence = restarts.sentence();
    let restarted = if sentence.is_empty() { sentence } else { format!("; {sentence}") };
    if *vectors == 0 {
        // A preview with no step before it (after a Load, say): no code was picked, none is dead.
        ui.weak(format!("no training steps from step {from_step} to {to_step}: nothing to count"));
    } else {
        histogram_ui(
            ui,
            counts,
            format!(
                "steps {from_step} to {to_step}: {vectors} vectors quantised, {dead} of {} codes unused, perplexity \
                 {perplexity:.1}{restarted}",
                counts.len()
            ),
            *dead > 0,
        );
    }
    perplexity_ui(ui, history, k);
}

/// A bar per code, `line` over them (red when `dead_codes`).
fn histogram_ui(ui: &mut egui::Ui, counts: &[u64], line: String, dead_codes: bool) {
    ui.label(if dead_codes { egui::RichText::new(line).color(DEAD) } else { egui::RichText::new(line) });
    let top = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let (mut used, mut unused) = (Vec::new(), Vec::new());
    for (code, &count) in counts.iter().enumerate() {
        if count > 0 {
            used.push(Bar::new(code as f64, count as f64).width(0.9).name(format!("code {code}")).fill(code_colour(code as u32)));
        } else {
            unused.push(Bar::new(code as f64, -STUB * top).width(0.9).name(format!("code {code}: unused")).fill(DEAD));
        }
    }
    Plot::new("vqvae-usage")
        .allow_scroll(false)
        .allow_drag(false)
        .allow_zoom(false)
        .height(170.0)
        .x_axis_label("code")
        .legend(Legend::default())
        .show(ui, |p| {
            p.bar_chart(BarChart::new("times nearest", used));
            p.bar_chart(BarChart::new("unused (dead)", unused).color(DEAD));
        });
}

/// The perplexity of every closed window against K = `k`.
fn perplexity_ui(ui: &mut egui::Ui, history: &[(u64, f64)], k: usize) {
    ui.strong("Perplexity of code use");
    ui.weak(
        "exp of the entropy of the codes' frequencies in each window: the number of codes in effective use. K when every \
         code is used equally, 1 when one code takes everything. Far below K: many codes are dead or rare.",
    );
    let points: PlotPoints = history.iter().map(|&(step, p)| [step as f64, p]).collect();
    Plot::new("vqvae-perplexity")
        .allow_scroll(false)
        .height(150.0)
        .x_axis_label("step")
        .include_y(0.0)
        .include_y(k as f64)
        .legend(Legend::default())
        .show(ui, |p| {
            p.line(Line::new("perplexity", points).width(1.5));
            p.hline(HLine::new(format!("K = {k}"), k as f64).color(egui::Color32::GRAY));
        });
}

//! One attention head's weights over a context as a heat map: row i is the position
//! attending, column j the position attended to; above the diagonal (the future) is always 0.

use eframe::egui;

use super::pixel_canvas::heat_colour;
use super::token_bars::show_char;

/// Draws the last `shown` positions of a T × T weight matrix `weights` (row-major) for the
/// characters `context`, `side` points wide, with the characters along both edges.
pub fn attention_map_ui(ui: &mut egui::Ui, context: &[char], weights: &[f32], shown: usize, side: f32) {
    let t = context.len();
    if t == 0 || weights.len() != t * t {
        ui.weak("no attention to show yet");
        return;
    }
    let first = t.saturating_sub(shown);
    let n = t - first;
    let margin = 14.0;
    let (rect, _) = ui.allocate_exact_size(egui::vec2(side + margin, side + margin), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    let cell = side / n as f32;
    let origin = rect.min + egui::vec2(margin, margin);
    // The largest weight in view sets the scale, so weak patterns still show.
    let max = (first..t).flat_map(|i| (first..=i).map(move |j| (i, j))).map(|(i, j)| weights[i * t + j]).fold(1e-6, f32::max);
    let font = egui::FontId::monospace((cell * 0.8).clamp(6.0, 11.0));
    for i in first..t {
        for j in first..t {
            let min = origin + egui::vec2((j - first) as f32 * cell, (i - first) as f32 * cell);
            let w = weights[i * t + j];
            painter.rect_filled(egui::Rect::from_min_size(min, egui::vec2(cell, cell)), 0.0, heat_colour(w / max));
        }
        let label = show_char(context[i]);
        painter.text(
            origin + egui::vec2(-2.0, (i - first) as f32 * cell + cell / 2.0),
            egui::Align2::RIGHT_CENTER,
            &label,
            font.clone(),
            egui::Color32::LIGHT_GRAY,
        );
        painter.text(
            origin + egui::vec2((i - first) as f32 * cell + cell / 2.0, -2.0),
            egui::Align2::CENTER_BOTTOM,
            &label,
            font.clone(),
            egui::Color32::LIGHT_GRAY,
        );
    }
}

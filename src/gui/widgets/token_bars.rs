//! The next-token distribution as horizontal bars, most probable first: the model's own
//! probabilities (temperature 1) faint behind, the distribution actually sampled from (after
//! temperature, top-k and top-p) solid in front. Filtered-out tokens show an empty solid bar.

use eframe::egui;

/// How a character is shown on a bar: visible names for the invisible ones.
pub fn show_char(c: char) -> String {
    match c {
        // Drawable in egui's bundled fonts (Hack has no ␣ or ⏎).
        '\n' => "\\n".into(),
        ' ' => "·".into(),
        '\t' => "\\t".into(),
        c if c.is_control() => format!("U+{:04X}", c as u32),
        c => c.to_string(),
    }
}

/// Draws the `rows` most probable tokens of `model` (T = 1) with their sampled probability
/// `sampled`; each row's text label reads "c  0.123" so tests and screen readers can read it.
pub fn token_bars_ui(ui: &mut egui::Ui, vocab: &[char], model: &[f64], sampled: &[f64], rows: usize, width: f32) {
    let mut order: Vec<usize> = (0..model.len().min(sampled.len())).collect();
    order.sort_by(|&a, &b| sampled[b].total_cmp(&sampled[a]).then(model[b].total_cmp(&model[a])));
    let bar_width = (width - 110.0).max(60.0);
    egui::Grid::new("token-bars").num_columns(3).spacing([6.0, 2.0]).show(ui, |ui| {
        for &i in order.iter().take(rows) {
            let c = vocab.get(i).copied().unwrap_or('?');
            ui.monospace(show_char(c));
            let (rect, _) = ui.allocate_exact_size(egui::vec2(bar_width, 13.0), egui::Sense::hover());
            let painter = ui.painter();
            painter.rect_filled(rect, 1.0, egui::Color32::from_gray(40));
            let faint = egui::Rect::from_min_size(rect.min, egui::vec2(rect.width() * model[i] as f32, rect.height()));
            painter.rect_filled(faint, 1.0, egui::Color32::from_rgb(70, 80, 110));
            let solid = egui::Rect::from_min_size(rect.min, egui::vec2(rect.width() * sampled[i] as f32, rect.height()));
            painter.rect_filled(solid.shrink2(egui::vec2(0.0, 3.0)), 1.0, egui::Color32::from_rgb(240, 170, 60));
            ui.label(format!("{} {:.3}", show_char(c), sampled[i]));
            ui.end_row();
        }
    });
}

//! One image drawn cell by cell, for watching an autoregressive model fill it in: sampled
//! pixels in grey, pixels still to come dark blue, the pixels the current one can see tinted,
//! and the current pixel outlined.

use eframe::egui;

/// What to draw. `values[i]` is NaN for a pixel not sampled yet.
pub struct PixelCanvas<'a> {
    pub width: usize,
    pub height: usize,
    pub values: &'a [f32],
    /// The pixel sampled next (outlined), if any.
    pub current: Option<usize>,
    /// Pixels the current one can see (tinted); empty for none.
    pub visible: &'a [bool],
    /// Map values with a colour scale instead of grey (for probabilities).
    pub heat: bool,
}

const UNSAMPLED: egui::Color32 = egui::Color32::from_rgb(28, 32, 52);
const SEEN_TINT: egui::Color32 = egui::Color32::from_rgba_premultiplied(40, 110, 200, 110);
const CURRENT: egui::Color32 = egui::Color32::from_rgb(255, 70, 70);

/// A dark-to-bright scale for probabilities: black, purple, orange, yellow-white.
pub fn heat_colour(p: f32) -> egui::Color32 {
    let p = p.clamp(0.0, 1.0);
    let stops = [(0.0, [0, 0, 4]), (0.33, [120, 28, 109]), (0.66, [237, 105, 37]), (1.0, [252, 255, 164])];
    let mut i = 0;
    while i + 2 < stops.len() && p > stops[i + 1].0 {
        i += 1;
    }
    let (a, ca) = stops[i];
    let (b, cb) = stops[i + 1];
    let t = ((p - a) / (b - a)).clamp(0.0, 1.0);
    let mix = |k: usize| (ca[k] as f32 + t * (cb[k] as f32 - ca[k] as f32)) as u8;
    egui::Color32::from_rgb(mix(0), mix(1), mix(2))
}

impl PixelCanvas<'_> {
    /// Draws the canvas `side` points wide; returns the pixel under the pointer, if any.
    pub fn ui(&self, ui: &mut egui::Ui, side: f32) -> Option<usize> {
        let aspect = self.height as f32 / self.width.max(1) as f32;
        let (rect, response) = ui.allocate_exact_size(egui::vec2(side, side * aspect), egui::Sense::hover());
        let painter = ui.painter_at(rect);
        let cell = side / self.width.max(1) as f32;
        for i in 0..self.width * self.height {
            let (r, c) = (i / self.width, i % self.width);
            let min = rect.min + egui::vec2(c as f32 * cell, r as f32 * cell);
            let cell_rect = egui::Rect::from_min_size(min, egui::vec2(cell, cell));
            let v = self.values.get(i).copied().unwrap_or(f32::NAN);
            let colour = if v.is_nan() {
                UNSAMPLED
            } else if self.heat {
                heat_colour(v)
            } else {
                let g = (v.clamp(0.0, 1.0) * 255.0) as u8;
                egui::Color32::from_gray(g)
            };
            painter.rect_filled(cell_rect, 0.0, colour);
            if self.visible.get(i).copied().unwrap_or(false) {
                painter.rect_filled(cell_rect, 0.0, SEEN_TINT);
            }
        }
        if let Some(i) = self.current.filter(|&i| i < self.width * self.height) {
            let (r, c) = (i / self.width, i % self.width);
            let min = rect.min + egui::vec2(c as f32 * cell, r as f32 * cell);
            painter.rect_stroke(
                egui::Rect::from_min_size(min, egui::vec2(cell, cell)).expand(1.0),
                0.0,
                egui::Stroke::new(2.0, CURRENT),
                egui::StrokeKind::Outside,
            );
        }
        let pos = response.hover_pos()?;
        let (c, r) = (((pos.x - rect.min.x) / cell) as usize, ((pos.y - rect.min.y) / cell) as usize);
        (r < self.height && c < self.width).then_some(r * self.width + c)
    }
}

//! A small canvas drawn on with the mouse: a digit to score or to fill in, or the mask of the
//! pixels to hide. Strokes are painted with a round, soft-edged brush whose radius is in
//! pixels of the image (not of the screen), so a drawing looks like the images a model saw.

use eframe::egui;

/// Hidden pixels painted over an image: the blue no grey image has.
pub const MASK_TINT: egui::Color32 = egui::Color32::from_rgba_premultiplied(40, 80, 150, 200);

/// The smallest and largest brush radius, in image pixels.
pub const BRUSH_RANGE: std::ops::RangeInclusive<f32> = 0.5..=4.0;

/// The latest drawing of the Density tab's pad, kept in the window's memory for the other
/// tabs (the VAE's latent map shows where it encodes): a version that grows with every change,
/// and the ink.
pub fn share_drawing(ctx: &egui::Context, ink: &[f32]) {
    let id = drawing_id();
    ctx.data_mut(|d| {
        let version = d.get_temp::<(u64, std::sync::Arc<Vec<f32>>)>(id).map_or(0, |(v, _)| v) + 1;
        d.insert_temp(id, (version, std::sync::Arc::new(ink.to_vec())));
    });
}

/// The drawing `share_drawing` left, with its version; `None` before the first stroke.
pub fn shared_drawing(ctx: &egui::Context) -> Option<(u64, std::sync::Arc<Vec<f32>>)> {
    ctx.data(|d| d.get_temp(drawing_id()))
}

fn drawing_id() -> egui::Id {
    egui::Id::NULL.with("genlab-shared-drawing")
}

pub struct DrawingPad {
    pub width: usize,
    pub height: usize,
    /// `width × height` values in [0, 1], row-major: the ink.
    pub ink: Vec<f32>,
    /// The brush radius in image pixels.
    pub brush: f32,
    /// Erase instead of drawing.
    pub erase: bool,
    /// The last point painted in this stroke (image coordinates), to join it to the next.
    last: Option<egui::Pos2>,
}

impl DrawingPad {
    pub fn new(width: usize, height: usize, brush: f32) -> Self {
        Self { width, height, ink: vec![0.0; width * height], brush, erase: false, last: None }
    }

    pub fn is_blank(&self) -> bool {
        self.ink.iter().all(|&v| v == 0.0)
    }

    pub fn clear(&mut self) {
        self.ink.iter_mut().for_each(|v| *v = 0.0);
    }

    /// Paints a dab of the brush centred at `at` (image coordinates: (0, 0) is the top-left
    /// corner of the first pixel): full ink within the radius, fading out over one pixel.
    pub fn dab(&mut self, at: egui::Pos2) {
        let r = self.brush;
        for y in 0..self.height {
            for x in 0..self.width {
                let d = egui::pos2(x as f32 + 0.5, y as f32 + 0.5).distance(at);
                let alpha = (r + 0.5 - d).clamp(0.0, 1.0);
                if alpha > 0.0 {
                    let v = &mut self.ink[y * self.width + x];
                    *v = if self.erase { v.min(1.0 - alpha) } else { v.max(alpha) };
                }
            }
        }
    }

    /// Paints a stroke from `from` to `to` as dabs at most half a pixel apart.
    pub fn stroke(&mut self, from: egui::Pos2, to: egui::Pos2) {
        let steps = (from.distance(to) * 2.0).ceil().max(1.0) as usize;
        for i in 0..=steps {
            self.dab(from.lerp(to, i as f32 / steps as f32));
        }
    }

    /// Brush size, Draw/Erase and Clear.
    pub fn controls_ui(&mut self, ui: &mut egui::Ui) -> bool {
        let mut changed = false;
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.erase, false, "Draw");
            ui.selectable_value(&mut self.erase, true, "Erase");
            if ui.button("Clear").clicked() {
                self.clear();
                changed = true;
            }
        });
        ui.add(egui::Slider::new(&mut self.brush, BRUSH_RANGE).step_by(0.25).text("brush radius (pixels)"));
        changed
    }

    /// The canvas, `side` points wide; painting with the primary button. With `under`, the ink
    /// is drawn as a blue mask over that image. True when the ink changed this frame.
    /// `name` is what assistive technology (and a test) calls the canvas.
    pub fn canvas_ui(&mut self, ui: &mut egui::Ui, side: f32, under: Option<&[f32]>, name: &str) -> bool {
        let aspect = self.height as f32 / self.width.max(1) as f32;
        let (rect, response) = ui.allocate_exact_size(egui::vec2(side, side * aspect), egui::Sense::click_and_drag());
        let enabled = ui.is_enabled();
        response.widget_info(|| egui::WidgetInfo::labeled(egui::accesskit::Role::Canvas, enabled, name));
        let cell = side / self.width.max(1) as f32;
        let to_image = |p: egui::Pos2| egui::pos2((p.x - rect.min.x) / cell, (p.y - rect.min.y) / cell);
        let mut changed = false;
        let pressed = response.is_pointer_button_down_on() || response.clicked() || response.dragged();
        match response.interact_pointer_pos().filter(|_| pressed) {
            Some(pos) => {
                let at = to_image(pos);
                let from = self.last.unwrap_or(at);
                self.stroke(from, at);
                self.last = Some(at);
                changed = true;
            }
            None => self.last = None,
        }
        let painter = ui.painter_at(rect);
        for i in 0..self.width * self.height {
            let min = rect.min + egui::vec2((i % self.width) as f32 * cell, (i / self.width) as f32 * cell);
            let cell_rect = egui::Rect::from_min_size(min, egui::vec2(cell, cell));
            let ink = self.ink[i].clamp(0.0, 1.0);
            match under {
                Some(image) => {
                    let g = (image.get(i).copied().unwrap_or(0.0).clamp(0.0, 1.0) * 255.0) as u8;
                    painter.rect_filled(cell_rect, 0.0, egui::Color32::from_gray(g));
                    if ink > 0.5 {
                        painter.rect_filled(cell_rect, 0.0, MASK_TINT);
                    }
                }
                None => {
                    painter.rect_filled(cell_rect, 0.0, egui::Color32::from_gray((ink * 255.0) as u8));
                }
            }
        }
        painter.rect_stroke(
            rect,
            0.0,
            egui::Stroke::new(1.0, ui.visuals().widgets.noninteractive.bg_stroke.color),
            egui::StrokeKind::Outside,
        );
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stroke_inks_the_pixels_it_crosses_and_erasing_removes_them() {
        let mut pad = DrawingPad::new(28, 28, 1.0);
        assert!(pad.is_blank());
        pad.stroke(egui::pos2(4.0, 14.0), egui::pos2(24.0, 14.0));
        // Every pixel of row 13 between the ends is inked (fully, up to rounding); far rows are not.
        assert!((5..24).all(|x| pad.ink[13 * 28 + x] > 0.99), "{:?}", &pad.ink[13 * 28..14 * 28]);
        assert!(pad.ink[..10 * 28].iter().all(|&v| v == 0.0));
        assert!(pad.ink.iter().all(|v| (0.0..=1.0).contains(v)));
        pad.erase = true;
        pad.brush = 4.0;
        pad.stroke(egui::pos2(0.0, 14.0), egui::pos2(28.0, 14.0));
        assert!(pad.is_blank());
    }
}

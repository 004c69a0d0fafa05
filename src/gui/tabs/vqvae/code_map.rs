//! The code map of one test image as a coloured grid, a colour per code and its number in the
//! cell where it fits. Clicking a cell selects it; a palette of the codes' colours (or a number)
//! gives it another code, and the edited map is decoded beside the encoder's own map.

use std::collections::BTreeMap;

use eframe::egui;

use crate::train::ImageBatch;
use crate::views::codes::{DecodedCodes, TestCodes, decode};

use super::super::super::session::Session;
use super::super::super::widgets::ImageGrid;

/// Codebooks up to this size get a palette of swatches; a larger one is picked by number only.
const MAX_PALETTE: usize = 128;
const SWATCH: f32 = 16.0;
const SELECTED: egui::Color32 = egui::Color32::from_rgb(255, 220, 60);

/// A colour per code: hues 0.618 of a turn apart (the golden ratio), so that codes close in
/// number differ, at two brightnesses in turn; the number written in the cell tells apart the
/// ones that look alike.
pub fn code_colour(code: u32) -> egui::Color32 {
    let hue = (code as f32 * 0.618_034).fract();
    let value = if code % 2 == 0 { 0.92 } else { 0.62 };
    egui::ecolor::Hsva::new(hue, 0.7, value, 1.0).into()
}

/// Black or white, whichever reads better on `fill`.
fn ink_on(fill: egui::Color32) -> egui::Color32 {
    let luma = 0.299 * fill.r() as f32 + 0.587 * fill.g() as f32 + 0.114 * fill.b() as f32;
    if luma > 140.0 { egui::Color32::BLACK } else { egui::Color32::WHITE }
}

/// Image `i` of `batch` alone; `None` past its end.
fn single(batch: &ImageBatch, i: usize) -> Option<ImageBatch> {
    let d = batch.width * batch.height;
    let pixels = batch.pixels.get(i * d..(i + 1) * d)?.to_vec();
    (i < batch.n).then(|| ImageBatch { n: 1, width: batch.width, height: batch.height, pixels })
}

pub struct CodeMapEditor {
    /// Which of the first test images is shown.
    image: usize,
    /// The cell whose code the palette changes.
    cell: Option<usize>,
    /// The codes the student chose, by cell, laid over the encoder's map (which moves on with
    /// every preview while the autoencoder trains).
    edits: BTreeMap<usize, u32>,
    input: ImageGrid,
    decoded: ImageGrid,
    edited: ImageGrid,
    /// The tag of the last decode asked: an answer with another is of an older map or model.
    asked: u64,
    in_flight: bool,
    /// The map, its edits or the model changed since the last decode was asked.
    dirty: bool,
}

impl Default for CodeMapEditor {
    fn default() -> Self {
        Self {
            image: 0,
            cell: None,
            edits: BTreeMap::new(),
            input: ImageGrid::new("vqvae-map-input"),
            decoded: ImageGrid::new("vqvae-map-decoded"),
            edited: ImageGrid::new("vqvae-map-edited"),
            asked: 0,
            in_flight: false,
            dirty: true,
        }
    }
}

impl CodeMapEditor {
    /// A new model: its codes mean something else, so the edits go; an answer still on its way
    /// is of the old one.
    pub fn clear(&mut self) {
        *self = Self { image: self.image, asked: self.asked + 1, ..Self::default() };
    }

    /// New code maps of the test images arrived (a preview, or the run's first encoding).
    pub fn test_changed(&mut self, test: &TestCodes, ctx: &egui::Context) {
        self.image = self.image.min(test.inputs.n.saturating_sub(1));
        if let Some(image) = single(&test.inputs, self.image) {
            self.input.set(ctx, image, 1);
        }
        self.dirty = true;
    }

    /// A question failed (the run's messages say which): stop waiting for its answer.
    pub fn failed(&mut self) {
        self.in_flight = false;
    }

    /// The encoder's map of the image shown and the map with the student's codes.
    fn maps(&self, test: &TestCodes) -> Option<(Vec<u32>, Vec<u32>)> {
        let original = test.codes.maps.get(self.image)?.clone();
        let mut edited = original.clone();
        for (&cell, &code) in &self.edits {
            if let Some(c) = edited.get_mut(cell) {
                *c = code;
            }
        }
        Some((original, edited))
    }

    /// Takes the decodes that came back; asks for both maps decoded again when they changed.
    pub fn update(&mut self, session: &mut Session, test: Option<&TestCodes>, ctx: &egui::Context) {
        for DecodedCodes { tag, images } in session.take_all::<DecodedCodes>() {
            if tag != self.asked {
                continue;
            }
            self.in_flight = false;
            if let (Some(original), Some(edited)) = (single(&images, 0), single(&images, 1)) {
                self.decoded.set(ctx, original, 1);
                self.edited.set(ctx, edited, 1);
            }
        }
        if self.dirty
            && !self.in_flight
            && let Some((original, edited)) = test.and_then(|t| self.maps(t))
        {
            self.asked += 1;
            session.ask(decode(self.asked, vec![original, edited]));
            self.in_flight = true;
            self.dirty = false;
        }
    }

    /// Sets the code of `cell`; its own code again removes the edit.
    fn set_code(&mut self, cell: usize, code: u32, original: u32) {
        if code == original {
            self.edits.remove(&cell);
        } else {
            self.edits.insert(cell, code);
        }
        self.dirty = true;
    }

    /// The picker of the test image, the map beside the image and both decodes, and the
    /// selected cell's code; `k` codes in the codebook.
    pub fn ui(&mut self, ui: &mut egui::Ui, test: Option<&TestCodes>, k: usize, width: f32) {
        ui.strong("The code map of a test image");
        ui.weak(
            "Each cell is the code nearest to what the encoder made of one 4×4 patch of the image, in that code's colour. \
             Click a cell and give it another code: the decoder redraws the image from the edited map (right), so you \
             see what that one code draws there and how far its strokes reach into the neighbouring patches.",
        );
        let Some(test) = test else {
            ui.weak("the map appears once the first test images are encoded");
            return;
        };
        let Some((original, edited)) = self.maps(test) else { return };
        let (w, h) = (test.codes.width, test.codes.height);
        ui.horizontal(|ui| {
            let before = self.image;
            ui.add(egui::DragValue::new(&mut self.image).range(0..=test.inputs.n.saturating_sub(1)).prefix("test image #"));
            if self.image != before {
                self.edits.clear();
                self.cell = None;
                self.test_changed(test, ui.ctx());
            }
            if ui.add_enabled(!self.edits.is_empty(), egui::Button::new("Undo edits")).clicked() {
                self.edits.clear();
                self.dirty = true;
            }
            ui.weak(format!("{} of {} cells edited", self.edits.len(), w * h));
        });
        let side = (width * 0.45).clamp(140.0, 280.0);
        let shown = ((width - side) / 3.0 - 12.0).clamp(48.0, 112.0);
        ui.horizontal(|ui| {
            if let Some(cell) = map_ui(ui, &edited, (w, h), &self.edits, self.cell, side) {
                self.cell = Some(cell);
            }
            for (label, grid) in [("test image", &self.input), ("decoded", &self.decoded), ("after your edits", &self.edited)] {
                ui.vertical(|ui| {
                    ui.label(label);
                    grid.ui(ui, shown, "…");
                });
            }
        });
        let Some(cell) = self.cell.filter(|&c| c < original.len()) else {
            ui.weak("click a cell to change its code");
            return;
        };
        let mut code = edited[cell];
        ui.horizontal_wrapped(|ui| {
            ui.label(format!("row {}, column {}: the encoder chose code {}", cell / w.max(1), cell % w.max(1), original[cell]));
            ui.add(egui::DragValue::new(&mut code).range(0..=k.saturating_sub(1) as u32).prefix("new code: "));
        });
        if k <= MAX_PALETTE
            && let Some(picked) = palette_ui(ui, k, code)
        {
            code = picked;
        }
        if code != edited[cell] {
            self.set_code(cell, code, original[cell]);
        }
    }
}

/// The rectangle of cell `i` of a map `width` cells wide drawn from `origin`, cells `cell`
/// points wide.
fn cell_rect(origin: egui::Pos2, width: usize, cell: f32, i: usize) -> egui::Rect {
    let (row, col) = (i / width.max(1), i % width.max(1));
    egui::Rect::from_min_size(origin + egui::vec2(col as f32 * cell, row as f32 * cell), egui::vec2(cell, cell))
}

/// A map of `(width, height)` codes drawn `side` points wide: each cell in its code's colour with
/// its number where it fits, edited cells ringed in white, the selected one outlined. Returns the
/// cell clicked.
fn map_ui(
    ui: &mut egui::Ui,
    map: &[u32],
    (width, height): (usize, usize),
    edits: &BTreeMap<usize, u32>,
    selected: Option<usize>,
    side: f32,
) -> Option<usize> {
    let cell = side / width.max(1) as f32;
    let (rect, response) = ui.allocate_exact_size(egui::vec2(side, cell * height as f32), egui::Sense::click());
    let enabled = ui.is_enabled();
    response.widget_info(|| egui::WidgetInfo::labeled(egui::accesskit::Role::Canvas, enabled, "code map"));
    let painter = ui.painter_at(rect);
    let font = egui::FontId::monospace((cell * 0.4).min(16.0));
    for (i, &code) in map.iter().enumerate() {
        let at = cell_rect(rect.min, width, cell, i);
        let fill = code_colour(code);
        painter.rect_filled(at.shrink(0.5), 2.0, fill);
        let number = code.to_string();
        // A monospace digit is about 0.6 of the font size wide.
        if number.len() as f32 * font.size * 0.6 + 4.0 <= cell {
            painter.text(at.center(), egui::Align2::CENTER_CENTER, number, font.clone(), ink_on(fill));
        }
        if edits.contains_key(&i) {
            painter.rect_stroke(at.shrink(2.0), 2.0, egui::Stroke::new(2.0, egui::Color32::WHITE), egui::StrokeKind::Inside);
        }
    }
    if let Some(i) = selected.filter(|&i| i < map.len()) {
        painter.rect_stroke(cell_rect(rect.min, width, cell, i), 0.0, egui::Stroke::new(3.0, SELECTED), egui::StrokeKind::Inside);
    }
    let pos = response.interact_pointer_pos().filter(|_| response.clicked())?;
    let (col, row) = (((pos.x - rect.min.x) / cell) as usize, ((pos.y - rect.min.y) / cell) as usize);
    (col < width && row < height).then_some(row * width + col)
}

/// A swatch per code in its colour, `current` outlined; returns the code clicked.
fn palette_ui(ui: &mut egui::Ui, k: usize, current: u32) -> Option<u32> {
    let mut picked = None;
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing = egui::vec2(2.0, 2.0);
        let enabled = ui.is_enabled();
        for code in 0..k as u32 {
            let (rect, response) = ui.allocate_exact_size(egui::vec2(SWATCH, SWATCH), egui::Sense::click());
            response.widget_info(|| egui::WidgetInfo::labeled(egui::accesskit::Role::Button, enabled, format!("code {code}")));
            ui.painter().rect_filled(rect, 2.0, code_colour(code));
            if code == current {
                ui.painter().rect_stroke(rect, 2.0, egui::Stroke::new(2.0, SELECTED), egui::StrokeKind::Inside);
            }
            if response.on_hover_text(format!("code {code}")).clicked() {
                picked = Some(code);
            }
        }
    });
    picked
}

//! A grid of grey images shown as one texture (nearest-neighbour, so 28×28 pixels stay crisp).

use eframe::egui;

use crate::export::grid_rgba;
use crate::train::ImageBatch;

pub struct ImageGrid {
    name: String,
    texture: Option<egui::TextureHandle>,
    /// The batch behind the texture, kept for PNG export.
    batch: Option<ImageBatch>,
}

impl ImageGrid {
    pub fn new(name: &str) -> Self {
        Self { name: name.to_string(), texture: None, batch: None }
    }

    /// Replaces the shown images.
    pub fn set(&mut self, ctx: &egui::Context, batch: ImageBatch, cols: usize) {
        let (w, h, rgba) = grid_rgba(&batch, cols);
        let image = egui::ColorImage::from_rgba_unmultiplied([w, h], &rgba);
        match &mut self.texture {
            Some(tex) => tex.set(image, egui::TextureOptions::NEAREST),
            None => self.texture = Some(ctx.load_texture(&self.name, image, egui::TextureOptions::NEAREST)),
        }
        self.batch = Some(batch);
    }

    pub fn batch(&self) -> Option<&ImageBatch> {
        self.batch.as_ref()
    }

    /// Draws the grid scaled to `width` pixels wide (aspect kept), or a placeholder text.
    pub fn ui(&self, ui: &mut egui::Ui, width: f32, placeholder: &str) -> Option<egui::Response> {
        match &self.texture {
            Some(tex) => {
                let [w, h] = tex.size();
                let size = egui::vec2(width, width * h as f32 / w as f32);
                Some(ui.add(egui::Image::new((tex.id(), size))))
            }
            None => {
                ui.weak(placeholder);
                None
            }
        }
    }
}

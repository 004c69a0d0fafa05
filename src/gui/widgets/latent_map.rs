//! The latent explorer's map: encoded test points coloured by label on a 2-D plane of the
//! latent space, a decoded grid behind them, and a cursor to drag.
//!
//! The plane is the latent itself when it has two dimensions, else two chosen dimensions or
//! the first two principal components of the encoded points (other coordinates held at
//! their mean).

use eframe::egui;

use crate::export::grid_rgba;
use crate::math::pca2;
use crate::train::ImageBatch;

use super::class_colour;

/// How a latent of more than two dimensions is flattened onto the map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Projection {
    Pca,
    Dims(usize, usize),
}

pub struct LatentMap {
    pub projection: Projection,
    dim: usize,
    /// Mean of the encoded points and the plane's two axes (unit vectors in latent space).
    origin: Vec<f32>,
    axes: [Vec<f32>; 2],
    points: Vec<[f32; 2]>,
    labels: Vec<u8>,
    encoded: Vec<f32>,
    /// Map bounds in plane coordinates: [x_min, y_min, x_max, y_max].
    bounds: [f32; 4],
    /// Cursor in plane coordinates.
    pub cursor: [f32; 2],
    grid: Option<egui::TextureHandle>,
    pub show_grid: bool,
    /// A latent point marked on the map with a name (where the drawing pad's image encodes).
    pub marker: Option<(Vec<f32>, String)>,
}

/// Side of the decoded grid drawn behind the points.
pub const GRID_SIDE: usize = 12;

impl Default for LatentMap {
    fn default() -> Self {
        Self {
            projection: Projection::Pca,
            dim: 0,
            origin: Vec::new(),
            axes: [Vec::new(), Vec::new()],
            points: Vec::new(),
            labels: Vec::new(),
            encoded: Vec::new(),
            bounds: [-3.0, -3.0, 3.0, 3.0],
            cursor: [0.0, 0.0],
            grid: None,
            show_grid: true,
            marker: None,
        }
    }
}

impl LatentMap {
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// New encoded points (posterior means), `dim` values each.
    pub fn set_points(&mut self, encoded: Vec<f32>, dim: usize, labels: Vec<u8>) {
        if dim != self.dim {
            self.projection = if dim == 2 { Projection::Dims(0, 1) } else { Projection::Pca };
        }
        self.dim = dim;
        self.encoded = encoded;
        self.labels = labels;
        self.reproject();
    }

    /// Recomputes the plane and the 2-D positions (after new points or a projection change).
    pub fn reproject(&mut self) {
        let (dim, n) = (self.dim, self.labels.len());
        if dim == 0 || n == 0 {
            return;
        }
        let unit = |i: usize| (0..dim).map(|k| if k == i { 1.0 } else { 0.0 }).collect::<Vec<f32>>();
        let (mean, axes) = match self.projection {
            Projection::Pca if dim > 2 => pca2(&self.encoded, n, dim),
            Projection::Pca => (vec![0.0; dim], [unit(0), unit(1.min(dim - 1))]),
            Projection::Dims(i, j) => {
                let mut mean = vec![0.0f32; dim];
                for p in self.encoded.chunks(dim) {
                    for (m, v) in mean.iter_mut().zip(p) {
                        *m += v / n as f32;
                    }
                }
                mean[i.min(dim - 1)] = 0.0;
                mean[j.min(dim - 1)] = 0.0;
                (mean, [unit(i.min(dim - 1)), unit(j.min(dim - 1))])
            }
        };
        self.points = self
            .encoded
            .chunks(dim)
            .map(|p| {
                let d: Vec<f32> = p.iter().zip(&mean).map(|(a, b)| a - b).collect();
                let dot = |axis: &[f32]| d.iter().zip(axis).map(|(a, b)| a * b).sum::<f32>();
                [dot(&axes[0]), dot(&axes[1])]
            })
            .collect();
        self.origin = mean;
        self.axes = axes;
        // Bounds: the points' range, padded, and never smaller than the prior's ±3σ box.
        let mut b = [-3.0f32, -3.0, 3.0, 3.0];
        for p in &self.points {
            b = [b[0].min(p[0]), b[1].min(p[1]), b[2].max(p[0]), b[3].max(p[1])];
        }
        self.bounds = [b[0] - 0.2, b[1] - 0.2, b[2] + 0.2, b[3] + 0.2];
    }

    /// The point of the plane nearest to a latent vector (its projection).
    pub fn project(&self, z: &[f32]) -> Option<[f32; 2]> {
        if self.dim == 0 || z.len() != self.dim {
            return None;
        }
        let d: Vec<f32> = z.iter().zip(&self.origin).map(|(a, b)| a - b).collect();
        let dot = |axis: &[f32]| d.iter().zip(axis).map(|(a, b)| a * b).sum::<f32>();
        Some([dot(&self.axes[0]), dot(&self.axes[1])])
    }

    /// Where the latent vector `z` falls on the map drawn in `rect` (the rect `ui` allocated),
    /// held to the map's edge: for a tab drawing over the map (latent diffusion's sampling
    /// runs). `None` before there are points, or for a vector of another size or not finite.
    pub fn screen_pos(&self, rect: egui::Rect, z: &[f32]) -> Option<egui::Pos2> {
        let p = self.project(z).filter(|p| p.iter().all(|v| v.is_finite()))?;
        let [x0, y0, x1, y1] = self.bounds;
        let (x, y) = (p[0].clamp(x0, x1), p[1].clamp(y0, y1));
        Some(egui::pos2(rect.left() + (x - x0) / (x1 - x0) * rect.width(), rect.bottom() - (y - y0) / (y1 - y0) * rect.height()))
    }

    /// The latent vector at a point of the plane.
    pub fn latent_at(&self, p: [f32; 2]) -> Vec<f32> {
        if self.dim == 0 {
            return Vec::new();
        }
        (0..self.dim).map(|k| self.origin[k] + p[0] * self.axes[0][k] + p[1] * self.axes[1][k]).collect()
    }

    pub fn cursor_latent(&self) -> Vec<f32> {
        self.latent_at(self.cursor)
    }

    /// Latents of a GRID_SIDE × GRID_SIDE grid over the map, rows top to bottom.
    pub fn grid_latents(&self) -> Vec<f32> {
        let [x0, y0, x1, y1] = self.bounds;
        let mut z = Vec::with_capacity(GRID_SIDE * GRID_SIDE * self.dim);
        for r in 0..GRID_SIDE {
            for c in 0..GRID_SIDE {
                let x = x0 + (c as f32 + 0.5) / GRID_SIDE as f32 * (x1 - x0);
                let y = y1 - (r as f32 + 0.5) / GRID_SIDE as f32 * (y1 - y0);
                z.extend(self.latent_at([x, y]));
            }
        }
        z
    }

    pub fn set_grid_images(&mut self, ctx: &egui::Context, batch: &ImageBatch) {
        let (w, h, rgba) = grid_rgba(batch, GRID_SIDE);
        let image = egui::ColorImage::from_rgba_unmultiplied([w, h], &rgba);
        match &mut self.grid {
            Some(tex) => tex.set(image, egui::TextureOptions::LINEAR),
            None => self.grid = Some(ctx.load_texture("latent-grid", image, egui::TextureOptions::LINEAR)),
        }
    }

    /// Draws the map; returns true when the user moved the cursor.
    pub fn ui(&mut self, ui: &mut egui::Ui, side: f32) -> bool {
        let (response, painter) = ui.allocate_painter(egui::vec2(side, side), egui::Sense::click_and_drag());
        let rect = response.rect;
        painter.rect_filled(rect, 2.0, egui::Color32::from_gray(16));
        let [x0, y0, x1, y1] = self.bounds;
        let to_screen = |p: [f32; 2]| {
            egui::pos2(rect.left() + (p[0] - x0) / (x1 - x0) * rect.width(), rect.bottom() - (p[1] - y0) / (y1 - y0) * rect.height())
        };
        let from_screen =
            |s: egui::Pos2| [x0 + (s.x - rect.left()) / rect.width() * (x1 - x0), y0 + (rect.bottom() - s.y) / rect.height() * (y1 - y0)];
        if self.show_grid {
            if let Some(tex) = &self.grid {
                let uv = egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0));
                painter.image(tex.id(), rect, uv, egui::Color32::from_white_alpha(120));
            }
        }
        for (p, &l) in self.points.iter().zip(&self.labels) {
            painter.circle_filled(to_screen(*p), 2.0, class_colour(l));
        }
        // Axes through the origin of the plane.
        let axis = egui::Stroke::new(1.0, egui::Color32::from_gray(90));
        painter.line_segment([to_screen([x0, 0.0]), to_screen([x1, 0.0])], axis);
        painter.line_segment([to_screen([0.0, y0]), to_screen([0.0, y1])], axis);
        if let Some((z, name)) = &self.marker
            && let Some(p) = self.project(z)
        {
            let m = to_screen([p[0].clamp(x0, x1), p[1].clamp(y0, y1)]);
            let diamond = vec![m + egui::vec2(0.0, -7.0), m + egui::vec2(7.0, 0.0), m + egui::vec2(0.0, 7.0), m + egui::vec2(-7.0, 0.0)];
            painter.add(egui::Shape::convex_polygon(diamond, egui::Color32::WHITE, egui::Stroke::new(1.5, egui::Color32::BLACK)));
            painter.text(
                m + egui::vec2(9.0, -9.0),
                egui::Align2::LEFT_BOTTOM,
                name,
                egui::FontId::proportional(12.0),
                egui::Color32::WHITE,
            );
        }
        let mut moved = false;
        if response.dragged() || response.clicked() {
            if let Some(pos) = response.interact_pointer_pos() {
                let p = from_screen(rect.clamp(pos));
                if p != self.cursor {
                    self.cursor = p;
                    moved = true;
                }
            }
        }
        let c = to_screen(self.cursor);
        painter.circle_stroke(c, 6.0, egui::Stroke::new(2.0, egui::Color32::WHITE));
        painter.line_segment([c - egui::vec2(9.0, 0.0), c + egui::vec2(9.0, 0.0)], egui::Stroke::new(1.0, egui::Color32::WHITE));
        painter.line_segment([c - egui::vec2(0.0, 9.0), c + egui::vec2(0.0, 9.0)], egui::Stroke::new(1.0, egui::Color32::WHITE));
        moved
    }
}

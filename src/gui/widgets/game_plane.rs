//! The GAN lab's plane (after GAN Lab, Kahng et al. 2019): the discriminator's output as a heat
//! map, real and generated points, the generator's warp of a latent grid drawn as a deformed
//! mesh, and arrows on the fake points along the pull the generator receives.

use eframe::egui::{self, Color32, Pos2, Rect, Stroke};

use crate::views::GameSnapshot;

/// Heat-map resolution: D is evaluated at FIELD_RES² points.
pub const FIELD_RES: usize = 48;
/// Latent mesh: MESH_RES² points on [−MESH_EXTENT, MESH_EXTENT]² of the first two z dims.
pub const MESH_RES: usize = 15;
const MESH_EXTENT: f32 = 2.5;

/// "Fake" (D → 0) and "real" (D → 1) colours, as GAN Lab's purple and green.
const FAKE: Color32 = Color32::from_rgb(150, 90, 200);
const REAL: Color32 = Color32::from_rgb(60, 170, 100);
pub const REAL_POINT: Color32 = Color32::from_rgb(90, 200, 130);
pub const FAKE_POINT: Color32 = Color32::from_rgb(255, 150, 220);

pub struct GamePlane {
    /// The data window: [x_min, y_min] and [x_max, y_max] (square).
    lo: [f32; 2],
    hi: [f32; 2],
    heat: Option<egui::TextureHandle>,
    /// What the last snapshot holds: the mesh's points first, then the fake points.
    mesh: Vec<[f32; 2]>,
    fakes: Vec<[f32; 2]>,
    pull: Vec<[f32; 2]>,
    /// D's range in the last field, for the legend.
    field_range: (f32, f32),
    pub show_heat: bool,
    pub show_mesh: bool,
    pub show_arrows: bool,
    pub show_real: bool,
}

impl GamePlane {
    /// A plane that frames `real` with a margin.
    pub fn new(real: &[[f32; 2]]) -> Self {
        let (mut lo, mut hi) = ([f32::INFINITY; 2], [f32::NEG_INFINITY; 2]);
        for p in real {
            for a in 0..2 {
                lo[a] = lo[a].min(p[a]);
                hi[a] = hi[a].max(p[a]);
            }
        }
        if !lo[0].is_finite() {
            (lo, hi) = ([-1.0; 2], [1.0; 2]);
        }
        let centre = [(lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0];
        let half = ((hi[0] - lo[0]).max(hi[1] - lo[1]) / 2.0) * 1.35 + 0.1;
        Self {
            lo: [centre[0] - half, centre[1] - half],
            hi: [centre[0] + half, centre[1] + half],
            heat: None,
            mesh: Vec::new(),
            fakes: Vec::new(),
            pull: Vec::new(),
            field_range: (0.0, 1.0),
            show_heat: true,
            show_mesh: true,
            show_arrows: true,
            show_real: true,
        }
    }

    /// The points where D is evaluated, row by row from the top.
    pub fn field_points(&self) -> Vec<[f32; 2]> {
        let cell = |i: usize, lo: f32, hi: f32| lo + (i as f32 + 0.5) / FIELD_RES as f32 * (hi - lo);
        (0..FIELD_RES)
            .flat_map(|r| (0..FIELD_RES).map(move |c| (r, c)))
            .map(|(r, c)| [cell(c, self.lo[0], self.hi[0]), cell(FIELD_RES - 1 - r, self.lo[1], self.hi[1])])
            .collect()
    }

    /// The latent mesh's rows: a grid over the first two dims of z, the others at 0.
    pub fn mesh_latents(latent_dim: usize) -> Vec<f32> {
        let mut z = vec![0.0; MESH_RES * MESH_RES * latent_dim];
        for r in 0..MESH_RES {
            for c in 0..MESH_RES {
                let at = |i: usize| -MESH_EXTENT + 2.0 * MESH_EXTENT * i as f32 / (MESH_RES - 1) as f32;
                let row = &mut z[(r * MESH_RES + c) * latent_dim..][..latent_dim];
                row[0] = at(c);
                if latent_dim > 1 {
                    row[1] = at(r);
                }
            }
        }
        z
    }

    /// Takes a snapshot whose points are the mesh's MESH_RES² points, then the fakes.
    /// `probabilistic`: the field is a probability of "real" (else a critic value).
    pub fn set(&mut self, ctx: &egui::Context, snapshot: &GameSnapshot, probabilistic: bool) {
        let m = (MESH_RES * MESH_RES).min(snapshot.points.len());
        let pull = snapshot.pull[m.min(snapshot.pull.len())..].to_vec();
        let range = probabilistic.then_some((0.0, 1.0));
        self.set_parts(ctx, &snapshot.field, snapshot.points[..m].to_vec(), snapshot.points[m..].to_vec(), pull, range);
    }

    /// The same picture from its parts (other families' planes: a GMMN's witness, a flow's
    /// density): a field of FIELD_RES² values (or none, keeping the last heat map), the mesh
    /// (MESH_RES² points or none), the generated points and their arrows. `range`: the field's
    /// fixed scale, else its own minimum to maximum; low is purple, high green.
    pub fn set_parts(
        &mut self,
        ctx: &egui::Context,
        field: &[f32],
        mesh: Vec<[f32; 2]>,
        fakes: Vec<[f32; 2]>,
        pull: Vec<[f32; 2]>,
        range: Option<(f32, f32)>,
    ) {
        self.mesh = mesh;
        self.fakes = fakes;
        self.pull = pull;
        if field.len() != FIELD_RES * FIELD_RES {
            return;
        }
        let (lo, hi) = range.unwrap_or_else(|| {
            let lo = field.iter().copied().fold(f32::INFINITY, f32::min);
            let hi = field.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            (lo, hi.max(lo + 1e-6))
        });
        self.field_range = (lo, hi);
        let pixels: Vec<Color32> = field.iter().map(|&v| heat_colour((v - lo) / (hi - lo))).collect();
        let image = egui::ColorImage::new([FIELD_RES, FIELD_RES], pixels);
        match &mut self.heat {
            Some(t) => t.set(image, egui::TextureOptions::LINEAR),
            None => self.heat = Some(ctx.load_texture("gan-heat", image, egui::TextureOptions::LINEAR)),
        }
    }

    pub fn has_snapshot(&self) -> bool {
        self.heat.is_some()
    }

    pub fn fakes(&self) -> &[[f32; 2]] {
        &self.fakes
    }

    pub fn field_range(&self) -> (f32, f32) {
        self.field_range
    }

    /// Draws the plane in a `side`×`side` square.
    pub fn ui(&self, ui: &mut egui::Ui, side: f32, real: &[[f32; 2]]) -> egui::Response {
        let (response, painter) = ui.allocate_painter(egui::vec2(side, side), egui::Sense::hover());
        let rect = response.rect;
        painter.rect_filled(rect, 2.0, Color32::from_gray(24));
        let to_screen = |p: [f32; 2]| -> Pos2 {
            let u = (p[0] - self.lo[0]) / (self.hi[0] - self.lo[0]);
            let v = (p[1] - self.lo[1]) / (self.hi[1] - self.lo[1]);
            Pos2::new(rect.left() + u * rect.width(), rect.bottom() - v * rect.height())
        };
        if let (true, Some(heat)) = (self.show_heat, &self.heat) {
            let uv = Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0));
            painter.image(heat.id(), rect, uv, Color32::WHITE);
        }
        let clip = painter.with_clip_rect(rect);
        if self.show_mesh && self.mesh.len() == MESH_RES * MESH_RES {
            let stroke = Stroke::new(1.0, Color32::from_rgba_unmultiplied(230, 230, 230, 90));
            for r in 0..MESH_RES {
                for c in 0..MESH_RES {
                    let p = to_screen(self.mesh[r * MESH_RES + c]);
                    if c + 1 < MESH_RES {
                        clip.line_segment([p, to_screen(self.mesh[r * MESH_RES + c + 1])], stroke);
                    }
                    if r + 1 < MESH_RES {
                        clip.line_segment([p, to_screen(self.mesh[(r + 1) * MESH_RES + c])], stroke);
                    }
                }
            }
        }
        if self.show_real {
            for p in real {
                clip.circle(to_screen(*p), 1.8, REAL_POINT, Stroke::new(0.5, Color32::from_gray(20)));
            }
        }
        for p in &self.fakes {
            // Outlined, so fakes stay visible on the purple "fake" half of the heat map.
            clip.circle(to_screen(*p), 2.2, FAKE_POINT, Stroke::new(0.6, Color32::from_gray(20)));
        }
        if self.show_arrows {
            // Arrow lengths relative to the longest pull, so the picture reads whatever the
            // loss's scale.
            let longest = self.pull.iter().map(|g| (g[0] * g[0] + g[1] * g[1]).sqrt()).fold(0.0f32, f32::max);
            if longest > 0.0 {
                let stroke = Stroke::new(1.0, Color32::from_rgb(255, 220, 120));
                for (p, g) in self.fakes.iter().zip(&self.pull).step_by(3) {
                    let from = to_screen(*p);
                    let dir = egui::vec2(g[0], -g[1]) / longest * (side * 0.06);
                    clip.arrow(from, dir, stroke);
                }
            }
        }
        response
    }
}

/// 0 (fake) → purple, 0.5 → dark grey, 1 (real) → green.
fn heat_colour(t: f32) -> Color32 {
    let t = t.clamp(0.0, 1.0);
    let mid = Color32::from_gray(35);
    let (a, b, s) = if t < 0.5 { (FAKE, mid, t * 2.0) } else { (mid, REAL, (t - 0.5) * 2.0) };
    let mix = |x: u8, y: u8| (x as f32 + (y as f32 - x as f32) * s).round() as u8;
    Color32::from_rgb(mix(a.r(), b.r()), mix(a.g(), b.g()), mix(a.b(), b.b()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mesh_spans_its_extent_in_the_first_two_dims_only() {
        let z = GamePlane::mesh_latents(3);
        assert_eq!(z.len(), MESH_RES * MESH_RES * 3);
        assert_eq!(&z[..3], &[-MESH_EXTENT, -MESH_EXTENT, 0.0]);
        let last = &z[z.len() - 3..];
        assert_eq!(last, &[MESH_EXTENT, MESH_EXTENT, 0.0]);
    }
}

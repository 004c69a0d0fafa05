//! A procedural 28×28 image set that needs no files: ten classes of simple shapes drawn at a
//! random position, size and stroke width, anti-aliased. It lets every image family run on a
//! machine with no data at all.

use crate::rng::Rng;

use super::images::{ImageData, ImageSet};

pub const SHAPE_CLASSES: [&str; 10] = ["circle", "square", "triangle", "cross", "plus", "hbar", "vbar", "diagonal", "ring", "dots"];

const SIZE: usize = 28;

/// Generates `n_train` + `n_test` shape images with balanced classes.
pub fn shapes_dataset(n_train: usize, n_test: usize, seed: u64) -> ImageData {
    let mut rng = Rng::new(seed);
    ImageData {
        source: "Shapes (procedural, built in)".into(),
        class_names: SHAPE_CLASSES.iter().map(|s| s.to_string()).collect(),
        train: shapes_set(n_train, &mut rng),
        test: shapes_set(n_test, &mut rng),
    }
}

fn shapes_set(n: usize, rng: &mut Rng) -> ImageSet {
    let mut pixels = Vec::with_capacity(n * SIZE * SIZE);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let class = (i % SHAPE_CLASSES.len()) as u8;
        pixels.extend(draw_shape(class, rng));
        labels.push(class);
    }
    ImageSet { width: SIZE, height: SIZE, pixels, labels }
}

/// Distance from point p to the segment a–b.
fn segment_distance(p: [f32; 2], a: [f32; 2], b: [f32; 2]) -> f32 {
    let ab = [b[0] - a[0], b[1] - a[1]];
    let ap = [p[0] - a[0], p[1] - a[1]];
    let t = ((ap[0] * ab[0] + ap[1] * ab[1]) / (ab[0] * ab[0] + ab[1] * ab[1]).max(1e-6)).clamp(0.0, 1.0);
    let d = [ap[0] - t * ab[0], ap[1] - t * ab[1]];
    (d[0] * d[0] + d[1] * d[1]).sqrt()
}

/// Renders one shape as a signed distance to its stroke, then a soft one-pixel edge.
fn draw_shape(class: u8, rng: &mut Rng) -> Vec<f32> {
    let cx = rng.range(11.0, 17.0) as f32;
    let cy = rng.range(11.0, 17.0) as f32;
    let r = rng.range(6.0, 9.5) as f32;
    let w = rng.range(1.0, 2.2) as f32;
    let c = [cx, cy];
    let corners = |k: usize, phase: f32| -> Vec<[f32; 2]> {
        (0..k)
            .map(|i| {
                let a = phase + i as f32 * std::f32::consts::TAU / k as f32;
                [cx + r * a.cos(), cy + r * a.sin()]
            })
            .collect()
    };
    let polygon = |pts: &[[f32; 2]], p: [f32; 2]| -> f32 {
        (0..pts.len()).map(|i| segment_distance(p, pts[i], pts[(i + 1) % pts.len()])).fold(f32::MAX, f32::min)
    };
    let square = corners(4, std::f32::consts::FRAC_PI_4);
    let triangle = corners(3, -std::f32::consts::FRAC_PI_2);
    let tilt = rng.range(-0.3, 0.3) as f32;
    let mut img = vec![0.0f32; SIZE * SIZE];
    for y in 0..SIZE {
        for x in 0..SIZE {
            let p = [x as f32 + 0.5, y as f32 + 0.5];
            let d = match class {
                0 => ((p[0] - cx).hypot(p[1] - cy) - r).abs(),
                1 => polygon(&square, p),
                2 => polygon(&triangle, p),
                3 => segment_distance(p, [cx - r, cy - r], [cx + r, cy + r]).min(segment_distance(p, [cx - r, cy + r], [cx + r, cy - r])),
                4 => segment_distance(p, [cx - r, cy], [cx + r, cy]).min(segment_distance(p, [cx, cy - r], [cx, cy + r])),
                5 => segment_distance(p, [cx - r, cy + tilt * r], [cx + r, cy - tilt * r]),
                6 => segment_distance(p, [cx + tilt * r, cy - r], [cx - tilt * r, cy + r]),
                7 => segment_distance(p, [cx - r, cy + r], [cx + r, cy - r]),
                8 => ((p[0] - cx).hypot(p[1] - cy) - r).abs().min(((p[0] - cx).hypot(p[1] - cy) - r * 0.45).abs()),
                _ => {
                    let a = [c[0] - r * 0.6, c[1]];
                    let b = [c[0] + r * 0.6, c[1]];
                    ((p[0] - a[0]).hypot(p[1] - a[1]) - w).max(0.0).min(((p[0] - b[0]).hypot(p[1] - b[1]) - w).max(0.0))
                }
            };
            img[y * SIZE + x] = (w - d + 0.5).clamp(0.0, 1.0);
        }
    }
    img
}

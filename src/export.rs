//! Image grids as RGBA pixels and PNG files (for the GUI's textures, exports and the CLI).

use std::path::Path;

use crate::train::checkpoint::write_atomic;
use crate::train::{ImageBatch, Samples};
use crate::views::Trajectory;

/// Lays `batch` out in a grid of `cols` columns with a 1-pixel gap; returns (width, height, RGBA).
pub fn grid_rgba(batch: &ImageBatch, cols: usize) -> (usize, usize, Vec<u8>) {
    let cols = cols.clamp(1, batch.n.max(1));
    let rows = batch.n.div_ceil(cols).max(1);
    let (w, h) = (batch.width, batch.height);
    let (gw, gh) = (cols * (w + 1) + 1, rows * (h + 1) + 1);
    let mut rgba = vec![0u8; gw * gh * 4];
    for px in rgba.chunks_mut(4) {
        px.copy_from_slice(&[40, 40, 48, 255]);
    }
    for i in 0..batch.n {
        let (r, c) = (i / cols, i % cols);
        let img = batch.image(i);
        for y in 0..h {
            for x in 0..w {
                let v = (img[y * w + x].clamp(0.0, 1.0) * 255.0).round() as u8;
                let o = ((1 + r * (h + 1) + y) * gw + 1 + c * (w + 1) + x) * 4;
                rgba[o..o + 4].copy_from_slice(&[v, v, v, 255]);
            }
        }
    }
    (gw, gh, rgba)
}

/// Writes a grid of images as a PNG, atomically, scaled up `scale`× so it is readable.
pub fn save_grid_png(batch: &ImageBatch, cols: usize, scale: u32, path: &Path) -> Result<(), String> {
    let (w, h, rgba) = grid_rgba(batch, cols);
    let img = image::RgbaImage::from_raw(w as u32, h as u32, rgba).ok_or("internal: grid size mismatch")?;
    let img = image::imageops::resize(&img, w as u32 * scale, h as u32 * scale, image::imageops::FilterType::Nearest);
    let mut bytes = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
        .map_err(|e| format!("{}: cannot encode PNG ({e})", path.display()))?;
    write_atomic(path, &bytes)
}

/// The square that holds every finite point with a margin, one scale for both axes (so
/// circles stay circles): (centre, side).
pub fn scatter_bounds<'a>(points: impl IntoIterator<Item = &'a [f32; 2]>) -> Option<([f32; 2], f32)> {
    let (mut lo, mut hi) = ([f32::INFINITY; 2], [f32::NEG_INFINITY; 2]);
    for p in points.into_iter().filter(|p| p[0].is_finite() && p[1].is_finite()) {
        for a in 0..2 {
            lo[a] = lo[a].min(p[a]);
            hi[a] = hi[a].max(p[a]);
        }
    }
    if !(lo[0] <= hi[0] && lo[1] <= hi[1]) {
        return None;
    }
    let span = (hi[0] - lo[0]).max(hi[1] - lo[1]).max(1e-3) * 1.1;
    Some(([(lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0], span))
}

/// Generated points (orange) over real points (grey) on a dark square of `size` pixels.
pub fn scatter_image(points: &[[f32; 2]], real: &[[f32; 2]], size: u32, (centre, span): ([f32; 2], f32)) -> image::RgbaImage {
    let mut img = image::RgbaImage::from_pixel(size, size, image::Rgba([24, 24, 30, 255]));
    let mut dot = |p: &[f32; 2], colour: [u8; 4]| {
        let x = ((p[0] - centre[0]) / span + 0.5) * size as f32;
        let y = (0.5 - (p[1] - centre[1]) / span) * size as f32;
        for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            let (px, py) = (x as i64 + dx, y as i64 + dy);
            if (0..size as i64).contains(&px) && (0..size as i64).contains(&py) {
                img.put_pixel(px as u32, py as u32, image::Rgba(colour));
            }
        }
    };
    real.iter().for_each(|p| dot(p, [150, 150, 150, 255]));
    points.iter().for_each(|p| dot(p, [242, 142, 43, 255]));
    img
}

/// Draws generated points over real points in a square PNG, fitted to both; written atomically.
pub fn save_scatter_png(points: &[[f32; 2]], real: &[[f32; 2]], size: u32, path: &Path) -> Result<(), String> {
    let bounds = scatter_bounds(points.iter().chain(real)).ok_or("no finite points to draw")?;
    let img = scatter_image(points, real, size, bounds);
    let mut bytes = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
        .map_err(|e| format!("{}: cannot encode PNG ({e})", path.display()))?;
    write_atomic(path, &bytes)
}

/// One frame of a denoising trajectory: x_t beside the predicted x̂₀ (images, scaled 2×), or
/// the points x_t (2-D) in fixed bounds.
fn trajectory_frame(x_t: &Samples, x0: &Samples, bounds: ([f32; 2], f32)) -> image::RgbaImage {
    match (x_t, x0) {
        (Samples::Images(a), Samples::Images(b)) => {
            let cols = (a.n as f64).sqrt().ceil() as usize;
            let (w, h, left) = grid_rgba(a, cols);
            let (_, _, right) = grid_rgba(b, cols);
            let gap = 8;
            let mut img = image::RgbaImage::from_pixel((2 * w + gap) as u32, h as u32, image::Rgba([24, 24, 30, 255]));
            for y in 0..h {
                for x in 0..w {
                    let o = (y * w + x) * 4;
                    img.put_pixel(x as u32, y as u32, image::Rgba([left[o], left[o + 1], left[o + 2], 255]));
                    img.put_pixel((w + gap + x) as u32, y as u32, image::Rgba([right[o], right[o + 1], right[o + 2], 255]));
                }
            }
            image::imageops::resize(&img, img.width() * 2, img.height() * 2, image::imageops::FilterType::Nearest)
        }
        (Samples::Points(p), _) => scatter_image(p, &[], 360, bounds),
        _ => image::RgbaImage::new(1, 1),
    }
}

/// The denoising run as an animated GIF (x_t beside x̂₀ for images), each step shown for
/// `frame_ms`, the result held for a second at the end; written atomically.
pub fn save_trajectory_gif(trajectory: &Trajectory, frame_ms: u32, path: &Path) -> Result<(), String> {
    use image::codecs::gif::{GifEncoder, Repeat};
    let every: Vec<&[f32; 2]> = trajectory
        .steps
        .iter()
        .flat_map(|s| match &s.x_t {
            Samples::Points(p) => p.iter().collect::<Vec<_>>(),
            Samples::Images(_) | Samples::Text(_) => Vec::new(),
        })
        .collect();
    let bounds = scatter_bounds(every).unwrap_or(([0.0, 0.0], 1.0));
    let mut frames = Vec::new();
    for step in &trajectory.steps {
        frames.push((trajectory_frame(&step.x_t, &step.x0, bounds), frame_ms));
    }
    frames.push((trajectory_frame(&trajectory.result, &trajectory.result, bounds), 1000));
    let mut bytes = Vec::new();
    {
        let mut encoder = GifEncoder::new_with_speed(&mut bytes, 10);
        encoder.set_repeat(Repeat::Infinite).map_err(|e| format!("{}: cannot encode GIF ({e})", path.display()))?;
        for (img, ms) in frames {
            let frame = image::Frame::from_parts(img, 0, 0, image::Delay::from_numer_denom_ms(ms, 1));
            encoder.encode_frame(frame).map_err(|e| format!("{}: cannot encode GIF ({e})", path.display()))?;
        }
    }
    write_atomic(path, &bytes)
}

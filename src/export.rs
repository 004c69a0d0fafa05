//! Image grids as RGBA pixels and PNG files (for the GUI's textures, exports and the CLI).

use std::path::Path;

use crate::train::checkpoint::write_atomic;
use crate::train::ImageBatch;

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

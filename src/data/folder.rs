//! The user's own images: a folder of PNG/JPEG files, or a folder with one subfolder per class.
//! Every image becomes a 28×28 grey image in [0, 1] like MNIST's: centre-cropped to a square,
//! resized, and inverted when its background is light (MNIST draws light strokes on black).
//! One in five images (in a fixed shuffled order) is held out as the test split.

use std::path::{Path, PathBuf};

use image::imageops::FilterType;

use super::images::{ImageData, ImageSet};
use crate::rng::Rng;

pub const FOLDER_SIZE: usize = 28;
/// More images than this are ignored (with a note), to keep memory and loading time bounded.
pub const MAX_IMAGES: usize = 100_000;

fn is_image(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref(),
        Some("png" | "jpg" | "jpeg")
    )
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: cannot open the folder ({e})", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
        .collect();
    entries.sort();
    Ok(entries)
}

/// The images of a folder and their classes: subfolders holding images are classes (sorted by
/// name); otherwise the folder's own images form one class.
fn list_images(dir: &Path) -> Result<(Vec<(PathBuf, u8)>, Vec<String>), String> {
    let entries = sorted_entries(dir)?;
    let mut classes = Vec::new();
    let mut files = Vec::new();
    for sub in entries.iter().filter(|p| p.is_dir()) {
        let images: Vec<PathBuf> = sorted_entries(sub)?.into_iter().filter(|p| p.is_file() && is_image(p)).collect();
        if images.is_empty() {
            continue;
        }
        if classes.len() == 255 {
            return Err(format!("{}: more than 255 class subfolders", dir.display()));
        }
        let label = classes.len() as u8;
        classes.push(sub.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
        files.extend(images.into_iter().map(|p| (p, label)));
    }
    if classes.is_empty() {
        files = entries.into_iter().filter(|p| p.is_file() && is_image(p)).map(|p| (p, 0)).collect();
        classes.push("images".to_string());
    }
    Ok((files, classes))
}

/// One file as a 28×28 grey image in [0, 1], light strokes on a dark background.
fn load_one(path: &Path) -> Result<Vec<f32>, String> {
    let img = image::open(path).map_err(|e| format!("{}: not a readable PNG/JPEG image ({e})", path.display()))?;
    let grey = img.to_luma8();
    let (w, h) = grey.dimensions();
    if w == 0 || h == 0 {
        return Err(format!("{}: the image is empty", path.display()));
    }
    let side = w.min(h);
    let square = image::imageops::crop_imm(&grey, (w - side) / 2, (h - side) / 2, side, side).to_image();
    let small = image::imageops::resize(&square, FOLDER_SIZE as u32, FOLDER_SIZE as u32, FilterType::Triangle);
    let mut pixels: Vec<f32> = small.pixels().map(|p| p[0] as f32 / 255.0).collect();
    // The border's mean brightness tells the background: light means dark-on-light drawings.
    let n = FOLDER_SIZE;
    let border: Vec<f32> = (0..n).flat_map(|i| [pixels[i], pixels[(n - 1) * n + i], pixels[i * n], pixels[i * n + n - 1]]).collect();
    if border.iter().sum::<f32>() / border.len() as f32 > 0.5 {
        pixels.iter_mut().for_each(|p| *p = 1.0 - *p);
    }
    Ok(pixels)
}

/// Loads a folder of images as a dataset. Files that are not readable images are skipped and
/// counted in `source`; a folder with no readable image is an error that names it.
pub fn load_image_folder(dir: &Path) -> Result<ImageData, String> {
    if !dir.is_dir() {
        return Err(format!("{}: no such folder", dir.display()));
    }
    let (mut files, class_names) = list_images(dir)?;
    if files.is_empty() {
        return Err(format!(
            "{}: no PNG or JPEG images in it (put images in the folder, or one subfolder of images per class)",
            dir.display()
        ));
    }
    let total = files.len();
    // A fixed order, so the same folder always gives the same split.
    Rng::new(0xF01D).shuffle(&mut files);
    files.truncate(MAX_IMAGES);
    let mut train = ImageSet { width: FOLDER_SIZE, height: FOLDER_SIZE, pixels: Vec::new(), labels: Vec::new() };
    let mut test = train.clone();
    let mut skipped: Vec<String> = Vec::new();
    let mut readable = 0;
    for (path, label) in &files {
        match load_one(path) {
            Ok(pixels) => {
                let split = if readable % 5 == 4 { &mut test } else { &mut train };
                split.pixels.extend(pixels);
                split.labels.push(*label);
                readable += 1;
            }
            Err(e) => skipped.push(e),
        }
    }
    if train.is_empty() || test.is_empty() {
        let why = skipped.first().cloned().unwrap_or_else(|| "too few images".into());
        return Err(format!(
            "{}: need at least 2 readable images for a training and a test split ({} readable; {why})",
            dir.display(),
            train.len() + test.len()
        ));
    }
    let mut source = format!(
        "your images from {} ({} classes, {} train / {} test, as 28×28 grey",
        dir.display(),
        class_names.len(),
        train.len(),
        test.len()
    );
    if !skipped.is_empty() {
        source += &format!("; skipped {} unreadable files, e.g. {}", skipped.len(), skipped[0]);
    }
    if total > MAX_IMAGES {
        source += &format!("; used the first {MAX_IMAGES} of {total}");
    }
    source.push(')');
    Ok(ImageData { source, class_names, train, test })
}

//! The user's own images: a folder of PNG/JPEG files, or a folder with one subfolder per class.
//! Every image becomes a 28×28 grey image in [0, 1] like MNIST's: centre-cropped to a square,
//! resized, and inverted when its background is light (MNIST draws light strokes on black).
//! One in five images (in a fixed shuffled order) is held out as the test split.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::imageops::FilterType;
use image::{ImageError, ImageReader, Limits};

use super::images::{ImageData, ImageSet};
use crate::limits;
use crate::rng::Rng;

pub const FOLDER_SIZE: usize = 28;
/// More images than this are ignored (with a note), to keep memory and loading time bounded.
pub const MAX_IMAGES: usize = 100_000;
/// Entries (files and folders) listed in an image folder and its class subfolders together;
/// more is an error, so a huge tree cannot fill memory with paths before anything is decoded.
pub const MAX_LISTED: usize = 1_000_000;
/// The widest and tallest image decoded (268 megapixels, more than nearly any photograph); the
/// decoder checks this against the file's header before it allocates the pixels.
pub const MAX_IMAGE_SIDE: u32 = 16_384;
/// What one image's decoder may allocate: the image crate's own default (512 MiB).
const MAX_DECODE_BYTES: u64 = 512 << 20;
/// One readable image in this many goes to the test split, so a folder needs at least this
/// many for both splits to hold an image.
const TEST_EVERY: usize = 5;

fn is_image(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref(), Some("png" | "jpg" | "jpeg"))
}

/// The visible entries of `dir`, sorted; `listed` counts every entry read so far in this
/// image folder, against `MAX_LISTED`.
fn sorted_entries(dir: &Path, listed: &mut usize) -> Result<Vec<PathBuf>, String> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: cannot open the folder ({e})", dir.display()))?.filter_map(Result::ok) {
        *listed += 1;
        if *listed > MAX_LISTED {
            return Err(format!(
                "{}: the image folder and its subfolders hold more than {MAX_LISTED} files and folders, \
                 more than genlab lists; choose a folder with fewer",
                dir.display()
            ));
        }
        let path = entry.path();
        if !path.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')) {
            entries.push(path);
        }
    }
    entries.sort();
    Ok(entries)
}

/// Up to five names, then how many more: for messages about a list that may be long.
fn some_names(names: &[String]) -> String {
    let shown: Vec<String> = names.iter().take(5).map(|n| format!("\"{n}\"")).collect();
    match names.len().saturating_sub(5) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

/// The images of a folder and their classes: subfolders holding images are classes (sorted by
/// name); otherwise the folder's own images form one class. Images beside class subfolders
/// would belong to no class, so that layout is an error rather than a silent omission.
fn list_images(dir: &Path) -> Result<(Vec<(PathBuf, u8)>, Vec<String>), String> {
    let mut listed = 0;
    let entries = sorted_entries(dir, &mut listed)?;
    let top_level: Vec<PathBuf> = entries.iter().filter(|p| p.is_file() && is_image(p)).cloned().collect();
    let mut classes = Vec::new();
    let mut files = Vec::new();
    for sub in entries.iter().filter(|p| p.is_dir()) {
        let images: Vec<PathBuf> = sorted_entries(sub, &mut listed)?.into_iter().filter(|p| p.is_file() && is_image(p)).collect();
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
        files = top_level.into_iter().map(|p| (p, 0)).collect();
        classes.push("images".to_string());
    } else if !top_level.is_empty() {
        return Err(format!(
            "{}: holds {} images of its own beside the class subfolders {}; those {} would belong to no class. \
             Move them into a class subfolder, or into a folder of their own to train on them as one class",
            dir.display(),
            top_level.len(),
            some_names(&classes),
            top_level.len()
        ));
    }
    Ok((files, classes))
}

/// One file as a 28×28 grey image in [0, 1], light strokes on a dark background. The file's
/// size and the image's dimensions are bounded before its pixels are decoded.
fn load_one(path: &Path) -> Result<Vec<f32>, String> {
    let name = path.display();
    let bytes = limits::read_file_capped(path, limits::files::IMAGE_BYTES)?;
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|e| format!("{name}: cannot read ({e})"))?;
    let mut bounds = Limits::default();
    bounds.max_image_width = Some(MAX_IMAGE_SIDE);
    bounds.max_image_height = Some(MAX_IMAGE_SIDE);
    bounds.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(bounds);
    let img = reader.decode().map_err(|e| match e {
        ImageError::Limits(_) => format!(
            "{name}: too large to decode ({e}): genlab decodes images of at most {MAX_IMAGE_SIDE}×{MAX_IMAGE_SIDE} pixels and {} MiB",
            MAX_DECODE_BYTES >> 20
        ),
        _ => format!("{name}: not a readable PNG/JPEG image ({e})"),
    })?;
    let grey = img.to_luma8();
    let (w, h) = grey.dimensions();
    if w == 0 || h == 0 {
        return Err(format!("{name}: the image is empty"));
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

/// Loads a folder of images as a dataset. Files that are not readable images (or too large)
/// are skipped and counted in `source`; a folder with too few readable images is an error that
/// names it.
pub fn load_image_folder(dir: &Path) -> Result<ImageData, String> {
    super::check_data_folder(dir)?;
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
                let split = if readable % TEST_EVERY == TEST_EVERY - 1 { &mut test } else { &mut train };
                split.pixels.extend(pixels);
                split.labels.push(*label);
                readable += 1;
            }
            Err(e) => skipped.push(e),
        }
    }
    if readable < TEST_EVERY {
        let why = skipped.first().map_or(String::new(), |e| format!("; {} files skipped, e.g. {e}", skipped.len()));
        return Err(format!(
            "{}: {readable} readable images, but genlab needs at least {TEST_EVERY}: one in {TEST_EVERY} is held out \
             as the test split and the rest are for training{why}",
            dir.display()
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
        source += &format!("; used {MAX_IMAGES} of {total}, picked at random with a fixed seed");
    }
    source.push(')');
    Ok(ImageData { source, class_names, train, test })
}

//! `genlab inpaint`: hide part of the first test images, let a checkpoint's model fill it in,
//! and write originals, masked inputs and completions as a PNG grid; prints the mean squared
//! error on the hidden pixels beside the error of filling them with the training mean.

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::data::{DatasetId, load_images};
use crate::device::ComputeDevice;
use crate::eval::EvalOptions;
use crate::eval::run::{checkpoint_data_dir, checkpoint_dataset};
use crate::limits::{check_alloc, check_range};
use crate::models::diffusion::inpaint::MAX_RESAMPLINGS;
use crate::models::diffusion::{DiffusionFamily, RepaintSettings};
use crate::models::{checkpoint_family, checkpoint_values_per_sample, load_family};
use crate::views::Model;
use crate::views::inpaint::{MaskKind, hidden_errors};

use super::DatasetArg;

/// The most images one command completes: 1,000 (default 16); the PixelCNN makes one network
/// pass per hidden pixel for them all, and the grid is 8 images wide.
pub const MAX_IMAGES: usize = 1000;

#[derive(Args, Debug, Clone)]
pub struct InpaintArgs {
    /// A checkpoint folder written by `genlab train` or the GUI, of a model that fills in
    /// images (PixelCNN, VAE, autoencoder, RBM, diffusion on images).
    #[arg(long)]
    pub checkpoint: PathBuf,
    /// The pixels to hide: bottom-half, top-half, right-half, left-half, centre, or
    /// random:FRACTION (each pixel hidden with that probability, drawn from --seed).
    #[arg(long)]
    pub mask: MaskKind,
    /// How many images: the first of the dataset's test set.
    #[arg(long, default_value_t = 16)]
    pub n: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The PNG grid: per group of 8 images, a row of originals, a row of masked inputs
    /// (hidden pixels in blue) and a row of completions.
    #[arg(long)]
    pub out: PathBuf,
    /// The dataset, when the checkpoint does not record it.
    #[arg(long, value_enum)]
    pub dataset: Option<DatasetArg>,
    /// Diffusion: RePaint's resamplings r (1: none, the default; Lugmayr et al. use 10).
    #[arg(long)]
    pub resamplings: Option<usize>,
    /// Diffusion: sampler steps noised back up per resampling (RePaint's jump length; 10).
    #[arg(long)]
    pub jump: Option<usize>,
}

pub fn run(args: &InpaintArgs, device: &ComputeDevice, data_dir: Option<&Path>) -> Result<(), String> {
    check_range("--n", args.n, 1, MAX_IMAGES)?;
    if let Some(r) = args.resamplings {
        check_range("--resamplings", r, 1, MAX_RESAMPLINGS)?;
    }
    if let Some(j) = args.jump {
        check_range("--jump", j, 1, crate::models::bounds::MAX_TIMESTEPS)?;
    }
    check_out(&args.out)?;
    let dir = &args.checkpoint;
    let options = EvalOptions { dataset: args.dataset.map(DatasetArg::id), ..EvalOptions::default() };
    let dataset = checkpoint_dataset(dir, &options)?;
    let DatasetId::Images(id) = dataset else {
        return Err(format!("{}: trained on {}; inpainting is for images", dir.display(), dataset.label()));
    };
    // The images, their completions, the grid and the model's working copies (a generous
    // factor: this catches the absurd, not the tight).
    let values = checkpoint_values_per_sample(dir)?;
    check_alloc(&format!("--n {} images of {values} pixels each", args.n), args.n as u128 * values, 4 * 64)?;
    let data = load_images(id, checkpoint_data_dir(dir, data_dir).as_deref())?;
    let test = &data.test;
    let d = test.pixels_per_image();
    if values != d as u128 {
        return Err(format!(
            "{}: the model makes images of {values} pixels but {}'s are {}×{} = {d}",
            dir.display(),
            id.label(),
            test.width,
            test.height
        ));
    }
    let n = args.n.min(test.len());
    if n == 0 {
        return Err(format!("{} has no test images to fill in", id.label()));
    }
    if n < args.n {
        eprintln!("genlab: {} has {n} test images; inpainting all of them", id.label());
    }
    let hidden = args.mask.hidden(test.width, test.height, args.seed);
    let hidden_count = hidden.iter().filter(|&&h| h).count();
    if hidden_count == 0 {
        return Err(format!("--mask {:?} hides no pixel of these {}×{} images", args.mask, test.width, test.height));
    }

    let mut family = load(args, device)?;
    let name = family.family_name();
    let Some(view) = family.inpainter() else {
        return Err(format!(
            "{}: this {name} model cannot fill in images (genlab inpaints with PixelCNN, VAE, autoencoder, RBM and \
             diffusion checkpoints)",
            dir.display()
        ));
    };
    let truth = &test.pixels[..n * d];
    let completed = view.inpaint(truth, n, &hidden, args.seed)?;
    let (method, caveat) = (view.method(), view.caveat(&hidden));
    if completed.len() != n * d {
        return Err(format!("internal: {} values came back for {n} images of {d} pixels", completed.len()));
    }

    save_grid(truth, &completed, &hidden, n, (test.width, test.height), &args.out)?;
    println!("{}", args.out.display());
    println!("method: {method}");
    if let Some(caveat) = caveat {
        println!("caveat: {caveat}");
    }
    let errors = hidden_errors(truth, &completed, &hidden, n, &data.train.pixels, d);
    println!(
        "MSE on the {hidden_count} hidden pixels of {n} {} test images: completion {:.4}, training mean image {:.4}, \
         training mean grey level ({:.3}) {:.4}",
        id.label(),
        errors.completion,
        errors.mean_image,
        errors.grey,
        errors.mean_grey
    );
    if errors.completion > errors.mean_image {
        println!(
            "note: a completion is one plausible image, not an average over them: its squared error is about twice \
             their spread, and can exceed the mean image's, which is the best guess in squared error that ignores the \
             visible pixels"
        );
    }
    Ok(())
}

/// The checkpoint's model, with RePaint's settings applied when they are given (diffusion only).
fn load(args: &InpaintArgs, device: &ComputeDevice) -> Result<Box<dyn Model>, String> {
    if args.resamplings.is_none() && args.jump.is_none() {
        return load_family(&args.checkpoint, &device.device);
    }
    let kind = checkpoint_family(&args.checkpoint)?;
    if kind.name() != crate::models::diffusion::family::FAMILY_NAME {
        return Err(format!(
            "{}: --resamplings and --jump apply to diffusion models; this checkpoint is {}",
            args.checkpoint.display(),
            kind.with_article()
        ));
    }
    let defaults = RepaintSettings::default();
    let settings =
        RepaintSettings { resamplings: args.resamplings.unwrap_or(defaults.resamplings), jump: args.jump.unwrap_or(defaults.jump) };
    Ok(Box::new(DiffusionFamily::load_with_repaint(&args.checkpoint, &device.device, settings)?))
}

/// Images per row of the grid.
const GRID_COLUMNS: usize = 8;
/// Pixels between one group's three rows and the next group's.
const GROUP_GAP: usize = 4;
const BACKGROUND: [u8; 4] = [40, 40, 48, 255];
/// Hidden pixels in the masked row: a blue no grey image has.
const HIDDEN_TINT: [u8; 4] = [52, 101, 164, 255];
/// A `tEXt` chunk (keyword "Software") in every grid this command writes: how a later run
/// knows that the file is genlab's and may be replaced.
const MARK: &[u8] = b"Software\0genlab inpaint";

/// Originals, masked inputs and completions, three rows per group of `GRID_COLUMNS` images,
/// scaled 3× and written atomically as a PNG carrying `MARK`.
fn save_grid(truth: &[f32], completed: &[f32], hidden: &[bool], n: usize, (w, h): (usize, usize), path: &Path) -> Result<(), String> {
    let d = w * h;
    let cols = n.clamp(1, GRID_COLUMNS);
    let groups = n.div_ceil(cols);
    let block = 3 * (h + 1) + GROUP_GAP;
    let (gw, gh) = (cols * (w + 1) + 1, groups * block - GROUP_GAP + 1);
    let mut img = image::RgbaImage::from_pixel(gw as u32, gh as u32, image::Rgba(BACKGROUND));
    let grey = |v: f32| {
        let g = (v.clamp(0.0, 1.0) * 255.0).round() as u8;
        [g, g, g, 255]
    };
    for i in 0..n {
        let (left, top) = ((i % cols) * (w + 1) + 1, (i / cols) * block + 1);
        for p in 0..d {
            let (x, y) = (left + p % w, top + p / w);
            let given = grey(truth[i * d + p]);
            let masked = if hidden[p] { HIDDEN_TINT } else { given };
            for (row, colour) in [given, masked, grey(completed[i * d + p])].into_iter().enumerate() {
                img.put_pixel(x as u32, (y + row * (h + 1)) as u32, image::Rgba(colour));
            }
        }
    }
    let img = image::imageops::resize(&img, gw as u32 * 3, gh as u32 * 3, image::imageops::FilterType::Nearest);
    let mut bytes = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
        .map_err(|e| format!("{}: cannot encode PNG ({e})", path.display()))?;
    crate::train::checkpoint::write_atomic(path, &with_mark(bytes)?)
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The PNG with `MARK` as a `tEXt` chunk right after its header chunk (PNG 1.2, §4.2.3.1):
/// length, type, data, and the CRC-32 of type and data (the same CRC as gzip's).
fn with_mark(png: Vec<u8>) -> Result<Vec<u8>, String> {
    let header_end = png
        .get(8..12)
        .filter(|_| png.starts_with(PNG_SIGNATURE))
        .map(|len| 8 + 12 + u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize)
        .filter(|&end| end <= png.len())
        .ok_or("internal: the PNG encoder wrote no header chunk")?;
    let mut crc = flate2::Crc::new();
    crc.update(b"tEXt");
    crc.update(MARK);
    let mut out = Vec::with_capacity(png.len() + MARK.len() + 12);
    out.extend_from_slice(&png[..header_end]);
    out.extend_from_slice(&(MARK.len() as u32).to_be_bytes());
    out.extend_from_slice(b"tEXt");
    out.extend_from_slice(MARK);
    out.extend_from_slice(&crc.sum().to_be_bytes());
    out.extend_from_slice(&png[header_end..]);
    Ok(out)
}

/// Whether `path` is a PNG that carries `MARK` right after its header (the first 128 bytes).
fn written_by_genlab(path: &Path) -> bool {
    let mut head = Vec::new();
    let read = std::fs::File::open(path).and_then(|file| file.take(128).read_to_end(&mut head));
    let mut chunk = b"tEXt".to_vec();
    chunk.extend_from_slice(MARK);
    read.is_ok() && head.starts_with(PNG_SIGNATURE) && head.windows(chunk.len()).any(|w| w == chunk.as_slice())
}

/// `--out` must be a new .png file or a grid this command wrote before: anything else is the
/// user's and is never written over.
fn check_out(out: &Path) -> Result<(), String> {
    if !out.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("png")) {
        return Err(format!("{}: name the grid with a .png extension", out.display()));
    }
    match std::fs::symlink_metadata(out) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("{}: cannot look at the file ({e})", out.display())),
        Ok(meta) if meta.is_file() && written_by_genlab(out) => Ok(()),
        Ok(_) => Err(format!(
            "{}: already exists and is not a grid genlab inpaint wrote; genlab does not write over other files. Pick a new --out.",
            out.display()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mark_makes_a_valid_png_that_is_recognised() {
        let dir = std::env::temp_dir().join(format!("genlab-inpaint-mark-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("grid.png");
        let (truth, hidden) = (vec![0.25f32; 2 * 16], MaskKind::BottomHalf.hidden(4, 4, 0));
        save_grid(&truth, &vec![1.0; 2 * 16], &hidden, 2, (4, 4), &path).unwrap();
        assert!(written_by_genlab(&path));
        // The image crate decodes it (the chunk's CRC is right) at 3× the grid's size.
        let img = image::open(&path).unwrap();
        assert_eq!((img.width(), img.height()), ((2 * 5 + 1) * 3, (3 * 5 + 1) * 3));
        assert!(check_out(&path).is_ok(), "a grid genlab wrote may be replaced");
        let other = dir.join("photo.png");
        std::fs::write(&other, b"\x89PNG\r\n\x1a\nsomeone else's").unwrap();
        assert!(check_out(&other).unwrap_err().contains("does not write over"));
        assert!(check_out(&dir.join("grid.jpg")).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}

//! The inpainting panel's work, on a job's thread: the data a checkpoint trained on (its test
//! images and training mean image), and every model's completions of one image with their
//! errors on the hidden pixels.

use std::path::{Path, PathBuf};

use burn::tensor::Device;

use crate::data::{DatasetId, load_images};
use crate::eval::EvalOptions;
use crate::eval::run::{checkpoint_data_dir, checkpoint_dataset};
use crate::models::diffusion::family::FAMILY_NAME as DIFFUSION;
use crate::models::diffusion::{DiffusionFamily, RepaintSettings};
use crate::models::{checkpoint_family, checkpoint_values_per_sample, load_family};
use crate::train::ImageBatch;
use crate::views::Model;
use crate::views::inpaint::hidden_errors;

use super::super::super::job::Reporter;
use super::inpaint::{Data, Row};

/// The test split and training mean of the data a checkpoint trained on.
pub(super) fn load_data(dir: &Path) -> Result<Data, String> {
    let dataset = checkpoint_dataset(dir, &EvalOptions::default())?;
    let DatasetId::Images(id) = dataset else {
        return Err(format!("{}: trained on {}; inpainting is for images", dir.display(), dataset.label()));
    };
    let data = load_images(id, checkpoint_data_dir(dir, None).as_deref())?;
    let d = data.train.pixels_per_image();
    let mut mean = vec![0.0f64; d];
    for image in data.train.pixels.chunks(d) {
        mean.iter_mut().zip(image).for_each(|(m, &v)| *m += v as f64);
    }
    let count = data.train.len().max(1) as f64;
    Ok(Data { test: data.test, mean: mean.into_iter().map(|m| (m / count) as f32).collect() })
}

/// Fills in `truth` (one image) with every model, `k` completions each.
/// What fills in: the checkpoint's model, a diffusion model with RePaint's `resamplings`.
fn load_model(dir: &Path, device: &Device, resamplings: usize) -> Result<Box<dyn Model>, String> {
    if checkpoint_family(dir)?.name() == DIFFUSION {
        let settings = RepaintSettings { resamplings, ..RepaintSettings::default() };
        return Ok(Box::new(DiffusionFamily::load_with_repaint(dir, device, settings)?));
    }
    load_family(dir, device)
}

/// What one "Fill in" asks for.
pub(super) struct Request {
    pub(super) k: usize,
    pub(super) seed: u64,
    pub(super) resamplings: usize,
}

pub(super) fn run(
    models: &[PathBuf],
    truth: &[f32],
    hidden: &[bool],
    request: &Request,
    mean: &[f32],
    device: &Device,
    r: &Reporter,
) -> Vec<Result<Row, String>> {
    let Request { k, seed, resamplings } = *request;
    let d = truth.len();
    let mut rows = Vec::new();
    for (i, dir) in models.iter().enumerate() {
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| dir.display().to_string());
        if !r.report(&format!("{name} fills in"), i as f64 / models.len() as f64) {
            break;
        }
        let row = (|| {
            let values = checkpoint_values_per_sample(dir)?;
            if values != d as u128 {
                return Err(format!("{name}: its model reads images of {values} pixels, this one has {d}"));
            }
            let kind = checkpoint_family(dir)?;
            let mut model = load_model(dir, device, resamplings)?;
            let view = model.inpainter().ok_or_else(|| format!("{name}: {} cannot fill in images", kind.with_article()))?;
            let x: Vec<f32> = truth.iter().copied().cycle().take(k * d).collect();
            let completed = view.inpaint(&x, k, hidden, seed)?;
            if completed.len() != k * d {
                return Err(format!("{name}: {} values came back for {k} images", completed.len()));
            }
            let each: Vec<f64> = completed.chunks(d).map(|c| hidden_errors(truth, c, hidden, 1, mean, d).completion).collect();
            let mut average = vec![0.0f32; d];
            for c in completed.chunks(d) {
                average.iter_mut().zip(c).for_each(|(a, v)| *a += v / k as f32);
            }
            let errors = hidden_errors(truth, &average, hidden, 1, mean, d);
            let masked: Vec<f32> = truth.iter().zip(hidden).map(|(&v, &h)| if h { f32::NAN } else { v }).collect();
            let mut pixels = Vec::with_capacity((k + 3) * d);
            pixels.extend_from_slice(truth);
            pixels.extend(masked.iter().map(|v| if v.is_nan() { 0.5 } else { *v }));
            pixels.extend_from_slice(&completed);
            pixels.extend_from_slice(&average);
            let side = (d as f64).sqrt() as usize;
            let grid = (side * side == d).then_some(ImageBatch { n: k + 3, width: side, height: side, pixels });
            let steps = view.inpaint_steps(truth, hidden, seed)?.unwrap_or_default();
            Ok(Row {
                name: format!("{name} ({})", kind.label()),
                method: view.method(),
                caveat: view.caveat(hidden),
                steps,
                each,
                average: errors.completion,
                mean_image: errors.mean_image,
                grid,
            })
        })();
        rows.push(row);
    }
    rows
}

//! The inpainting view: fill the hidden part of images from what the model learned, keeping
//! every visible pixel as it is. Each family does it its own way (PixelCNN samples the hidden
//! pixels in raster order given the visible ones, the VAE iterates encode/decode with the
//! visible pixels clamped, the RBM Gibbs-samples with the visible units clamped, diffusion
//! replaces the known region at every step as RePaint does).

use std::str::FromStr;

use super::{Model, ask};
use crate::limits::check_real;
use crate::rng::Rng;
use crate::train::{FamilyResult, Question};

/// Families that can complete partly hidden images.
pub trait Inpainter {
    /// How this family fills in, for a person ("Gibbs sampling with the visible units clamped").
    fn method(&self) -> String;

    /// Completions of `n` images `x` (`n × width × height` values in [0, 1]) where `hidden`
    /// (`width × height`, true = hidden, the same mask for every image) marks the pixels to
    /// fill. Returns `n` completed images of the same size; every pixel that is not hidden is
    /// returned exactly as given. The same seed gives the same completions.
    fn inpaint(&mut self, x: &[f32], n: usize, hidden: &[bool], seed: u64) -> FamilyResult<Vec<f32>>;

    /// A sentence when this family's completion is only approximate for this mask (e.g. a
    /// PixelCNN when some hidden pixels come before visible ones in raster order), else None.
    fn caveat(&self, _hidden: &[bool]) -> Option<String> {
        None
    }

    /// The completion of one image `x` step by step, for a family whose completion is a chain
    /// (diffusion's RePaint): what the image looks like after each step, first to last. `None`
    /// for a family that has no chain to show. With the same seed this is the completion
    /// `inpaint` gives for `x` alone.
    fn inpaint_steps(&mut self, _x: &[f32], _hidden: &[bool], _seed: u64) -> FamilyResult<Option<Vec<InpaintStep>>> {
        Ok(None)
    }
}

/// One step of a completion shown as a chain: what it did ("t = 480, denoised"), and the
/// image after it (values in [0, 1]).
#[derive(Clone, Debug, PartialEq)]
pub struct InpaintStep {
    pub label: String,
    pub image: Vec<f32>,
}

/// Completed images, answering `inpaint`.
#[derive(Clone, Debug, PartialEq)]
pub struct Inpainted {
    pub method: String,
    pub caveat: Option<String>,
    pub images: Vec<f32>,
    pub n: usize,
}

/// Completes `n` images `x` with the pixels marked in `hidden` filled by the model.
pub fn inpaint(x: Vec<f32>, n: usize, hidden: Vec<bool>, seed: u64) -> Question<dyn Model> {
    ask(move |model, _| {
        let view = model.inpainter().ok_or("this model cannot fill in images")?;
        let images = view.inpaint(&x, n, &hidden, seed)?;
        Ok(Inpainted { method: view.method(), caveat: view.caveat(&hidden), images, n })
    })
}

/// Which pixels are hidden, the same for every image.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MaskKind {
    BottomHalf,
    TopHalf,
    RightHalf,
    LeftHalf,
    /// The central square of half the side.
    Centre,
    /// Each pixel hidden with this probability (drawn from `--seed`).
    Random(f64),
}

impl FromStr for MaskKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "bottom-half" => Ok(MaskKind::BottomHalf),
            "top-half" => Ok(MaskKind::TopHalf),
            "right-half" => Ok(MaskKind::RightHalf),
            "left-half" => Ok(MaskKind::LeftHalf),
            "centre" | "center" => Ok(MaskKind::Centre),
            _ => match s.strip_prefix("random:") {
                Some(fraction) => {
                    let p: f64 = fraction.parse().map_err(|_| format!("\"{fraction}\" is not a number; write e.g. random:0.5"))?;
                    Ok(MaskKind::Random(check_real("the random mask's fraction", p, 0.0, 1.0)?))
                }
                None => Err(format!(
                    "unknown mask \"{s}\": bottom-half, top-half, right-half, left-half, centre or random:FRACTION (e.g. random:0.5)"
                )),
            },
        }
    }
}

impl MaskKind {
    /// `width × height` values, row-major, true for the hidden pixels.
    pub fn hidden(self, width: usize, height: usize, seed: u64) -> Vec<bool> {
        let mut rng = Rng::new(seed ^ 0x3A5C_0F1E);
        let (rows, cols) = (height / 4..height / 4 + height / 2, width / 4..width / 4 + width / 2);
        (0..width * height)
            .map(|i| {
                let (y, x) = (i / width, i % width);
                match self {
                    MaskKind::BottomHalf => y >= height / 2,
                    MaskKind::TopHalf => y < height / 2,
                    MaskKind::RightHalf => x >= width / 2,
                    MaskKind::LeftHalf => x < width / 2,
                    MaskKind::Centre => rows.contains(&y) && cols.contains(&x),
                    MaskKind::Random(p) => rng.uniform() < p,
                }
            })
            .collect()
    }
}

/// Mean squared errors on the hidden pixels: of the completions, of the training set's mean
/// image (pixel by pixel) and of its mean grey level (one value everywhere).
pub struct HiddenErrors {
    pub completion: f64,
    pub mean_image: f64,
    pub mean_grey: f64,
    /// The training set's mean grey level.
    pub grey: f64,
}

pub fn hidden_errors(truth: &[f32], completed: &[f32], hidden: &[bool], n: usize, train: &[f32], d: usize) -> HiddenErrors {
    let images = (train.len() / d).max(1);
    let mut mean = vec![0.0f64; d];
    for image in train.chunks(d) {
        for (m, &v) in mean.iter_mut().zip(image) {
            *m += v as f64;
        }
    }
    mean.iter_mut().for_each(|m| *m /= images as f64);
    let grey = mean.iter().sum::<f64>() / d as f64;
    let (mut completion, mut mean_image, mut mean_grey, mut count) = (0.0, 0.0, 0.0, 0usize);
    for i in 0..n {
        for p in (0..d).filter(|&p| hidden[p]) {
            let t = truth[i * d + p] as f64;
            completion += (completed[i * d + p] as f64 - t).powi(2);
            mean_image += (mean[p] - t).powi(2);
            mean_grey += (grey - t).powi(2);
            count += 1;
        }
    }
    let count = count.max(1) as f64;
    HiddenErrors { completion: completion / count, mean_image: mean_image / count, mean_grey: mean_grey / count, grey }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_hide_what_they_say() {
        let count = |m: MaskKind| m.hidden(28, 28, 0).iter().filter(|&&h| h).count();
        for mask in ["bottom-half", "top-half", "right-half", "left-half"] {
            assert_eq!(count(mask.parse().unwrap()), 392, "{mask}");
        }
        let bottom = MaskKind::BottomHalf.hidden(28, 28, 0);
        assert!(!bottom[14 * 28 - 1] && bottom[14 * 28], "the bottom half starts at row 14");
        let centre = MaskKind::Centre.hidden(28, 28, 0);
        assert_eq!(centre.iter().filter(|&&h| h).count(), 14 * 14);
        assert!(centre[7 * 28 + 7] && centre[20 * 28 + 20] && !centre[6 * 28 + 7] && !centre[21 * 28 + 20]);
        // random:0.5 hides about half, the same half for a seed.
        let random: MaskKind = "random:0.5".parse().unwrap();
        assert!((300..=484).contains(&count(random)), "{}", count(random));
        assert_eq!(random.hidden(28, 28, 3), random.hidden(28, 28, 3));
        assert_ne!(random.hidden(28, 28, 3), random.hidden(28, 28, 4));
        for bad in ["random:1.5", "random:x", "middle"] {
            assert!(bad.parse::<MaskKind>().is_err(), "{bad}");
        }
    }
}

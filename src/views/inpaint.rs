//! The inpainting view: fill the hidden part of images from what the model learned, keeping
//! every visible pixel as it is. Each family does it its own way (PixelCNN samples the hidden
//! pixels in raster order given the visible ones, the VAE iterates encode/decode with the
//! visible pixels clamped, the RBM Gibbs-samples with the visible units clamped, diffusion
//! replaces the known region at every step as RePaint does).

use super::{Model, ask};
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

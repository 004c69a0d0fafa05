//! The latent view (autoencoders, VAEs, a GAN's generator): encode, decode, interpolate.

use super::{Model, ask, ask_every_preview};
use crate::train::{FamilyResult, ImageBatch, PreviewQuestion, Question};

/// Families with an encoder and decoder: the latent explorer's view.
pub trait LatentModel {
    fn latent_dim(&self) -> usize;

    /// Whether `decode` and `encode` use the labels (a conditional model).
    fn conditional(&self) -> bool;

    /// False for generators without an encoder (a GAN): only `decode` works.
    fn has_encoder(&self) -> bool {
        true
    }

    /// Encodes `n` images to the posterior means, `n * latent_dim` values.
    fn encode(&mut self, x: &[f32], n: usize, labels: &[u8]) -> FamilyResult<Vec<f32>>;

    /// Decodes `n` latent points to images (the decoder's mean). `labels` holds one class per
    /// point for a conditional model; empty means class 0 (ignored by unconditional models).
    fn decode(&mut self, z: &[f32], n: usize, labels: &[u8]) -> FamilyResult<ImageBatch>;
}

/// Encoded test images (posterior means), `dim` values each, with their labels.
#[derive(Clone, Debug, PartialEq)]
pub struct Encoded {
    pub points: Vec<f32>,
    pub dim: usize,
    pub labels: Vec<u8>,
}

/// Decoded latent points; `tag` is the asker's, to match answers to requests.
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded {
    pub tag: u64,
    pub images: ImageBatch,
}

/// Images decoded along a path between two encoded test images.
#[derive(Clone, Debug, PartialEq)]
pub struct Interpolation {
    pub images: ImageBatch,
    pub spherical: bool,
}

/// Test images and the model's reconstructions of them.
#[derive(Clone, Debug, PartialEq)]
pub struct Reconstructions {
    pub inputs: ImageBatch,
    pub outputs: ImageBatch,
}

fn encoder(model: &mut dyn Model) -> Result<&mut dyn LatentModel, String> {
    match model.latent() {
        Some(latent) if latent.has_encoder() => Ok(latent),
        _ => Err("this model has no encoder".into()),
    }
}

/// Encodes up to `n` test images (the latent map).
pub fn encode(n: usize) -> Question<dyn Model> {
    ask(move |model, context| {
        let indices: Vec<usize> = (0..n.min(context.test_len())).collect();
        let (x, labels) = context.test_images(&indices).ok_or("the latent map needs images")?;
        let latent = encoder(model)?;
        let dim = latent.latent_dim();
        let points = latent.encode(&x.pixels, labels.len(), &labels)?;
        Ok(Encoded { points, dim, labels })
    })
}

/// Given images encoded (their posterior means), answering `encode_images`.
#[derive(Clone, Debug, PartialEq)]
pub struct EncodedImages {
    pub points: Vec<f32>,
    pub dim: usize,
}

/// Encodes `n` images `x` (the drawing pad's, for the latent map), all with class `label`.
pub fn encode_images(x: Vec<f32>, n: usize, label: u8) -> Question<dyn Model> {
    ask(move |model, _| {
        let latent = encoder(model)?;
        let dim = latent.latent_dim();
        let points = latent.encode(&x, n, &vec![label; n])?;
        Ok(EncodedImages { points, dim })
    })
}

/// Decodes `n` latent points (`z`, `n × latent_dim` values), all with class `label` (class 0
/// when `None`; ignored by unconditional models).
pub fn decode(tag: u64, z: Vec<f32>, n: usize, label: Option<u8>) -> Question<dyn Model> {
    ask(move |model, _| {
        let latent = model.latent().ok_or("this model has no latent space")?;
        let labels = vec![label.unwrap_or(0); n];
        Ok(Decoded { tag, images: latent.decode(&z, n, &labels)? })
    })
}

/// Encodes test images `a` and `b` and decodes `steps` points between them (at least 2).
pub fn interpolate(a: usize, b: usize, steps: usize, spherical: bool) -> Question<dyn Model> {
    ask(move |model, context| {
        let (x, labels) = context.test_images(&[a, b]).ok_or("interpolation needs images")?;
        let latent = encoder(model)?;
        let dim = latent.latent_dim();
        let z = latent.encode(&x.pixels, 2, &labels)?;
        let steps = steps.max(2);
        let path = crate::math::interpolate(&z[..dim], &z[dim..], steps, spherical);
        let images = latent.decode(&path, steps, &vec![labels[0]; steps])?;
        Ok(Interpolation { images, spherical })
    })
}

/// The first `n` test images and their reconstructions, with every preview (models with an
/// encoder, on images).
pub fn reconstructions_every_preview(n: usize) -> PreviewQuestion<dyn Model> {
    ask_every_preview(move |model, context| {
        let indices: Vec<usize> = (0..n.min(context.test_len())).collect();
        if indices.is_empty() {
            return None;
        }
        let (inputs, labels) = context.test_images(&indices)?;
        let latent = encoder(model).ok()?;
        let n = labels.len();
        Some(
            latent
                .encode(&inputs.pixels, n, &labels)
                .and_then(|z| latent.decode(&z, n, &labels))
                .map(|outputs| Reconstructions { inputs, outputs }),
        )
    })
}

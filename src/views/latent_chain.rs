//! The latent chain view (latent diffusion): one sampling run followed through the
//! autoencoder's latent space, every kept step's latent points with the decoded images of a
//! few of them, and how long the model's last sampling run took.

use super::{Model, ask, ask_every_preview};
use crate::train::{FamilyResult, ImageBatch, PreviewQuestion, Question};

/// A diffusion model that samples in an autoencoder's latent space.
pub trait LatentChainView {
    /// A sampling run of `n` latents from `seed` with the current sampler settings, followed
    /// step by step in the autoencoder's latent space, the first `decoded` of them decoded at
    /// every kept step.
    fn chain(&mut self, n: usize, seed: u64, decoded: usize) -> FamilyResult<LatentChain>;

    /// The model's last `sample` call: how many images, with which sampler, how long.
    fn sampling_time(&self) -> Option<SamplingTime>;
}

/// One sampling run in the latent space. Entry k < `ts.len()` is the run entering the step at
/// timestep `ts[k]` (x_t, noisiest first); the last entry is the result.
#[derive(Clone, Debug, PartialEq)]
pub struct LatentChain {
    /// Values per latent point.
    pub dim: usize,
    /// Latents followed.
    pub n: usize,
    /// The timesteps of the kept steps, noisiest first.
    pub ts: Vec<usize>,
    /// `ts.len() + 1` entries of `n × dim` values: each kept step's x_t, then the result.
    pub latents: Vec<Vec<f32>>,
    /// The same entries' first few latents decoded to images.
    pub images: Vec<ImageBatch>,
}

impl LatentChain {
    /// Entries: the kept steps and the result.
    pub fn len(&self) -> usize {
        self.latents.len()
    }

    pub fn is_empty(&self) -> bool {
        self.latents.is_empty()
    }

    /// Latent `i` at entry `k`, `dim` values; `None` past the ends.
    pub fn point(&self, k: usize, i: usize) -> Option<&[f32]> {
        if i >= self.n {
            return None;
        }
        self.latents.get(k)?.get(i * self.dim..(i + 1) * self.dim)
    }

    /// The entries at `frames` evenly spaced places from the first to the result (the first
    /// and the last always among them), each once.
    pub fn frame_entries(&self, frames: usize) -> Vec<usize> {
        let last = self.len().saturating_sub(1);
        let frames = frames.clamp(1, self.len().max(1));
        let mut entries: Vec<usize> =
            (0..frames).map(|j| if frames == 1 { last } else { (j * last + (frames - 1) / 2) / (frames - 1) }).collect();
        entries.dedup();
        entries
    }

    /// The decoded latents at `frame_entries(frames)`, latent by latent: row i of a grid of
    /// `frame_entries(frames).len()` columns follows decoded latent i from noise to the result.
    pub fn strip(&self, frames: usize) -> Option<ImageBatch> {
        let entries = self.frame_entries(frames);
        let first = self.images.first()?;
        let (decoded, width, height) = (first.n, first.width, first.height);
        let mut pixels = Vec::with_capacity(decoded * entries.len() * width * height);
        for i in 0..decoded {
            for &k in &entries {
                let batch = self.images.get(k)?;
                if batch.n != decoded || batch.width != width || batch.height != height {
                    return None;
                }
                pixels.extend_from_slice(batch.image(i));
            }
        }
        Some(ImageBatch { n: decoded * entries.len(), width, height, pixels })
    }
}

/// How long a sampling run took: `n` images with `steps` steps of `sampler`, decoding included.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SamplingTime {
    pub n: usize,
    pub sampler: &'static str,
    pub steps: usize,
    pub seconds: f64,
}

/// A followed sampling run and the training step it was drawn at.
#[derive(Clone, Debug, PartialEq)]
pub struct LatentChainRun {
    pub step: u64,
    pub chain: LatentChain,
}

/// A sampling run of `n` latents followed through the latent space, `decoded` of them decoded
/// at every kept step.
pub fn chain(n: usize, seed: u64, decoded: usize) -> Question<dyn Model> {
    ask(move |model, context| {
        let step = context.step;
        let view = model.latent_chain().ok_or("this model does not sample in a latent space")?;
        Ok(LatentChainRun { step, chain: view.chain(n, seed, decoded)? })
    })
}

/// How long the model's last sampling run took, with every preview (latent diffusion; the
/// preview's own run when it came first).
pub fn sampling_time_every_preview() -> PreviewQuestion<dyn Model> {
    ask_every_preview(|model, _| model.latent_chain().and_then(|view| view.sampling_time()).map(Ok))
}

//! What latent diffusion shows besides training and sampling: the frozen autoencoder's latent
//! space (the latent view, forwarded to it, so the latent map works as in the VAE tab), a
//! sampling run step by step with each step decoded to images (the denoising view, so the
//! step-through and `genlab sample --gif` work as for pixel-space diffusion), and the same run
//! as points of the latent space (the latent chain view, drawn over the latent map).

use crate::train::{FamilyResult, ImageBatch, Samples};
use crate::views::latent_chain::{LatentChain, LatentChainView, SamplingTime};
use crate::views::{DenoisingView, LatentModel, LossBucket, Trajectory, TrajectoryStep};

use super::family::LatentDiffusionFamily;

/// The most steps a recorded run keeps (evenly spaced when the sampler takes more): at 10,000
/// steps every one of them decoded would hold gigabytes of images.
pub const MAX_RECORDED: usize = 200;
/// The most latents one recorded run follows.
pub const MAX_CHAIN: usize = 4096;

/// A sampling run with its steps kept, in the autoencoder's latent space.
struct RecordedRun {
    /// The timesteps of the kept steps, noisiest first.
    ts: Vec<usize>,
    /// Each kept step's x_t and the x̂₀ predicted from it, `n × latent_dim` values each.
    x_ts: Vec<Vec<f32>>,
    x0s: Vec<Vec<f32>>,
    /// The samples the run ends on.
    result: Vec<f32>,
}

impl LatentDiffusionFamily {
    /// One sampling run of `n` latents from `seed` (the run `sample_latents` makes), keeping
    /// up to `MAX_RECORDED` evenly spaced steps, all put back in the autoencoder's latent space.
    fn recorded_run(&self, n: usize, seed: u64) -> FamilyResult<RecordedRun> {
        let stride = self.sampler_timesteps().len().div_ceil(MAX_RECORDED).max(1);
        let normaliser = self.normaliser();
        let (mut ts, mut x_ts, mut x0s) = (Vec::new(), Vec::new(), Vec::new());
        let x0 = self.run_sampler(n, seed, |i, t, x, x0| {
            if i % stride == 0 {
                ts.push(t);
                x_ts.push(normaliser.restore(x));
                x0s.push(normaliser.restore(x0));
            }
        })?;
        Ok(RecordedRun { ts, x_ts, x0s, result: normaliser.restore(&x0) })
    }

    /// Refuses a recorded run too large to keep: `n` latents (and `decoded` of them decoded)
    /// at each of up to `MAX_RECORDED` + 1 kept steps, twice over (x_t and x̂₀).
    fn check_recorded(&self, n: usize, decoded: usize) -> FamilyResult<()> {
        if n > MAX_CHAIN {
            return Err(format!("a recorded sampling run follows at most {MAX_CHAIN} latents, not {n}"));
        }
        let kept = self.sampler_timesteps().len().min(MAX_RECORDED) as u128 + 1;
        let values = n as u128 * self.config.latent_dim() as u128 + decoded as u128 * self.autoencoder.config().pixels() as u128;
        crate::limits::check_alloc(&format!("recording a sampling run of {n} latents"), 2 * kept * values, 4)
    }
}

impl crate::views::Model for LatentDiffusionFamily {
    /// The frozen autoencoder's latent space: the latent map encodes test images with its
    /// encoder and decodes the map's grid with its decoder.
    fn latent(&mut self) -> Option<&mut dyn LatentModel> {
        Some(self as &mut dyn LatentModel)
    }

    fn denoising(&mut self) -> Option<&mut dyn DenoisingView> {
        Some(self as &mut dyn DenoisingView)
    }

    fn latent_chain(&mut self) -> Option<&mut dyn LatentChainView> {
        Some(self as &mut dyn LatentChainView)
    }
}

impl LatentModel for LatentDiffusionFamily {
    fn latent_dim(&self) -> usize {
        self.config.latent_dim()
    }

    fn conditional(&self) -> bool {
        false
    }

    /// The autoencoder's posterior means (whatever `use_mean` says training uses).
    fn encode(&mut self, x: &[f32], n: usize, _labels: &[u8]) -> FamilyResult<Vec<f32>> {
        self.autoencoder.encode(x, n, None)
    }

    fn decode(&mut self, z: &[f32], n: usize, _labels: &[u8]) -> FamilyResult<ImageBatch> {
        self.autoencoder.decode(z, n)
    }
}

impl DenoisingView for LatentDiffusionFamily {
    fn timesteps(&self) -> usize {
        self.schedule.timesteps()
    }

    /// A sampling run whose steps are shown as images: each step's latent x_t decoded, beside
    /// the decoded x̂₀ the denoiser predicted from it (both put back in the autoencoder's
    /// latent space first). Up to `MAX_RECORDED` evenly spaced steps are kept.
    fn trajectory(&mut self, n: usize, seed: u64, _label: Option<u8>) -> FamilyResult<Trajectory> {
        self.check_recorded(n, n)?;
        let RecordedRun { ts, x_ts, x0s, result } = self.recorded_run(n, seed)?;
        let mut steps = Vec::with_capacity(ts.len());
        for ((t, x_t), x0) in ts.into_iter().zip(&x_ts).zip(&x0s) {
            let x_t = Samples::Images(self.autoencoder.decode(x_t, n)?);
            let x0 = Samples::Images(self.autoencoder.decode(x0, n)?);
            steps.push(TrajectoryStep { t, x_t, x0 });
        }
        Ok(Trajectory { steps, result: Samples::Images(self.autoencoder.decode(&result, n)?) })
    }

    fn noise_field(&mut self, _points: &[[f32; 2]], _t: usize) -> FamilyResult<Vec<[f32; 2]>> {
        Err("the noise field is drawn for models of 2-D data; latent diffusion's noise lives in the autoencoder's latent space \
             (the latent map shows its sampling runs)"
            .into())
    }

    fn loss_by_t(&self) -> Vec<LossBucket> {
        self.buckets.clone()
    }
}

impl LatentChainView for LatentDiffusionFamily {
    fn chain(&mut self, n: usize, seed: u64, decoded: usize) -> FamilyResult<LatentChain> {
        if n == 0 {
            return Err("a sampling run to follow needs at least one latent".into());
        }
        let decoded = decoded.min(n);
        self.check_recorded(n, decoded)?;
        let dim = self.config.latent_dim();
        let RecordedRun { ts, x_ts: mut latents, result, .. } = self.recorded_run(n, seed)?;
        latents.push(result);
        let images = latents.iter().map(|z| self.autoencoder.decode(&z[..decoded * dim], decoded)).collect::<FamilyResult<Vec<_>>>()?;
        Ok(LatentChain { dim, n, ts, latents, images })
    }

    fn sampling_time(&self) -> Option<SamplingTime> {
        self.last_sampling
    }
}

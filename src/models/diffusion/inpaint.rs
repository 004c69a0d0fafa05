//! Inpainting with a diffusion model that was never trained for it: RePaint (Lugmayr et al.
//! 2022, "RePaint: Inpainting using Denoising Diffusion Probabilistic Models", Algorithm 1).
//! At every reverse step the visible pixels are replaced by the original image noised to the
//! step's level, x_{t−1}^known ~ q(x_{t−1} | x₀) (line 5), and only the hidden ones keep what
//! the model's reverse step made of x_t (lines 6-7); the two are joined with the mask (line
//! 8). Resampling (lines 3 and 9, and the jumps of §4.2) noises a stretch of steps back up and
//! walks it down again, so the generated region can adjust to the visible one.
//!
//! The reverse step is the family's own sampler, DDPM or DDIM with its steps and spacing, run
//! unconditionally (a conditional model gets its "no label" slot: no labels come with the
//! images).

use crate::rng::Rng;
use crate::train::FamilyResult;
use crate::views::inpaint::{InpaintStep, Inpainter};

use super::config::DenoiserArch;
use super::family::DiffusionFamily;
use super::process::{add_noise, from_process_scale, to_process_scale};
use super::sampler::previous_timestep;

/// The most resamplings r genlab runs: 100 (the paper uses 10; each multiplies the network
/// passes by about r).
pub const MAX_RESAMPLINGS: usize = 100;

/// RePaint's resampling (Lugmayr et al. 2022, §4.2 and Figure 9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RepaintSettings {
    /// r: how many times each stretch is walked down (1: no resampling, the default, so a CPU
    /// finishes quickly; the paper uses 10).
    pub resamplings: usize,
    /// j: sampler steps noised back up per resampling (the paper's jump length, 10).
    pub jump: usize,
}

impl Default for RepaintSettings {
    fn default() -> Self {
        Self { resamplings: 1, jump: 10 }
    }
}

/// One move of the schedule over the sampler's steps `0..N` (noisiest first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    /// Reverse step `i`: from the sampler's timestep `list[i]` to the one after it.
    Down(usize),
    /// Undo step `i`: noise back from the timestep after `list[i]` up to `list[i]`.
    Up(usize),
}

/// RePaint's schedule with jumps, as the authors' `get_schedule_jump` and diffusers'
/// `RePaintScheduler.set_timesteps` build it: after the reverse step at level
/// t ∈ {0, j, 2j, …} (t + j < N, counting levels from the clean end), noise the last j steps
/// back up and walk them down again, r − 1 times. r = 1 is the plain sampler.
pub fn repaint_moves(steps: usize, jump: usize, resamplings: usize) -> Vec<Move> {
    let jump = jump.max(1);
    let mut left: Vec<usize> = (0..steps)
        .map(|i| {
            let level = steps - 1 - i;
            if level % jump == 0 && level + jump < steps { resamplings.saturating_sub(1) } else { 0 }
        })
        .collect();
    let mut moves = Vec::new();
    let mut i = 0;
    while i < steps {
        moves.push(Move::Down(i));
        if left[i] > 0 {
            left[i] -= 1;
            moves.extend((i + 1 - jump..=i).rev().map(Move::Up));
            i = i + 1 - jump;
        } else {
            i += 1;
        }
    }
    moves
}

impl DiffusionFamily {
    /// How `inpaint` resamples; r at least 1 and at most `MAX_RESAMPLINGS`, j at least 1.
    pub fn set_repaint(&mut self, settings: RepaintSettings) -> FamilyResult<()> {
        if !(1..=MAX_RESAMPLINGS).contains(&settings.resamplings) {
            return Err(format!("RePaint resamples 1 to {MAX_RESAMPLINGS} times, not {}", settings.resamplings));
        }
        if settings.jump == 0 {
            return Err("RePaint's jump is at least one step".into());
        }
        self.repaint = settings;
        Ok(())
    }

    /// A diffusion checkpoint whose `inpaint` resamples as `settings` say (`genlab inpaint
    /// --resamplings`, the Density tab).
    pub fn load_with_repaint(dir: &std::path::Path, device: &burn::tensor::Device, settings: RepaintSettings) -> FamilyResult<Self> {
        let mut family = Self::load(dir, device)?;
        family.set_repaint(settings)?;
        Ok(family)
    }

    /// The resampling `inpaint` uses.
    pub fn repaint(&self) -> RepaintSettings {
        self.repaint
    }
}

impl Inpainter for DiffusionFamily {
    fn method(&self) -> String {
        let sampler = self.config().sampler;
        let RepaintSettings { resamplings, jump } = self.repaint;
        let resampling =
            if resamplings > 1 { format!("every jump of {jump} steps resampled {resamplings} times") } else { "no resampling".to_string() };
        format!(
            "RePaint (Lugmayr et al. 2022): {} in {} steps, the visible pixels replaced at every step by the original \
             noised to that step; {resampling}",
            sampler.kind.label(),
            self.sampler_timesteps().len()
        )
    }

    fn inpaint(&mut self, x: &[f32], n: usize, hidden: &[bool], seed: u64) -> FamilyResult<Vec<f32>> {
        self.repaint_chain(x, n, hidden, seed, None)
    }

    fn inpaint_steps(&mut self, x: &[f32], hidden: &[bool], seed: u64) -> FamilyResult<Option<Vec<InpaintStep>>> {
        let mut steps = Vec::new();
        self.repaint_chain(x, 1, hidden, seed, Some(&mut steps))?;
        Ok(Some(steps))
    }

    fn caveat(&self, _hidden: &[bool]) -> Option<String> {
        (self.repaint.resamplings == 1).then(|| {
            "without resampling the generated region sees the visible one only through the pixels put back at each step, \
             so the seam between them may show; Lugmayr et al. resample each jump of 10 steps 10 times"
                .to_string()
        })
    }
}

impl DiffusionFamily {
    /// RePaint (Lugmayr et al. 2022, Algorithm 1) over the sampler's steps; with `steps`, the
    /// first image after every move, for the step-through.
    fn repaint_chain(
        &mut self,
        x: &[f32],
        n: usize,
        hidden: &[bool],
        seed: u64,
        mut steps: Option<&mut Vec<InpaintStep>>,
    ) -> FamilyResult<Vec<f32>> {
        let arch = self.config().arch;
        if arch != DenoiserArch::Unet {
            return Err("inpainting is for images; this diffusion model draws 2-D points".into());
        }
        let dim = self.config().data_dim;
        crate::models::check_example_size(x, n, dim, false, "this model")?;
        if !crate::models::check_mask(hidden, n, self.config().width, self.config().height, "this model")? {
            return Ok(x.to_vec());
        }
        let x0 = to_process_scale(x, arch); // [n × D] in [−1, 1]
        let labels = vec![self.null_label(); n];
        let list = self.sampler_timesteps();
        let kind = self.config().sampler.kind;
        let train_steps = self.schedule().timesteps();
        let net = self.sampling_net()?;
        let RepaintSettings { resamplings, jump } = self.repaint;
        // The reverse steps draw from the stream `sample` draws from, the noise of the known
        // region and of resampling from a second one: with every pixel hidden this is the
        // family's own sampler, sample for sample.
        let mut rng = Rng::new(seed);
        let mut forward_noise = Rng::new(seed ^ 0x4E50_A1D7);
        let mut x_t = rng.normal_vec(n * dim); // x_T ~ N(0, I)
        for step in repaint_moves(list.len(), jump, resamplings) {
            match step {
                Move::Down(i) => {
                    // Algorithm 1, lines 6-7: the unknown region from the model's reverse step.
                    let output = self.predict(&net, &x_t, n, list[i], &labels)?;
                    let z = rng.normal_vec(n * dim);
                    let unknown = self.reverse_step(&list, i, &x_t, &output, &z).prev_sample;
                    // Line 5: the known region from the original, noised to the step reached
                    // (x₀ itself after the last step, where ᾱ = 1).
                    let prev = previous_timestep(kind, &list, i, train_steps);
                    let eps = forward_noise.normal_vec(n * dim);
                    let known = add_noise(&x0, &eps, &vec![self.schedule().alpha_bar(prev); n], dim);
                    // Line 8: joined with the mask.
                    x_t = known.into_iter().zip(unknown).enumerate().map(|(k, (kv, u))| if hidden[k % dim] { u } else { kv }).collect();
                    if let Some(steps) = steps.as_deref_mut() {
                        let label = format!("t = {}: denoised one step, the visible pixels put back", list[i]);
                        steps.push(InpaintStep { label, image: from_process_scale(&x_t[..dim], arch) });
                    }
                }
                Move::Up(i) => {
                    // Line 9 over the sampler's stride: x_t ~ q(x_t | x_prev)
                    // = N(√(ᾱ_t/ᾱ_prev) x_prev, (1 − ᾱ_t/ᾱ_prev) I).
                    let prev = previous_timestep(kind, &list, i, train_steps);
                    let ratio = self.schedule().alpha_bar(list[i] as i64) / self.schedule().alpha_bar(prev);
                    let z = forward_noise.normal_vec(n * dim);
                    x_t = add_noise(&x_t, &z, &vec![ratio; n], dim);
                    if let Some(steps) = steps.as_deref_mut() {
                        let label = format!("back to t = {}: noised up again to resample", list[i]);
                        steps.push(InpaintStep { label, image: from_process_scale(&x_t[..dim], arch) });
                    }
                }
            }
        }
        let shown = from_process_scale(&x_t, arch);
        // Visible pixels come back exactly as given, not through the [−1, 1] round trip.
        Ok(x.iter().zip(shown).enumerate().map(|(k, (&given, s))| if hidden[k % dim] { s } else { given }).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(moves: &[Move]) -> String {
        moves.iter().map(|m| format!("{m:?}")).collect::<Vec<_>>().join(", ")
    }

    #[test]
    fn the_schedule_matches_diffusers_repaint_scheduler() {
        // diffusers' RePaintScheduler.set_timesteps(N, jump_length=j, jump_n_sample=r) walked
        // as RePaintPipeline walks it (t < t_last: a reverse step at t; else undo_step back to
        // t_last), with level t written as step N − 1 − t:
        //   timesteps, jumps = [], {j: r - 1 for j in range(0, N - j, j)}; t = N
        //   while t >= 1:
        //       t -= 1; timesteps.append(t)
        //       if jumps.get(t, 0) > 0:
        //           jumps[t] -= 1
        //           for _ in range(j): t += 1; timesteps.append(t)
        assert_eq!(words(&repaint_moves(5, 10, 1)), "Down(0), Down(1), Down(2), Down(3), Down(4)");
        assert_eq!(words(&repaint_moves(4, 1, 2)), "Down(0), Down(1), Up(1), Down(1), Down(2), Up(2), Down(2), Down(3), Up(3), Down(3)");
        assert_eq!(
            words(&repaint_moves(10, 3, 2)),
            "Down(0), Down(1), Down(2), Down(3), Up(3), Up(2), Up(1), Down(1), Down(2), Down(3), Down(4), Down(5), \
             Down(6), Up(6), Up(5), Up(4), Down(4), Down(5), Down(6), Down(7), Down(8), Down(9), Up(9), Up(8), Up(7), \
             Down(7), Down(8), Down(9)"
        );
        assert_eq!(
            words(&repaint_moves(6, 2, 3)),
            "Down(0), Down(1), Down(2), Down(3), Up(3), Up(2), Down(2), Down(3), Up(3), Up(2), Down(2), Down(3), \
             Down(4), Down(5), Up(5), Up(4), Down(4), Down(5), Up(5), Up(4), Down(4), Down(5)"
        );
    }
}

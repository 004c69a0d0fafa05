//! What the VQ-VAE shows besides training and sampling: the codebook view (images as code maps
//! and back, each code as an image, the codebook's use, the stages) and, once the prior has
//! trained, the likelihood bound (`likelihood.rs`).

use crate::train::{FamilyResult, ImageBatch};
use crate::views::codes::{CodeMaps, CodeUsage, CodebookView, Stage};
use crate::views::{LikelihoodModel, Model};

use super::family::VqVaeFamily;

impl Model for VqVaeFamily {
    fn codebook(&mut self) -> Option<&mut dyn CodebookView> {
        Some(self)
    }

    /// Only once the prior has trained: before, the bound has no prior to use
    /// (`VqVaeFamily::log_bound` says so), and evaluation leaves the likelihood out instead of
    /// failing on it.
    fn likelihood(&mut self) -> Option<&mut dyn LikelihoodModel> {
        if self.progress.prior > 0 { Some(self) } else { None }
    }
}

impl CodebookView for VqVaeFamily {
    fn codebook_size(&self) -> usize {
        self.config.codebook_size
    }

    fn grid(&self) -> (usize, usize) {
        self.config.grid()
    }

    fn image_size(&self) -> (usize, usize) {
        (self.config.width, self.config.height)
    }

    fn stage(&self) -> Stage {
        self.progress.stage
    }

    fn stage_steps(&self) -> (u64, u64) {
        (self.progress.autoencoder, self.progress.prior)
    }

    fn encode(&mut self, x: &[f32], n: usize) -> FamilyResult<CodeMaps> {
        let codes = self.codes_of(x, n)?;
        let (width, height) = self.config.grid();
        Ok(CodeMaps { width, height, maps: codes.chunks(width * height).map(<[u32]>::to_vec).collect() })
    }

    fn decode(&mut self, maps: &[Vec<u32>]) -> FamilyResult<ImageBatch> {
        let (w, h) = self.config.grid();
        if let Some((i, map)) = maps.iter().enumerate().find(|(_, map)| map.len() != w * h) {
            return Err(format!("code map {i} has {} codes, but this VQ-VAE's maps have {w}×{h} = {}", map.len(), w * h));
        }
        self.images_of_codes(&maps.concat(), maps.len())
    }

    fn code_images(&mut self) -> FamilyResult<ImageBatch> {
        let (k, cells) = (self.config.codebook_size, self.config.cells());
        let codes: Vec<u32> = (0..k as u32).flat_map(|code| std::iter::repeat_n(code, cells)).collect();
        self.images_of_codes(&codes, k)
    }

    fn usage(&self) -> CodeUsage {
        self.usage.window(self.progress.total())
    }

    fn close_usage_window(&mut self) -> CodeUsage {
        let step = self.progress.total();
        self.usage.close(step)
    }

    fn perplexity_history(&self) -> Vec<(u64, f64)> {
        self.usage.history().to_vec()
    }

    fn next_stage(&mut self) -> FamilyResult<()> {
        if self.move_to_prior() { Ok(()) } else { Err("the prior is already training: stage 2 is the last".into()) }
    }
}

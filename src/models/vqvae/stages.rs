//! Where the two stages stand (van den Oord et al. 2017, §3.3 and §4.2: "the prior is kept
//! constant during training" of the autoencoder, and fitted afterwards on its codes): stage 1
//! trains the encoder, the codebook and the decoder; stage 2 freezes them and trains the prior
//! over the code maps of the training images. Saved in the checkpoint beside the
//! configuration (`family.rs`), so a loaded VQ-VAE goes on where it was.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::train::FamilyResult;
use crate::train::checkpoint::CONFIG_FILE;
use crate::views::codes::Stage;

/// The stage in training, the steps each has had, and the codes restarted in stage 1.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub stage: Stage,
    /// Steps of stage 1 so far.
    pub autoencoder: u64,
    /// Steps of stage 2 so far.
    pub prior: u64,
    /// Dead codes restarted so far (`restarts.rs`), counting a code again each time; 0 in a
    /// checkpoint saved without it.
    #[serde(default)]
    pub restarts: u64,
}

impl Default for Progress {
    fn default() -> Self {
        Self { stage: Stage::Autoencoder, autoencoder: 0, prior: 0, restarts: 0 }
    }
}

impl Progress {
    /// Steps of both stages.
    pub fn total(&self) -> u64 {
        self.autoencoder + self.prior
    }

    /// Before a step: moves on to the prior once the autoencoder has had `autoencoder_steps`.
    /// True when it moved.
    pub fn advance(&mut self, autoencoder_steps: usize) -> bool {
        self.stage == Stage::Autoencoder && self.autoencoder >= autoencoder_steps as u64 && self.next_stage()
    }

    /// Moves on to the prior now; false (and no change) once there.
    pub fn next_stage(&mut self) -> bool {
        if self.stage == Stage::Prior {
            return false;
        }
        self.stage = Stage::Prior;
        true
    }

    /// Counts one step of the stage in training.
    pub fn count_step(&mut self) {
        match self.stage {
            Stage::Autoencoder => self.autoencoder += 1,
            Stage::Prior => self.prior += 1,
        }
    }

    /// Refuses a saved state no run can reach (a hand-edited checkpoint): prior steps while the
    /// autoencoder still trains.
    pub fn check(&self) -> Result<(), String> {
        if self.stage == Stage::Autoencoder && self.prior > 0 {
            return Err(format!("progress counts {} prior steps while stage 1 (the autoencoder) still trains", self.prior));
        }
        Ok(())
    }
}

/// The progress a checkpoint's `config.json` (already read as `json`) saved; a fresh start when
/// it has none.
pub fn saved_progress(json: &serde_json::Value, dir: &Path) -> FamilyResult<Progress> {
    let file = dir.join(CONFIG_FILE);
    let progress = match json.get("config").and_then(|c| c.get("progress")) {
        None => Progress::default(),
        Some(value) => serde_json::from_value::<Progress>(value.clone())
            .map_err(|e| format!("{}: \"progress\" is not where a VQ-VAE's training stands ({e})", file.display()))?,
    };
    progress.check().map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(progress)
}

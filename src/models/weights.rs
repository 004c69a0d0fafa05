//! What every family with one network does the same way: read results back from the device,
//! write and read its weights beside its config, keep the last known-good weights for the
//! trainer's NaN recovery, and offer Adam's step size as a live knob.

use std::path::Path;

use burn::module::Module;
use burn::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::train::checkpoint::{read_config, write_atomic, CONFIG_FILE};
use crate::train::family::{FamilyResult, HyperParam};

/// A tensor's values on the host, with a message for a person when the device fails.
pub fn read_back<const D: usize>(t: Tensor<D>) -> FamilyResult<Vec<f32>> {
    t.try_into_vec_as::<f32>().map_err(|e| format!("could not read a result back from the device: {e:?}"))
}

/// Writes `model` to `dir/file` and `{ "family": family, "config": config }` to the config
/// file (atomically).
pub fn save_checkpoint<M: Module + Clone>(model: &M, dir: &Path, file: &str, family: &str, config: &impl Serialize) -> FamilyResult<()> {
    let path = dir.join(file);
    model.clone().save_file(&path).map_err(|e| format!("{}: cannot write the weights ({e})", path.display()))?;
    let json = serde_json::json!({ "family": family, "config": config });
    let text = serde_json::to_vec_pretty(&json).map_err(|e| e.to_string())?;
    write_atomic(&dir.join(CONFIG_FILE), &text)
}

/// The `config` of a checkpoint's config file; `what` names the family in the message.
pub fn load_config<C: DeserializeOwned>(dir: &Path, what: &str) -> FamilyResult<C> {
    let json = read_config(dir)?;
    serde_json::from_value(json["config"].clone())
        .map_err(|e| format!("{}: not a {what} configuration ({e})", dir.join(CONFIG_FILE).display()))
}

/// `fresh` (built from the checkpoint's config) with the weights of `dir/file`.
pub fn load_weights<M: Module>(fresh: M, dir: &Path, file: &str) -> FamilyResult<M> {
    let path = dir.join(file);
    fresh.try_load_file(&path).map_err(|e| format!("{}: cannot load the weights ({e})", path.display()))
}

/// The last weights known to be good. `remember` is called after finite steps: the copy it
/// took last time has been validated by them since, so it becomes the good one.
#[derive(Clone, Debug)]
pub struct KnownGood<M> {
    good: Option<M>,
    pending: Option<M>,
}

impl<M> Default for KnownGood<M> {
    fn default() -> Self {
        Self { good: None, pending: None }
    }
}

impl<M: Clone> KnownGood<M> {
    pub fn remember(&mut self, current: Option<&M>) {
        if self.pending.is_some() {
            self.good = self.pending.take();
        }
        self.pending = current.cloned();
    }

    /// The weights to go back to after a NaN; the unvalidated copy is dropped.
    pub fn restore(&mut self) -> Option<M> {
        let back = self.good.clone().or_else(|| self.pending.clone());
        self.pending = None;
        back
    }
}

/// Adam's step size as a live hyper-parameter.
pub fn learning_rate_param(value: f64) -> HyperParam {
    HyperParam {
        name: "learning_rate",
        help: "Adam step size: larger learns faster but can diverge",
        value,
        min: 1e-5,
        max: 1e-1,
        logarithmic: true,
        integer: false,
    }
}

//! What every family with one network trained by Adam (`weights::AdamNet`) does the same way,
//! written once: loading its checkpoint (`load_one_network`) and, inside its `impl Family`,
//! the methods that only forward to the network (`one_network_methods!`) and the knobs of a
//! family whose one live knob is Adam's learning rate (`learning_rate_knobs!`).
//!
//! Macros, as the `delegate` crate writes delegation, rather than default methods of `Family`:
//! the trainer's trait knows nothing of the models (nothing under `crate::train` imports from
//! `crate::models`), and the families with several networks (the GAN's two, diffusion's weight
//! average, the RBM's and DBN's hand-written updates) write these methods their own way.

use std::path::Path;

use burn::module::Module;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::train::FamilyResult;

use super::weights::{AdamNet, Validate, load_config};

/// A family with one network from a checkpoint directory its `save` wrote: the configuration
/// is checked by `validate` (`what` names the family; a refusal names `config.json`) before
/// `new` builds a family from it, and the weights of `dir/file` are checked against the
/// network `net` picks out of that family before they replace its fresh ones.
pub fn load_one_network<C, F, M>(
    dir: &Path,
    what: &str,
    validate: Validate<C>,
    new: impl FnOnce(C) -> FamilyResult<F>,
    net: impl FnOnce(&mut F) -> &mut AdamNet<M>,
    file: &str,
) -> FamilyResult<F>
where
    C: DeserializeOwned + Serialize + Default,
    M: Module,
{
    let mut family = new(load_config(dir, what, validate)?)?;
    net(&mut family).load(dir, file)?;
    Ok(family)
}

/// The `Family` methods that forward to the family's one network, its `AdamNet` field `$net`:
/// `num_params`, `save` (the weights to `$file`, then the config field `$config` under the
/// family's name), `remember_good` and `restore_good`. Written inside `impl Family for …`:
/// `one_network_methods!(model, config, WEIGHTS_FILE);`.
macro_rules! one_network_methods {
    ($net:ident, $config:ident, $file:expr) => {
        fn num_params(&self) -> usize {
            self.$net.num_params()
        }

        fn save(&self, dir: &::std::path::Path) -> $crate::train::FamilyResult<()> {
            $crate::models::weights::save_checkpoint(self.$net.get()?, dir, $file, self.family_name(), &self.$config)
        }

        fn remember_good(&mut self) {
            self.$net.remember_good();
        }

        fn restore_good(&mut self) {
            self.$net.restore_good();
        }
    };
}
pub(crate) use one_network_methods;

/// `knobs` and `set_knob` of a family whose one live knob is Adam's learning rate, the
/// `learning_rate` of its config field `$config` (`$owner` names the model in a refusal).
/// Written inside `impl Family for …`: `learning_rate_knobs!(config, "flow");`.
macro_rules! learning_rate_knobs {
    ($config:ident, $owner:expr) => {
        fn knobs(&self) -> Vec<$crate::train::Knob> {
            vec![$crate::models::weights::learning_rate_knob(self.$config.learning_rate)]
        }

        fn set_knob(&mut self, name: &str, value: $crate::train::KnobValue) -> $crate::train::FamilyResult<()> {
            let current = self.$config.learning_rate;
            self.$config.learning_rate = $crate::models::weights::learning_rate_change(current, name, value, $owner)?;
            Ok(())
        }
    };
}
pub(crate) use learning_rate_knobs;

//! What every family does the same way: read results back from the device, write and read
//! its weights beside its config (one file per network: a GAN writes two, diffusion its
//! weight average too), keep the last known-good weights for the trainer's NaN recovery,
//! train one network with Adam (`AdamNet`), offer Adam's step size as a live knob, and check
//! a knob's value.

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::path::Path;

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::store::RecordError;
use burn::store::burn_pack;
use burn::tensor::DType;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::train::checkpoint::{CONFIG_FILE, read_config, write_atomic};
use crate::train::family::{FamilyResult, Knob, KnobKind, KnobValue};

/// A tensor's values on the host, with a message for a person when the device fails.
pub fn read_back<const D: usize>(t: Tensor<D>) -> FamilyResult<Vec<f32>> {
    t.try_into_vec_as::<f32>().map_err(|e| format!("could not read a result back from the device: {e:?}"))
}

/// Writes a family with one network: `model` to `dir/file`, then its config file.
pub fn save_checkpoint<M: Module>(model: &M, dir: &Path, file: &str, family: &str, config: &impl Serialize) -> FamilyResult<()> {
    save_weights(model.clone(), dir, file)?;
    save_config(dir, family, config)
}

/// Writes one network's weights to `dir/file`. A family with several calls it once per
/// network, then `save_config`.
pub fn save_weights<M: Module>(model: M, dir: &Path, file: &str) -> FamilyResult<()> {
    let path = dir.join(file);
    model.save_file(&path).map_err(|e| format!("{}: cannot write the weights ({e})", path.display()))
}

/// Writes `{ "family": family, "config": config }` to the checkpoint's config file
/// (atomically), after its weights.
pub fn save_config(dir: &Path, family: &str, config: &impl Serialize) -> FamilyResult<()> {
    let json = serde_json::json!({ "family": family, "config": config });
    let text = serde_json::to_vec_pretty(&json).map_err(|e| e.to_string())?;
    write_atomic(&dir.join(CONFIG_FILE), &text)
}

/// The `config` of a checkpoint's config file, checked by `validate` (the family's bounds);
/// `what` names the family in the message.
pub fn load_config<C: DeserializeOwned + Serialize + Default>(dir: &Path, what: &str, validate: Validate<C>) -> FamilyResult<C> {
    checked_config(&read_config(dir)?, dir, what, validate)
}

/// A configuration's check against its family's bounds: its `validate`.
pub type Validate<C> = fn(&C) -> Result<(), String>;

/// `config_from_json`, then `validate`; a refusal names the config file.
pub fn checked_config<C: DeserializeOwned + Serialize + Default>(
    json: &serde_json::Value,
    dir: &Path,
    what: &str,
    validate: Validate<C>,
) -> FamilyResult<C> {
    let config = config_from_json(json, dir, what)?;
    validate(&config).map_err(|e| in_config_file(dir, e))?;
    Ok(config)
}

/// The `config` object of an already read `config.json`. A field of the wrong type is named
/// in the message (serde's own says only "invalid type: string, expected usize"): each field
/// is tried alone over the defaults until the one that fails is found.
pub fn config_from_json<C: DeserializeOwned + Serialize + Default>(json: &serde_json::Value, dir: &Path, what: &str) -> FamilyResult<C> {
    let file = dir.join(CONFIG_FILE);
    let Some(fields) = json.get("config").and_then(serde_json::Value::as_object) else {
        return Err(format!("{}: no \"config\" object, so not a {what} configuration", file.display()));
    };
    let whole = serde_json::Value::Object(fields.clone());
    let error = match serde_json::from_value::<C>(whole) {
        Ok(config) => return Ok(config),
        Err(e) => e,
    };
    if let Ok(serde_json::Value::Object(defaults)) = serde_json::to_value(C::default()) {
        for (name, value) in fields {
            let mut one = defaults.clone();
            one.insert(name.clone(), value.clone());
            if let Err(e) = serde_json::from_value::<C>(serde_json::Value::Object(one)) {
                let mut shown = value.to_string();
                if shown.chars().count() > 60 {
                    shown = shown.chars().take(60).collect::<String>() + "…";
                }
                return Err(format!("{}: not a {what} configuration: field \"{name}\" = {shown} ({e})", file.display()));
            }
        }
    }
    Err(format!("{}: not a {what} configuration ({error})", file.display()))
}

/// `message` (from a config's `validate`) as an error about the checkpoint's `config.json`.
pub fn in_config_file(dir: &Path, message: String) -> String {
    format!("{}: {message}", dir.join(CONFIG_FILE).display())
}

/// Bytes allowed per parameter in a weight file: 8, the widest element type, so a file
/// more than twice what genlab's f32 weights take is refused before it is read.
const WEIGHT_FILE_BYTES_PER_PARAM: u128 = 8;
/// Allowance per tensor for its name, its descriptor and the 256-byte alignment of its data
/// (burn-pack 0.22.1, base.rs), and for the file's header.
const WEIGHT_FILE_BYTES_PER_TENSOR: u128 = 1024;
const WEIGHT_FILE_HEADER_BYTES: u128 = 1 << 20;

/// What kind of tensor a parameter is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TensorKind {
    Float,
    Int,
    Bool,
}

/// The tensors a module's weight file must hold: name (the module path burn records them
/// under), shape as saved, kind and data type.
#[derive(Default)]
struct ExpectedTensors {
    path: Vec<String>,
    tensors: BTreeMap<String, (Vec<usize>, TensorKind, DType)>,
}

impl ExpectedTensors {
    fn add(&mut self, shape: Vec<usize>, kind: TensorKind, dtype: DType) {
        self.tensors.insert(self.path.join("."), (shape, kind, dtype));
    }

    fn elements(&self) -> u128 {
        self.tensors.values().map(|(shape, _, _)| shape.iter().fold(1u128, |n, &d| n.saturating_mul(d as u128))).sum()
    }
}

impl ModuleVisitor for ExpectedTensors {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    // The shape burn checks a record against (the saved form, before any load mapper) and
    // the data type the module's parameter holds.
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.add(param.lazy_shape().to_vec(), TensorKind::Float, param.val().dtype());
    }

    fn visit_int<const D: usize>(&mut self, param: &Param<Tensor<D, Int>>) {
        self.add(param.lazy_shape().to_vec(), TensorKind::Int, param.val().dtype());
    }

    fn visit_bool<const D: usize>(&mut self, param: &Param<Tensor<D, Bool>>) {
        self.add(param.lazy_shape().to_vec(), TensorKind::Bool, param.val().dtype());
    }
}

/// Whether a record of `stored` loads into a parameter of `kind` and `dtype` as burn's
/// `DTypePolicy::FromRecord` applies it: a float parameter takes the record's dtype as it is
/// (another float type would then meet f32 inputs, an integer type panics), so it must be
/// the module's own; a bool parameter is stored in the device's bool layout whatever the
/// record says.
fn dtype_fits(kind: TensorKind, dtype: DType, stored: DType) -> bool {
    match kind {
        TensorKind::Bool => matches!(stored, DType::Bool(_)),
        TensorKind::Float | TensorKind::Int => stored == dtype,
    }
}

/// Checks the weight file at `path` against the tensors `fresh` holds, from the file's size
/// and its header alone (burn-pack reads the tensor descriptors without their data): the
/// same names, shapes and data types, and no more bytes than such a model needs.
fn check_weight_file(path: &Path, expected: &ExpectedTensors) -> FamilyResult<()> {
    let shown = path.display();
    let size = std::fs::metadata(path).map_err(|e| format!("{shown}: cannot load the weights ({e})"))?.len();
    let params = expected.elements();
    let allowed = params
        .saturating_mul(WEIGHT_FILE_BYTES_PER_PARAM)
        .saturating_add((expected.tensors.len() as u128).saturating_mul(WEIGHT_FILE_BYTES_PER_TENSOR))
        .saturating_add(WEIGHT_FILE_HEADER_BYTES);
    if size as u128 > allowed {
        return Err(format!(
            "{shown}: the weights do not match the configuration (the file is {size} bytes, far more than the \
             {allowed} bytes at most that this model's {params} parameters take)"
        ));
    }
    let mismatch = |why: String| format!("{shown}: the weights do not match the configuration ({why})");
    let reader = burn_pack::Reader::from_file_exact(path).map_err(|e| format!("{shown}: not a weights file genlab can read ({e})"))?;
    let stored = reader.into_tensors().map_err(|e| format!("{shown}: not a weights file genlab can read ({e})"))?;
    let mut problems = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for tensor in &stored {
        seen.insert(tensor.name.as_str());
        let shape = tensor.shape.to_vec();
        match expected.tensors.get(&tensor.name) {
            None => problems.push(format!("{} is not a parameter of this model", tensor.name)),
            Some((want, _, _)) if *want != shape => {
                problems.push(format!("{} has shape {shape:?}, this model's has {want:?}", tensor.name))
            }
            Some((_, kind, dtype)) if !dtype_fits(*kind, *dtype, tensor.dtype) => {
                problems.push(format!("{} is stored as {:?}, this model holds {dtype:?}", tensor.name, tensor.dtype))
            }
            Some(_) => {}
        }
    }
    for name in expected.tensors.keys().filter(|n| !seen.contains(n.as_str())) {
        problems.push(format!("{name} is missing"));
    }
    if problems.is_empty() {
        return Ok(());
    }
    let more = if problems.len() > 3 { format!(" and {} more", problems.len() - 3) } else { String::new() };
    problems.truncate(3);
    Err(mismatch(format!("{}{more}", problems.join("; "))))
}

/// The text of a caught panic.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}

/// `fresh` (built from the checkpoint's config) with the weights of `dir/file`; a family with
/// several networks loads each from its own file. The file is
/// checked against the module before anything is applied (its size against the parameter
/// count, then every tensor's name, shape and data type from its header), so weights of
/// another configuration or a corrupted file are an error naming the file. burn's own load
/// is still wrapped in `catch_unwind`, as the last line: a panic in it becomes the same error.
pub fn load_weights<M: Module>(fresh: M, dir: &Path, file: &str) -> FamilyResult<M> {
    let path = dir.join(file);
    let mut expected = ExpectedTensors::default();
    fresh.visit(&mut expected);
    check_weight_file(&path, &expected)?;
    let mismatch = |why: String| format!("{}: the weights do not match the configuration ({why})", path.display());
    match std::panic::catch_unwind(AssertUnwindSafe(|| fresh.try_load_file(&path))) {
        Ok(Ok(model)) => Ok(model),
        Ok(Err(RecordError::Validation(why))) => Err(mismatch(why)),
        Ok(Err(e)) => Err(format!("{}: cannot load the weights ({e})", path.display())),
        Err(panic) => Err(mismatch(panic_text(&*panic))),
    }
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
        self.remember_copy(current.cloned());
    }

    /// `remember` for a copy already made, such as several networks cloned into a tuple.
    pub fn remember_copy(&mut self, copy: Option<M>) {
        if self.pending.is_some() {
            self.good = self.pending.take();
        }
        self.pending = copy;
    }

    /// Puts the weights to go back to into `slot` (left as it is when there are none).
    pub fn restore_into(&mut self, slot: &mut Option<M>) {
        if let Some(good) = self.restore() {
            *slot = Some(good);
        }
    }

    /// The weights to go back to after a NaN; the unvalidated copy is dropped.
    pub fn restore(&mut self) -> Option<M> {
        let back = self.good.clone().or_else(|| self.pending.clone());
        self.pending = None;
        back
    }
}

/// Adam with PyTorch's ε (burn's default is 1e-5), so numbers compare with the PyTorch twins
/// in bench/.
pub fn adam() -> ModuleOptimizer {
    adam_with_beta1(0.9)
}

/// `adam` with momentum β1 = `beta1` (0.9 there: PyTorch's and burn's default; the GAN's knob).
pub fn adam_with_beta1(beta1: f64) -> ModuleOptimizer {
    AdamConfig::new().with_beta_1(beta1 as f32).with_epsilon(1e-8).init()
}

/// What a family with one network trained by Adam keeps of it: the network, its optimiser
/// and its last known-good weights.
pub struct AdamNet<M> {
    /// Always `Some` between calls; taken while the optimiser step owns it.
    net: Option<M>,
    optim: ModuleOptimizer,
    good: KnownGood<M>,
    /// Whose weights, for the message when a failed step lost them: "the VAE".
    whose: &'static str,
}

impl<M: Module> AdamNet<M> {
    pub fn new(net: M, whose: &'static str) -> Self {
        Self { net: Some(net), optim: adam(), good: KnownGood::default(), whose }
    }

    /// The network; an error only once a step failed half-way and lost it.
    pub fn get(&self) -> FamilyResult<&M> {
        self.net.as_ref().ok_or_else(|| lost(self.whose))
    }

    /// The network, out for a step: `step` gives it back.
    pub fn take(&mut self) -> FamilyResult<M> {
        let whose = self.whose;
        self.net.take().ok_or_else(|| lost(whose))
    }

    /// Gives back the network `take` lent, after one Adam step on `loss` (computed through
    /// it) when the loss is `finite`, as it was otherwise.
    pub fn step(&mut self, net: M, loss: Tensor<1>, finite: bool, learning_rate: f64) {
        let net = if finite {
            let grads = GradientsParams::from_grads(loss.backward(), &net);
            self.optim.step(learning_rate, net, grads)
        } else {
            net
        };
        self.net = Some(net);
    }

    /// The weights of the checkpoint file `dir/file` in place of these (see `load_weights`).
    pub fn load(&mut self, dir: &Path, file: &str) -> FamilyResult<()> {
        self.net = Some(load_weights(self.get()?.clone(), dir, file)?);
        Ok(())
    }

    pub fn num_params(&self) -> usize {
        self.net.as_ref().map_or(0, |m| m.num_params())
    }

    pub fn remember_good(&mut self) {
        self.good.remember(self.net.as_ref());
    }

    /// Back to the last good weights, with Adam's moments afresh: they may hold the NaN too.
    pub fn restore_good(&mut self) {
        self.good.restore_into(&mut self.net);
        self.optim = adam();
    }
}

fn lost(whose: &str) -> String {
    format!("{whose}'s weights were lost in a failed step")
}

/// Adam's step size as a live knob.
pub fn learning_rate_knob(value: f64) -> Knob {
    Knob::real("learning_rate", "learning rate", "Adam's step size: larger learns faster but can diverge", value, (1e-5, 1e-1), true)
}

/// The new step size of a family whose one live knob is Adam's learning rate: `value`
/// checked against that knob (`owner` names the model in a refusal).
pub fn learning_rate_change(current: f64, name: &str, value: KnobValue, owner: &str) -> FamilyResult<f64> {
    check_knob(&[learning_rate_knob(current)], name, value, owner)?;
    Ok(value.as_f64())
}

/// Sets the live knob `name` of a family whose knobs are fields of its config: `value` is
/// checked against `knobs`, `set` writes it into a copy of `config` (false for a name it does
/// not know), and the copy replaces `config` only once `validate` accepts it as a whole.
pub fn set_config_knob<C: Clone>(
    config: &mut C,
    knobs: &[Knob],
    name: &str,
    value: KnobValue,
    owner: &str,
    validate: Validate<C>,
    set: impl FnOnce(&mut C, &str, KnobValue) -> bool,
) -> FamilyResult<()> {
    check_knob(knobs, name, value, owner)?;
    let mut next = config.clone();
    if !set(&mut next, name, value) {
        return Err(format!("the {owner} has no live knob \"{name}\""));
    }
    validate(&next)?;
    *config = next;
    Ok(())
}

/// Checks `value` against the knob `name` among a family's `knobs` (`owner` names the model
/// in the sentence): refused when there is no such knob, or the value is of another kind or
/// outside the knob's range.
pub fn check_knob(knobs: &[Knob], name: &str, value: KnobValue, owner: &str) -> FamilyResult<()> {
    let Some(knob) = knobs.iter().find(|k| k.name == name) else {
        return Err(format!("the {owner} has no live knob \"{name}\""));
    };
    if knob.accepts(value) {
        return Ok(());
    }
    let label = knob.label;
    let given = match value {
        KnobValue::Real(v) => format!("the number {v}"),
        KnobValue::Whole(v) => format!("the whole number {v}"),
        KnobValue::Choice(i) => format!("option {i}"),
    };
    Err(match (&knob.kind, value) {
        (KnobKind::Real { min, max, .. }, KnobValue::Real(_)) => format!("{label} must lie between {min} and {max}, not {given}"),
        (KnobKind::Whole { min, max, .. }, KnobValue::Whole(_)) => format!("{label} must lie between {min} and {max}, not {given}"),
        (KnobKind::Choice { options }, KnobValue::Choice(_)) => {
            format!("{label} is one of {} options ({}), not {given}", options.len(), options.join(", "))
        }
        (KnobKind::Real { .. }, _) => format!("{label} is a number, not {given}"),
        (KnobKind::Whole { .. }, _) => format!("{label} is a whole number, not {given}"),
        (KnobKind::Choice { options }, _) => format!("{label} is a choice among {}, not {given}", options.join(", ")),
    })
}

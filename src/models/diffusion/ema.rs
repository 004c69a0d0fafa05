//! An exponential moving average of the denoiser's weights, which sampling uses instead of
//! the raw weights (Ho et al. 2020, §4 and Appendix B: "EMA on model parameters with a decay
//! factor of 0.9999"): it smooths away the step-to-step noise of Adam, and diffusion samples are
//! sensitive to it.

use std::collections::HashMap;

use burn::module::{ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::prelude::*;

use super::nets::Denoiser;

/// The decay for the n-th update: min(max, (1 + n)/(10 + n)), the warm-up of TensorFlow's
/// `ExponentialMovingAverage(num_updates=…)`, so a short run is not averaged with its random
/// initialisation.
pub fn decay_at(max_decay: f64, updates: u64) -> f64 {
    max_decay.min((1.0 + updates as f64) / (10.0 + updates as f64))
}

/// Every float parameter of the training network, flattened, by id.
struct Collect(HashMap<ParamId, Tensor<1>>);

impl ModuleVisitor for Collect {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let t = param.val().without_autodiff();
        let n = t.shape().num_elements();
        self.0.insert(param.id, t.reshape([n]));
    }
}

/// ema ← d·ema + (1 − d)·current, parameter by parameter (the ids are shared: the average
/// starts as `valid()` of the network, which keeps them).
struct Blend {
    current: HashMap<ParamId, Tensor<1>>,
    decay: f64,
    matched: usize,
}

impl ModuleMapper for Blend {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let Some(current) = self.current.remove(&param.id) else { return param };
        self.matched += 1;
        let decay = self.decay;
        param.map(|ema| {
            let dims = ema.dims();
            ema.mul_scalar(decay) + current.reshape(dims).mul_scalar(1.0 - decay)
        })
    }
}

/// One averaging step towards `net` with weight 1 − `decay`.
pub fn update(ema: Denoiser, net: &Denoiser, decay: f64) -> Result<Denoiser, String> {
    let mut collect = Collect(HashMap::new());
    net.visit(&mut collect);
    let total = collect.0.len();
    let mut blend = Blend { current: collect.0, decay, matched: 0 };
    let ema = ema.map(&mut blend);
    if blend.matched != total {
        return Err(format!("internal: the weight average matched {} of {total} parameters", blend.matched));
    }
    Ok(ema)
}

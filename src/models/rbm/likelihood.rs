//! The RBM's log-likelihood, log p(v) = −F(v) − log Z, of the binarized images: log Z from
//! annealed importance sampling (`ais.rs`), and also summed exactly when the RBM has a layer
//! small enough to enumerate. log Z does not depend on the images, and evaluation asks batch
//! after batch, so it is estimated once per set of parameters and kept.

use crate::models::weights::read_back;
use crate::train::FamilyResult;
use crate::views::{LikelihoodModel, LogLikelihood};

use super::ais::{AisEstimate, DEFAULT_TEMPERATURES, HostRbm, Schedule, estimate_log_partition};
use super::family::{RbmFamily, binarize};

/// Fewest AIS runs: one run has no spread to report.
pub const MIN_AIS_RUNS: usize = 2;

/// log Z for the parameters it was computed from.
pub struct PartitionCache {
    /// W, b, c as read back from the device: the cache's key, exact to the bit.
    parameters: [Vec<f32>; 3],
    runs: usize,
    ais: AisEstimate,
    exact: Option<f64>,
}

impl RbmFamily {
    /// The AIS estimate of log Z with `runs` runs of `DEFAULT_TEMPERATURES` temperatures,
    /// kept until the parameters or the number of runs change (the seed of the call that
    /// computed it stays in force until then). The base-rate model is the RBM without its
    /// weights: its own visible biases b, hidden biases 0. Salakhutdinov & Murray use the
    /// training data's base rates, but a checkpoint carries no data, and log Z must not
    /// depend on which test batch came first; any base gives an unbiased Ẑ.
    pub fn log_partition(&mut self, runs: usize, seed: u64) -> FamilyResult<AisEstimate> {
        let (_, ais, _) = self.cached_partition(runs, seed)?;
        Ok(ais.clone())
    }

    /// The host copy of the parameters, the AIS estimate and the exact log Z (if affordable).
    fn cached_partition(&mut self, runs: usize, seed: u64) -> FamilyResult<(HostRbm, &AisEstimate, Option<f64>)> {
        let rbm = &self.rbm;
        let parameters = [read_back(rbm.weights.val())?, read_back(rbm.visible_bias.val())?, read_back(rbm.hidden_bias.val())?];
        let [w, b, c] = &parameters;
        let host = HostRbm::new(b.len(), c.len(), w, b, c)?;
        let cache = match self.partition.take().filter(|p| p.parameters == parameters && p.runs == runs) {
            Some(cache) => cache,
            None => PartitionCache {
                ais: estimate_log_partition(&host, host.visible_bias(), &Schedule::scaled(DEFAULT_TEMPERATURES), runs, seed ^ 0xA15)?,
                exact: host.log_partition_exact(),
                parameters,
                runs,
            },
        };
        let cache = self.partition.insert(cache);
        Ok((host, &cache.ais, cache.exact))
    }
}

impl LikelihoodModel for RbmFamily {
    /// `importance_samples` is M, the number of AIS runs (at least `MIN_AIS_RUNS`): each run
    /// is one importance weight of Z, as each of the IWAE bound's k draws is one of p(x).
    /// Rows: "exact" when a layer is small enough to sum over (`ais::MAX_ENUMERATED_TERMS`),
    /// then always the AIS estimate, its spread in the name.
    fn log_likelihood(
        &mut self,
        x: &[f32],
        n: usize,
        _labels: &[u8],
        importance_samples: usize,
        seed: u64,
    ) -> FamilyResult<Vec<LogLikelihood>> {
        let d = self.config().visible();
        if x.len() != n * d {
            return Err(format!("{} values for {n} images of {d} pixels", x.len()));
        }
        let runs = importance_samples.max(MIN_AIS_RUNS);
        let (host, ais, exact) = self.cached_partition(runs, seed)?;
        let v: Vec<bool> = binarize(x).iter().map(|&p| p > 0.5).collect();
        let minus_f: Vec<f64> = v.chunks(d.max(1)).take(n).map(|image| -host.free_energy(image)).collect();
        let mut rows = Vec::new();
        if let (Some(log_z), Some((layer, m))) = (exact, host.enumerable_layer()) {
            rows.push(LogLikelihood {
                name: format!("exact (log Z summed over the {} states of the {} layer)", 1u64 << m, layer.name()),
                exact: true,
                per_example: minus_f.iter().map(|f| f - log_z).collect(),
            });
        }
        rows.push(LogLikelihood {
            name: format!(
                "AIS estimate ({} runs, {} temperatures; log Z {:+.2}/{:+.2} at ±3σ)",
                ais.runs(),
                ais.temperatures,
                ais.log_z_low - ais.log_z,
                ais.log_z_high - ais.log_z
            ),
            exact: false,
            per_example: minus_f.iter().map(|f| f - ais.log_z).collect(),
        });
        Ok(rows)
    }
}

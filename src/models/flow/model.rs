//! The RealNVP network: a stack of affine couplings with alternating masks, and the standard
//! normal base density.

use burn::prelude::*;

use super::config::FlowConfig;
use super::coupling::Coupling;

#[derive(Module, Debug)]
pub struct RealNvp {
    couplings: Vec<Coupling>,
}

/// log N(z; 0, I) per row: −½‖z‖² − (D/2) log 2π.
///
/// # Shapes
/// z: [B, D] → [B]
pub fn standard_normal_log_density(z: Tensor<2>) -> Tensor<1> {
    let d = z.dims()[1] as f64;
    z.powf_scalar(2.0).sum_dim(1).flatten(0, 1).mul_scalar(-0.5).sub_scalar(0.5 * d * (2.0 * std::f64::consts::PI).ln())
}

impl RealNvp {
    pub fn new(config: &FlowConfig, device: &Device) -> Self {
        Self { couplings: (0..config.couplings).map(|_| Coupling::new(config.data_dim, config.hidden, device)).collect() }
    }

    pub fn layers(&self) -> usize {
        self.couplings.len()
    }

    fn mask(config: &FlowConfig, layer: usize, device: &Device) -> Tensor<2> {
        Tensor::from_data(TensorData::new(config.mask(layer), [1, config.data_dim]), device)
    }

    /// Data to the base space, and Σ log|det| per row.
    ///
    /// # Shapes
    /// x: [B, D] → (z [B, D], log_det [B])
    pub fn forward(&self, x: Tensor<2>, config: &FlowConfig) -> (Tensor<2>, Tensor<1>) {
        let device = x.device();
        let mut log_det = Tensor::<1>::zeros([x.dims()[0]], &device);
        let mut h = x;
        for (l, coupling) in self.couplings.iter().enumerate() {
            let (y, ld) = coupling.forward(h, Self::mask(config, l, &device));
            h = y;
            log_det = log_det + ld;
        }
        (h, log_det)
    }

    /// log p(x) per row, nats: the base density of f(x) plus the log-determinant.
    ///
    /// # Shapes
    /// x: [B, D] → [B]
    pub fn log_density(&self, x: Tensor<2>, config: &FlowConfig) -> Tensor<1> {
        let (z, log_det) = self.forward(x, config);
        standard_normal_log_density(z) + log_det
    }

    /// Base space to data, keeping the points after each layer (the input first).
    ///
    /// # Shapes
    /// z: [B, D] → layers + 1 tensors [B, D], the last one the sample
    pub fn inverse_steps(&self, z: Tensor<2>, config: &FlowConfig) -> Vec<Tensor<2>> {
        let device = z.device();
        let mut steps = vec![z.clone()];
        let mut h = z;
        for (l, coupling) in self.couplings.iter().enumerate().rev() {
            h = coupling.inverse(h, Self::mask(config, l, &device));
            steps.push(h.clone());
        }
        steps
    }

    /// # Shapes
    /// z: [B, D] → x [B, D]
    pub fn inverse(&self, z: Tensor<2>, config: &FlowConfig) -> Tensor<2> {
        self.inverse_steps(z, config).pop().expect("at least the input")
    }
}

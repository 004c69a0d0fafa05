//! A LeNet-sized CNN (LeCun et al. 1998, with ReLU and max pooling) whose penultimate layer is
//! genlab's feature space for FID and precision/recall, and whose softmax feeds the
//! Inception-style score.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::relu;

use super::config::ClassifierConfig;

fn conv3(channels: [usize; 2], device: &Device) -> Conv2d {
    Conv2dConfig::new(channels, [3, 3]).with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1)).init(device)
}

#[derive(Module, Debug)]
pub struct LeNet {
    conv1: Conv2d,
    conv2: Conv2d,
    conv3: Conv2d,
    pool: MaxPool2d,
    hidden: Linear,
    head: Linear,
    height: usize,
    width: usize,
}

impl LeNet {
    pub fn new(config: &ClassifierConfig, device: &Device) -> Self {
        let [c1, c2, c3] = config.channels;
        let (ph, pw) = config.pooled();
        Self {
            conv1: conv3([1, c1], device),
            conv2: conv3([c1, c2], device),
            conv3: conv3([c2, c3], device),
            pool: MaxPool2dConfig::new([2, 2]).init(),
            hidden: LinearConfig::new(c3 * ph * pw, config.features).init(device),
            head: LinearConfig::new(config.features, config.num_classes).init(device),
            height: config.height,
            width: config.width,
        }
    }

    /// The features (the penultimate layer *before* its ReLU: dense, so the feature covariance
    /// has no dead-unit zeros) and the class logits.
    ///
    /// # Shapes
    /// x: [B, H·W] in [0, 1] → (features [B, F], logits [B, classes])
    pub fn forward(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let [b, _] = x.dims();
        let x = x.reshape([b, 1, self.height, self.width]); // [B, 1, 28, 28]
        let x = self.pool.forward(relu(self.conv1.forward(x))); // [B, c1, 14, 14]
        let x = self.pool.forward(relu(self.conv2.forward(x))); // [B, c2, 7, 7]
        let x = self.pool.forward(relu(self.conv3.forward(x))); // [B, c3, 3, 3]
        let features = self.hidden.forward(x.flatten::<2>(1, 3)); // [B, F]
        let logits = self.head.forward(relu(features.clone())); // [B, classes]
        (features, logits)
    }
}

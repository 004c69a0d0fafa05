//! One-hot class rows, the label input of conditional models and the target of classifiers.

use burn::prelude::*;

/// `labels.len() × classes` rows with a 1 at each label (labels past the end clamp to the last
/// class).
pub fn one_hot(labels: &[u8], classes: usize, device: &Device) -> Tensor<2> {
    let mut rows = vec![0.0f32; labels.len() * classes];
    for (i, &l) in labels.iter().enumerate() {
        rows[i * classes + (l as usize).min(classes - 1)] = 1.0;
    }
    Tensor::from_data(TensorData::new(rows, [labels.len(), classes]), device)
}

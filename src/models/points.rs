//! 2-D points as the networks take them: the rows of an [N, 2] tensor, and back.

use burn::prelude::*;

/// Points as an [N, 2] tensor on `device`.
pub fn rows(points: &[[f32; 2]], device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(points.iter().flatten().copied().collect::<Vec<_>>(), [points.len(), 2]), device)
}

/// A flat list of x, y values (a [N, 2] tensor read back) as points.
pub fn pairs(values: &[f32]) -> Vec<[f32; 2]> {
    values.chunks(2).map(|p| [p[0], p[1]]).collect()
}

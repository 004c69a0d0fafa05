//! The pixel-by-pixel view (autoregressive image models, PixelCNN).

use super::{Model, ask};
use crate::train::{FamilyResult, Question};

/// Autoregressive image models: sampling one pixel at a time, in raster order, as the
/// pixel-by-pixel view shows it.
pub trait PixelView {
    /// (width, height) of the images.
    fn image_size(&self) -> (usize, usize);

    /// Samples pixels `from..from + count` (raster order) of the `n` images in `x` (values in
    /// {0, 1}, `n × width × height`), each from the model given every pixel before it. Returns
    /// each sampled pixel's probability of being on, image-major (`n × count`). The draw for
    /// pixel i of image j depends only on (seed, j, i), so filling in any number of calls gives
    /// the image `Family::sample` gives with the same seed.
    fn fill(&mut self, x: &mut [f32], n: usize, from: usize, count: usize, seed: u64, label: Option<u8>) -> FamilyResult<Vec<f32>>;

    /// The input pixels that the prediction at pixel `index` can see, `width × height`.
    fn visible_pixels(&self, index: usize) -> Vec<bool>;
}

/// Pixels filled in: the images, each filled pixel's probability of being on (`n × count`),
/// and what the next pixel can see.
#[derive(Clone, Debug, PartialEq)]
pub struct PixelsFilled {
    pub x: Vec<f32>,
    pub n: usize,
    pub from: usize,
    pub count: usize,
    pub probs: Vec<f32>,
    pub next_visible: Vec<bool>,
}

/// Samples pixels `from..from + count` of the `n` images `x` one at a time.
pub fn fill_pixels(mut x: Vec<f32>, n: usize, from: usize, count: usize, seed: u64, label: Option<u8>) -> Question<dyn Model> {
    ask(move |model, _| {
        let view = model.pixels().ok_or("this model does not draw images pixel by pixel")?;
        let probs = view.fill(&mut x, n, from, count, seed, label)?;
        let next_visible = view.visible_pixels(from + count);
        Ok(PixelsFilled { x, n, from, count, probs, next_visible })
    })
}

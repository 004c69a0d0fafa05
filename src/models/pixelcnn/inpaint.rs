//! Inpainting with the PixelCNN: the hidden pixels are drawn in raster order, each from
//! p(x_i | x_<i) given every pixel before it, the visible ones as given (binarized, as the
//! model trains) and the hidden ones as already drawn. When every hidden pixel comes after
//! every visible one (the bottom half) this samples p(hidden | visible) exactly; otherwise a
//! hidden pixel never sees the visible pixels after it, which an autoregressive order cannot
//! condition on without summing over every completion in between.

use burn::prelude::*;

use crate::models::weights::read_back;
use crate::train::FamilyResult;
use crate::views::Inpainter;

use super::family::{PixelCnnFamily, binarize, pixel_uniform};

impl Inpainter for PixelCnnFamily {
    fn method(&self) -> String {
        "each hidden pixel drawn in raster order from p(x_i | every pixel before it), the visible pixels binarized at 0.5 \
         as in training (the completed pixels are 0 or 1)"
            .into()
    }

    /// One network pass per hidden pixel, batched over the `n` images and cropped to the rows
    /// down to that pixel's (`PixelCnn::probability_at`); visible pixels cost nothing. The draw
    /// for pixel i of image j is `pixel_uniform(seed, j, i)`, as in sampling.
    fn inpaint(&mut self, x: &[f32], n: usize, hidden: &[bool], seed: u64) -> FamilyResult<Vec<f32>> {
        self.check(x, n)?;
        let (w, h) = (self.config().width, self.config().height);
        if !crate::models::check_mask(hidden, n, w, h, "this PixelCNN")? {
            return Ok(x.to_vec());
        }
        let device = self.training_device().clone().without_autodiff();
        let model = self.network()?.valid();
        // No labels come with the images: a conditional model completes image j as class
        // j mod K, as `sample` draws without a chosen class (the caveat says so).
        let classes = self.config().num_classes.max(1);
        let labels: Vec<u8> = (0..n).map(|j| (j % classes) as u8).collect();
        let class = self.classes(&labels, &device);
        let mut binary = binarize(x); // [n × H × W]
        for index in (0..w * h).filter(|&i| hidden[i]) {
            let p = read_back(model.probability_at(&binary, n, (w, h), index, class.clone(), &device))?; // [n]
            for (j, &pj) in p.iter().enumerate() {
                binary[j * w * h + index] = if pixel_uniform(seed, j, index) < pj as f64 { 1.0 } else { 0.0 };
            }
        }
        // Visible pixels come back exactly as given (grey), not binarized.
        Ok(x.iter().zip(&binary).enumerate().map(|(i, (&given, &drawn))| if hidden[i % (w * h)] { drawn } else { given }).collect())
    }

    fn caveat(&self, hidden: &[bool]) -> Option<String> {
        let mut notes = Vec::new();
        if let Some(first) = hidden.iter().position(|&h| h) {
            let unseen = hidden[first..].iter().filter(|&&h| !h).count();
            if unseen > 0 {
                notes.push(format!(
                    "approximate for this mask: each hidden pixel is drawn given only the pixels before it in raster order, \
                     so the completion ignores the visible pixels below or after each hidden one ({unseen} visible pixels \
                     come after the first hidden pixel); it is exact when the hidden pixels come last, as the bottom half does"
                ));
            }
        }
        if self.config().conditional {
            notes.push(format!(
                "this class-conditional PixelCNN is given no labels here, so image j is completed as class j mod {}",
                self.config().num_classes.max(1)
            ));
        }
        (!notes.is_empty()).then(|| notes.join("; "))
    }
}

//! Which input pixels the prediction at one pixel can depend on: the masks' taps composed
//! layer by layer (the 1×1 layers add nothing). With the original masks a triangle of pixels
//! above and to the right stays out of reach however deep the stack: the "blind spot" that
//! the gated PixelCNN's two stacks remove (van den Oord et al. 2016b, "Conditional Image
//! Generation with PixelCNN Decoders", §2.2 and Figure 1).

use super::masked_conv::{MaskType, mask};

/// A `width × height` map, row-major: true for the input pixels that output pixel `index`
/// can see through `masks` (first layer first).
pub fn visible_pixels(masks: &[(MaskType, usize)], width: usize, height: usize, index: usize) -> Vec<bool> {
    let (w, h) = (width as isize, height as isize);
    let mut reach = vec![false; width * height];
    if index >= reach.len() {
        return reach;
    }
    reach[index] = true;
    // Walk back from the output through the layers, last first: a position reaches every
    // position that an open tap of that layer reads.
    for &(kind, k) in masks.iter().rev() {
        let taps = mask(kind, k);
        let c = (k / 2) as isize;
        let mut before = vec![false; reach.len()];
        for p in (0..reach.len()).filter(|&p| reach[p]) {
            let (y, x) = ((p / width) as isize, (p % width) as isize);
            for t in (0..taps.len()).filter(|&t| taps[t] > 0.0) {
                let (dy, dx) = ((t / k) as isize - c, (t % k) as isize - c);
                let (yy, xx) = (y + dy, x + dx);
                if (0..h).contains(&yy) && (0..w).contains(&xx) {
                    before[(yy * w + xx) as usize] = true;
                }
            }
        }
        reach = before;
    }
    reach
}

//! The complexity correction of Serrà et al. 2020: L(x), an image's length as a PNG, and
//! S(x) = −log₂ p(x) − L(x), per image, with a set's means and its most and least typical
//! images.

use std::f64::consts::LN_2;

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};

use crate::models::pixelcnn::BINARIZE_THRESHOLD;

use super::report::{EXTREMES, ExampleScore, Extremes, SetScores};
use super::sets::LoadedSet;

/// The pixels L(x) codes.
#[derive(Clone, Copy)]
pub(super) enum Depth {
    /// 8-bit grey levels.
    Byte,
    /// 0 or 1 at the PixelCNN's threshold, written as 0 or 255 (DEFLATE's Huffman stage then
    /// spends about a bit or less on each).
    Binary,
}

/// L(x): the length in bits of one image as a PNG at the best compression.
fn png_bits(image: &[f32], width: usize, height: usize, depth: Depth) -> Result<f64, String> {
    let bytes: Vec<u8> = image
        .iter()
        .map(|&p| match depth {
            Depth::Byte => (p.clamp(0.0, 1.0) * 255.0).round() as u8,
            Depth::Binary if p > BINARIZE_THRESHOLD => 255,
            Depth::Binary => 0,
        })
        .collect();
    let mut png = Vec::new();
    PngEncoder::new_with_quality(&mut png, CompressionType::Best, FilterType::Adaptive)
        .write_image(&bytes, width as u32, height as u32, ExtendedColorType::L8)
        .map_err(|e| format!("cannot encode an image as PNG ({e})"))?;
    Ok(8.0 * png.len() as f64)
}

/// One set's per-image scores and their means (the AUROCs are filled in by the caller).
pub(super) fn summarise(set: LoadedSet, log_likelihoods: &[f64], depth: Depth) -> Result<SetScores, String> {
    let LoadedSet { name, source, images } = set;
    let n = images.len();
    let mut scores = Vec::with_capacity(n);
    for (i, &ll) in log_likelihoods.iter().enumerate() {
        let complexity_bits = png_bits(images.image(i), images.width, images.height, depth)?;
        let nll_nats = -ll;
        scores.push(ExampleScore { nll_nats, complexity_bits, corrected_bits: nll_nats / LN_2 - complexity_bits });
    }
    let mean = |f: fn(&ExampleScore) -> f64| scores.iter().map(f).sum::<f64>() / n as f64;
    let mean_nll_nats = mean(|s| s.nll_nats);
    // NaN scores (an image the model could not score) sort last either way.
    let mut order: Vec<usize> = (0..n).filter(|&i| !scores[i].nll_nats.is_nan()).collect();
    order.sort_by(|&a, &b| scores[a].nll_nats.total_cmp(&scores[b].nll_nats));
    let keep = |i: usize| (i, scores[i].nll_nats, images.image(i).to_vec());
    let extremes = Extremes {
        width: images.width,
        height: images.height,
        most_typical: order.iter().take(EXTREMES).map(|&i| keep(i)).collect(),
        least_typical: order.iter().rev().take(EXTREMES).map(|&i| keep(i)).collect(),
    };
    Ok(SetScores {
        bits_per_dim: mean_nll_nats / (images.pixels_per_image() as f64 * LN_2),
        mean_nll_nats,
        mean_complexity_bits: mean(|s| s.complexity_bits),
        mean_corrected_bits: mean(|s| s.corrected_bits),
        name,
        source,
        n,
        auroc_raw: None,
        auroc_corrected: None,
        scores,
        extremes,
    })
}

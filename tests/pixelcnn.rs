//! PixelCNN: causality (every output's gradient with respect to itself and every later pixel
//! is exactly zero), the likelihood on blank images falls towards zero, seeded sampling is
//! reproducible however it is split, and checkpoints round-trip.

use burn::prelude::*;
use genlab::data::ImageSet;
use genlab::metrics::evaluate_likelihood;
use genlab::models::load_family;
use genlab::models::pixelcnn::{PixelCnnConfig, PixelCnnFamily, visible_pixels};
use genlab::rng::Rng;
use genlab::train::{Batch, Family, Samples};
use genlab::views::Model;

fn small(width: usize, height: usize) -> PixelCnnConfig {
    PixelCnnConfig { width, height, channels: 8, layers: 2, ..PixelCnnConfig::default() }
}

fn binary_images(n: usize, pixels: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    (0..n * pixels).map(|_| if rng.uniform() < 0.3 { 1.0 } else { 0.0 }).collect()
}

#[test]
fn no_output_depends_on_itself_or_a_later_pixel() {
    let (w, h) = (7, 6);
    for conditional in [false, true] {
        let config = PixelCnnConfig { conditional, num_classes: 3, ..small(w, h) };
        let family = PixelCnnFamily::new(config, &Device::flex(), 1).unwrap();
        let device = family.training_device().clone();
        let net = family.network().unwrap();
        let x = Tensor::<4>::from_data(TensorData::new(binary_images(1, w * h, 2), [1, 1, h, w]), &device).require_grad();
        let class = conditional.then(|| Tensor::<2>::from_data(TensorData::new(vec![0.0f32, 1.0, 0.0], [1, 3]), &device));
        for i in 0..w * h {
            let logits = net.forward(x.clone(), class.clone()).reshape([w * h]);
            let grads = logits.slice(i..i + 1).sum().backward();
            let g = x.grad(&grads).expect("a gradient for the input").try_into_vec_as::<f32>().unwrap();
            for (j, &gj) in g.iter().enumerate().skip(i) {
                assert_eq!(gj, 0.0, "output {i} depends on input {j} (conditional: {conditional})");
            }
            // Whatever it does depend on lies inside the analytic receptive field.
            let seen = visible_pixels(&net.masks(), w, h, i);
            for (j, &gj) in g.iter().enumerate() {
                assert!(gj == 0.0 || seen[j], "output {i} depends on {j}, outside its receptive field");
            }
            if i == w + 1 {
                assert!(g[..i].iter().any(|&v| v != 0.0), "output {i} should see the pixels above it");
            }
        }
    }
}

#[test]
fn receptive_field_has_the_blind_spot() {
    // One 3×3 mask-A layer: pixel (1, 1) of a 4×4 image sees (0,0), (0,1), (0,2) and (1,0)
    // (van den Oord et al. 2016, Figure 2); a stack of mask-B layers never reaches the pixels
    // up and to the right beyond the diagonal (van den Oord et al. 2016b, Figure 1).
    use genlab::models::pixelcnn::MaskType;
    let seen = visible_pixels(&[(MaskType::A, 3)], 4, 4, 5);
    let idx: Vec<usize> = (0..16).filter(|&i| seen[i]).collect();
    assert_eq!(idx, vec![0, 1, 2, 4]);
    let stack = [(MaskType::A, 3), (MaskType::B, 3), (MaskType::B, 3), (MaskType::B, 3)];
    let seen = visible_pixels(&stack, 9, 9, 4 * 9 + 4);
    assert!(seen[3 * 9 + 5], "one up, one right is visible");
    assert!(!seen[9 + 8], "three up, four right is in the blind spot");
    assert!(seen[9 + 1] && seen[4 * 9], "up-left and the row's start are visible");
    assert!(!seen[4 * 9 + 4] && !seen[4 * 9 + 5], "never itself or a later pixel");
}

#[test]
fn nll_of_blank_images_falls_near_zero() {
    let (w, h) = (12, 12);
    let config = PixelCnnConfig { learning_rate: 0.03, ..small(w, h) };
    let mut family = PixelCnnFamily::new(config, &Device::flex(), 0).unwrap();
    let blank = vec![0.0f32; 16 * w * h];
    let labels = vec![0u8; 16];
    let start = -family.log_prob(&blank, 16, &labels).unwrap()[0];
    // An untrained model is near a fair coin per pixel: about 144 ln 2 = 100 nats.
    assert!(start > 30.0, "untrained NLL {start}");
    for _ in 0..300 {
        family.train_step(&Batch { x: &blank, n: 16, dims: &[1, h, w], labels: &labels }).unwrap();
    }
    let end = -family.log_prob(&blank, 16, &labels).unwrap()[0];
    assert!(end < 0.5, "NLL of a blank image after training on blanks: {end} nats (from {start})");
    // The likelihood interface says the same, and calls it exact.
    let set = ImageSet { width: w, height: h, pixels: blank.clone(), labels: labels.clone() };
    let rows = evaluate_likelihood(&mut family, &set, 16, 1, 0, &mut |_, _| true).unwrap();
    assert!(rows[0].exact && (rows[0].nll_nats - end).abs() < 1e-4, "{rows:?}");
}

#[test]
fn seeded_sampling_is_reproducible_in_any_number_of_calls() {
    let (w, h) = (6, 5);
    let mut family = PixelCnnFamily::new(small(w, h), &Device::flex(), 4).unwrap();
    let Samples::Images(a) = family.sample(3, 11, None).unwrap() else { panic!("images") };
    let Samples::Images(b) = family.sample(3, 11, None).unwrap() else { panic!("images") };
    assert_eq!(a, b);
    let Samples::Images(c) = family.sample(3, 12, None).unwrap() else { panic!("images") };
    assert_ne!(a.pixels, c.pixels, "another seed, other images");
    // The live view fills a few pixels per request: the same image.
    let view = family.pixels().unwrap();
    let mut x = vec![0.0; 3 * w * h];
    let mut from = 0;
    for count in [1, 4, 7, 100] {
        let probs = view.fill(&mut x, 3, from, count, 11, None).unwrap();
        let filled = count.min(w * h - from);
        assert_eq!(probs.len(), 3 * filled);
        assert!(probs.iter().all(|p| (0.0..=1.0).contains(p)));
        from += filled;
    }
    assert_eq!(x, a.pixels);
    assert!(a.pixels.iter().all(|&v| v == 0.0 || v == 1.0));
}

#[test]
fn checkpoint_round_trip() {
    let (w, h) = (8, 8);
    let mut family = PixelCnnFamily::new(PixelCnnConfig { conditional: true, num_classes: 4, ..small(w, h) }, &Device::flex(), 9).unwrap();
    let x = binary_images(8, w * h, 3);
    let labels = vec![0u8, 1, 2, 3, 0, 1, 2, 3];
    for _ in 0..5 {
        family.train_step(&Batch { x: &x, n: 8, dims: &[1, h, w], labels: &labels }).unwrap();
    }
    let dir = std::env::temp_dir().join(format!("genlab-test-pixelcnn-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    family.save(&dir).unwrap();
    let mut loaded = load_family(&dir, &Device::flex()).unwrap();
    assert_eq!(loaded.family_name(), "pixelcnn");
    let before = family.log_prob(&x, 8, &labels).unwrap();
    let after = loaded.likelihood().unwrap().log_likelihood(&x, 8, &labels, 1, 0).unwrap()[0].per_example.clone();
    assert_eq!(before, after);
    assert_eq!(family.sample(2, 5, Some(2)).unwrap(), loaded.sample(2, 5, Some(2)).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}

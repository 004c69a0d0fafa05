//! Inpainting (issue 19): PixelCNN, VAE/autoencoder and diffusion complete partly hidden
//! images, every visible pixel comes back exactly as given, a seed fixes the completion, and
//! each method agrees with a reference built from the family's own verbs (the PixelCNN's
//! pixel-by-pixel sampler, the autoencoder's encoder and decoder, the diffusion sampler).
//! `genlab inpaint` writes its grid and never writes over a file it did not write.

use std::path::{Path, PathBuf};
use std::process::Command;

use burn::tensor::Device;
use genlab::models::diffusion::{DiffusionConfig, DiffusionFamily, RepaintSettings};
use genlab::models::pixelcnn::family::binarize;
use genlab::models::pixelcnn::{PixelCnnConfig, PixelCnnFamily};
use genlab::models::vae::inpaint::INPAINT_ROUNDS;
use genlab::models::vae::{VaeConfig, VaeFamily};
use genlab::rng::Rng;
use genlab::train::{Batch, Family, KnobValue, Samples};
use genlab::views::{Inpainter, LatentModel, Model, PixelView};

mod common;
use common::{mnist_dir, say};

/// `n` images of `pixels` grey values in (0, 1), none of them 0, ½ or 1, so that a visible
/// pixel returned binarized, clamped or rounded would show.
fn grey_images(n: usize, pixels: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    (0..n * pixels).map(|_| 0.01 + 0.98 * rng.uniform() as f32).collect()
}

fn bottom_half(width: usize, height: usize) -> Vec<bool> {
    (0..width * height).map(|i| i / width >= height / 2).collect()
}

fn top_half(width: usize, height: usize) -> Vec<bool> {
    bottom_half(width, height).into_iter().map(|h| !h).collect()
}

/// Every fourth pixel and the right half: hidden pixels before and after visible ones.
fn scattered(width: usize, height: usize) -> Vec<bool> {
    (0..width * height).map(|i| i % 4 == 1 || i % width >= width / 2).collect()
}

/// Every pixel that is not hidden is returned bit for bit; returns how many hidden pixels
/// differ from the input.
fn check_visible_kept(x: &[f32], out: &[f32], hidden: &[bool], what: &str) -> usize {
    assert_eq!(out.len(), x.len(), "{what}: one value per input value");
    let d = hidden.len();
    let mut changed = 0;
    for (i, (&given, &got)) in x.iter().zip(out).enumerate() {
        if hidden[i % d] {
            assert!((0.0..=1.0).contains(&got), "{what}: hidden pixel {i} is {got}, outside [0, 1]");
            changed += usize::from(given != got);
        } else {
            assert_eq!(given.to_bits(), got.to_bits(), "{what}: visible pixel {i} came back as {got}, not {given}");
        }
    }
    changed
}

fn small_pixelcnn(width: usize, height: usize, seed: u64) -> PixelCnnFamily {
    let config = PixelCnnConfig { width, height, channels: 8, layers: 2, ..PixelCnnConfig::default() };
    PixelCnnFamily::new(config, &Device::flex(), seed).unwrap()
}

#[test]
fn pixelcnn_keeps_the_visible_pixels_and_is_seeded() {
    let (w, h, n) = (8, 7, 3);
    let mut family = small_pixelcnn(w, h, 1);
    let x = grey_images(n, w * h, 2);
    for hidden in [bottom_half(w, h), top_half(w, h), scattered(w, h)] {
        let a = family.inpaint(&x, n, &hidden, 5).unwrap();
        let changed = check_visible_kept(&x, &a, &hidden, "PixelCNN");
        assert!(changed > 0, "nothing was filled in");
        assert!(a.iter().zip(&hidden.repeat(n)).all(|(&v, &hide)| !hide || v == 0.0 || v == 1.0), "completed pixels are binary");
        assert_eq!(a, family.inpaint(&x, n, &hidden, 5).unwrap(), "the same seed, the same completion");
        assert_ne!(a, family.inpaint(&x, n, &hidden, 6).unwrap(), "another seed, another completion");
    }
}

#[test]
fn pixelcnn_bottom_half_is_the_rest_of_its_raster_order() {
    // Filling the bottom half is what the sampler does after the top half: the same
    // conditionals p(x_i | x_<i) and the same draw for pixel i of image j under a seed. The
    // pixel-by-pixel view, given the binarized top half, must draw the same bottom half.
    let (w, h, n) = (6, 6, 4);
    let mut family = small_pixelcnn(w, h, 3);
    let x = grey_images(n, w * h, 4);
    let hidden = bottom_half(w, h);
    let completed = family.inpaint(&x, n, &hidden, 9).unwrap();
    let mut reference = binarize(&x);
    let first = hidden.iter().position(|&hide| hide).unwrap();
    family.fill(&mut reference, n, first, w * h - first, 9, None).unwrap();
    for (i, (&got, &want)) in completed.iter().zip(&reference).enumerate() {
        if hidden[i % (w * h)] {
            assert_eq!(got, want, "pixel {i}");
        }
    }
}

#[test]
fn pixelcnn_caveat_only_when_visible_pixels_follow_hidden_ones() {
    let (w, h) = (8, 8);
    let family = small_pixelcnn(w, h, 0);
    assert_eq!(family.caveat(&bottom_half(w, h)), None, "the bottom half is exact");
    let last_pixel: Vec<bool> = (0..w * h).map(|i| i == w * h - 1).collect();
    assert_eq!(family.caveat(&last_pixel), None);
    for (name, hidden) in [("top half", top_half(w, h)), ("scattered", scattered(w, h))] {
        let caveat = family.caveat(&hidden).unwrap_or_else(|| panic!("{name}: no caveat"));
        assert!(caveat.contains("ignores the visible pixels below or after"), "{name}: {caveat}");
    }
    // The top half leaves 32 visible pixels after the first hidden one.
    assert!(family.caveat(&top_half(w, h)).unwrap().contains("(32 visible pixels"));
    assert!(family.method().contains("raster order"));
}

fn small_vae(variational: bool) -> VaeFamily {
    let config = VaeConfig { width: 8, height: 8, hidden: 32, latent_dim: 3, ..VaeConfig::default() };
    if variational {
        VaeFamily::new(config, &Device::flex(), 7).unwrap()
    } else {
        genlab::models::autoencoder::new_autoencoder(config, &Device::flex(), 7).unwrap()
    }
}

#[test]
fn vae_keeps_the_visible_pixels_and_is_seeded() {
    let n = 5;
    let mut family = small_vae(true);
    let x = grey_images(n, 64, 1);
    for hidden in [bottom_half(8, 8), scattered(8, 8)] {
        let a = family.inpaint(&x, n, &hidden, 3).unwrap();
        assert!(check_visible_kept(&x, &a, &hidden, "VAE") > 0, "nothing was filled in");
        assert_eq!(a, family.inpaint(&x, n, &hidden, 3).unwrap(), "the same seed, the same completion");
        // Each round but the last decodes a draw from q(z|x): the seed changes the chain.
        assert_ne!(a, family.inpaint(&x, n, &hidden, 4).unwrap(), "another seed, another completion");
    }
    assert_eq!(family.caveat(&bottom_half(8, 8)), None);
}

#[test]
fn autoencoder_inpainting_is_encode_decode_rounds_through_its_latent_view() {
    // The reference: INPAINT_ROUNDS rounds of the latent view's encode (the code) and decode
    // (the decoder's mean), with the visible pixels put back after each, from grey.
    let n = 4;
    let mut family = small_vae(false);
    let x = grey_images(n, 64, 2);
    let hidden = scattered(8, 8);
    let completed = family.inpaint(&x, n, &hidden, 0).unwrap();
    check_visible_kept(&x, &completed, &hidden, "autoencoder");
    let merge =
        |filled: &[f32]| -> Vec<f32> { x.iter().zip(filled).enumerate().map(|(i, (&v, &f))| if hidden[i % 64] { f } else { v }).collect() };
    let mut current = merge(&vec![0.5; n * 64]);
    for _ in 0..INPAINT_ROUNDS {
        let z = family.encode(&current, n, &[]).unwrap();
        current = merge(&family.decode(&z, n, &[]).unwrap().pixels);
    }
    for (i, (&got, &want)) in completed.iter().zip(&current).enumerate() {
        assert!((got - want).abs() <= 1e-6, "pixel {i}: {got} against {want} by hand");
    }
    // No posterior to draw from: the seed does not matter.
    assert_eq!(completed, family.inpaint(&x, n, &hidden, 1).unwrap());
}

fn small_unet(seed: u64) -> DiffusionFamily {
    let mut config = DiffusionConfig { channels: 8, time_dim: 32, timesteps: 100, ..DiffusionConfig::unet(16, 16, 0, false) };
    config.sampler.steps = 4;
    DiffusionFamily::new(config, &Device::flex(), seed).unwrap()
}

fn images(samples: Samples) -> Vec<f32> {
    match samples {
        Samples::Images(batch) => batch.pixels,
        _ => panic!("expected images"),
    }
}

#[test]
fn repaint_keeps_the_visible_pixels_and_is_seeded() {
    let n = 2;
    let mut family = small_unet(1);
    let x = grey_images(n, 256, 3);
    let hidden = scattered(16, 16);
    // DDIM (the image default), then DDPM with two resamplings of jumps of 2 steps.
    for ddpm in [false, true] {
        if ddpm {
            family.set_knob("sampler", KnobValue::Choice(0)).unwrap();
            family.set_repaint(RepaintSettings { resamplings: 2, jump: 2 }).unwrap();
        }
        let a = family.inpaint(&x, n, &hidden, 5).unwrap();
        assert!(check_visible_kept(&x, &a, &hidden, "RePaint") > 0, "nothing was filled in");
        assert_eq!(a, family.inpaint(&x, n, &hidden, 5).unwrap(), "the same seed, the same completion");
        assert_ne!(a, family.inpaint(&x, n, &hidden, 6).unwrap(), "another seed, another completion");
    }
    assert!(family.method().contains("DDPM") && family.method().contains("resampled 2 times"), "{}", family.method());
    assert_eq!(family.caveat(&hidden), None, "resampling harmonizes the seam");
    assert!(family.set_repaint(RepaintSettings { resamplings: 0, jump: 2 }).is_err());
}

#[test]
fn repaint_step_through_is_the_completion_move_by_move() {
    // Four DDIM steps with two resamplings of jumps of 2: each move is one frame, and the last
    // frame is the completion `inpaint` gives for the image alone with that seed.
    let mut family = small_unet(4);
    family.set_repaint(RepaintSettings { resamplings: 2, jump: 2 }).unwrap();
    let x = grey_images(1, 256, 8);
    let hidden = scattered(16, 16);
    let steps = family.inpaint_steps(&x, &hidden, 9).unwrap().expect("diffusion has a chain to show");
    let moves = genlab::models::diffusion::inpaint::repaint_moves(4, 2, 2).len();
    assert_eq!(steps.len(), moves, "one frame per move");
    assert!(steps.iter().any(|s| s.label.starts_with("back to t")), "resampling moves are shown");
    let completed = family.inpaint(&x, 1, &hidden, 9).unwrap();
    let last = &steps.last().unwrap().image;
    for p in (0..256).filter(|&p| hidden[p]) {
        assert!((last[p] - completed[p]).abs() < 1e-6, "pixel {p}: {} in the last frame, {} completed", last[p], completed[p]);
    }
    // Families without a chain have nothing to step through.
    assert_eq!(small_pixelcnn(16, 16, 0).inpaint_steps(&x, &hidden, 9).unwrap(), None);
}

#[test]
fn repaint_with_every_pixel_hidden_is_the_family_sampler() {
    // Nothing is known, so nothing is put back: RePaint is then the plain reverse process,
    // drawn from the same noise as `sample` with the same seed.
    let n = 3;
    let mut family = small_unet(2);
    let everything = vec![true; 256];
    let completed = family.inpaint(&vec![0.3; n * 256], n, &everything, 11).unwrap();
    assert_eq!(completed, images(family.sample(n, 11, None).unwrap()));
}

#[test]
fn repaint_refuses_points() {
    let mut family = DiffusionFamily::new(DiffusionConfig { hidden: 32, ..DiffusionConfig::default() }, &Device::flex(), 0).unwrap();
    let err = family.inpainter().unwrap().inpaint(&[0.1, 0.2], 1, &[true, false], 0).unwrap_err();
    assert!(err.contains("inpainting is for images"), "{err}");
}

#[test]
fn every_image_family_here_offers_the_view() {
    let mut models: Vec<Box<dyn Model>> = Vec::new();
    models.push(Box::new(small_pixelcnn(4, 4, 0)));
    models.push(Box::new(small_vae(true)));
    models.push(Box::new(small_vae(false)));
    models.push(Box::new(small_unet(0)));
    for model in &mut models {
        let name = model.family_name();
        assert!(model.inpainter().is_some(), "{name} has no inpainting view");
    }
}

/// The first `n` test images of the shipped MNIST sample and the training set's mean image.
fn mnist_test_and_mean(n: usize) -> (Vec<f32>, Vec<f32>) {
    let data = genlab::data::load_images(genlab::data::ImageDatasetId::Mnist, Some(&mnist_dir())).unwrap();
    let mut mean = vec![0.0f64; 784];
    for image in data.train.pixels.chunks(784) {
        mean.iter_mut().zip(image).for_each(|(m, &v)| *m += v as f64);
    }
    let mean = mean.iter().map(|m| (m / data.train.len() as f64) as f32).collect();
    (data.test.pixels[..n * 784].to_vec(), mean)
}

fn hidden_mse(truth: &[f32], fill: impl Fn(usize, usize) -> f32, hidden: &[bool]) -> f64 {
    let (mut sum, mut count) = (0.0f64, 0usize);
    for (k, &t) in truth.iter().enumerate() {
        if hidden[k % 784] {
            sum += (fill(k / 784, k % 784) as f64 - t as f64).powi(2);
            count += 1;
        }
    }
    sum / count as f64
}

/// A PixelCNN trained for `steps` steps of 32 images of the shipped MNIST sample.
fn mnist_pixelcnn(config: PixelCnnConfig, steps: usize) -> PixelCnnFamily {
    let data = genlab::data::load_images(genlab::data::ImageDatasetId::Mnist, Some(&mnist_dir())).unwrap();
    let mut family = PixelCnnFamily::new(config, &Device::flex(), 0).unwrap();
    let (batch, d) = (32, 784);
    let mut rng = Rng::new(1);
    for _ in 0..steps {
        let start = rng.below(data.train.len() - batch);
        let x = &data.train.pixels[start * d..(start + batch) * d];
        let terms =
            family.train_step(&Batch { x, n: batch, dims: &[1, 28, 28], labels: &data.train.labels[start..start + batch] }).unwrap();
        assert!(terms[0].1.is_finite(), "{terms:?}");
    }
    family
}

#[test]
fn a_trained_pixelcnn_completes_from_the_visible_half() {
    // Each image's bottom half is completed twice: from its own top half, and from the next
    // image's. Both are draws with the same spread, so the own top half can only win by
    // carrying over what it shows (strokes that cross the middle, the digit's shape).
    // PyTorch twin of this run (bench/pixelcnn_reference.py's network, 32 channels, 4
    // layers, Adam 2e-3, 300 steps of 32, torch seeds 0/1/2; first 32 test images, 2 draws):
    // rows 14-17 own 0.183/0.174/0.163 against another's 0.270/0.258/0.278; rows 14-27
    // 0.193/0.188/0.184 against 0.227/0.208/0.221.
    let config = PixelCnnConfig { channels: 32, layers: 4, learning_rate: 2e-3, ..PixelCnnConfig::default() };
    let mut family = mnist_pixelcnn(config, 300);
    let n = 32;
    let (truth, _) = mnist_test_and_mean(n);
    let hidden = bottom_half(28, 28);
    // Images 0..n with their own top halves, then n..2n with the next image's.
    let mut x = truth.clone();
    for j in 0..n {
        let other = (j + 1) % n;
        x.extend_from_slice(&truth[other * 784..(other + 1) * 784]);
    }
    let (mut own, mut other) = ([0.0f64; 2], [0.0f64; 2]);
    for seed in 0..2 {
        let completed = family.inpaint(&x, 2 * n, &hidden, seed).unwrap();
        for (k, rows) in [(0, 14..18), (1, 14..28)] {
            let region: Vec<bool> = (0..784).map(|p| rows.contains(&(p / 28))).collect();
            own[k] += hidden_mse(&truth, |j, p| completed[j * 784 + p], &region) / 2.0;
            other[k] += hidden_mse(&truth, |j, p| completed[(n + j) * 784 + p], &region) / 2.0;
        }
    }
    say(&format!(
        "inpaint: MSE rows 14-17 own {:.4} / another's {:.4}; rows 14-27 own {:.4} / another's {:.4}",
        own[0], other[0], own[1], other[1]
    ));
    assert!(own[0] < 0.8 * other[0], "next to the visible half: {:.4} from its own top half, {:.4} from another's", own[0], other[0]);
    assert!(own[1] < other[1], "the whole bottom half: {:.4} from its own top half, {:.4} from another's", own[1], other[1]);
}

/// The check in the form a sampler can meet: the average of 8 completions (an
/// estimate of E[hidden | visible]) against the training mean image. One completion cannot
/// meet it, however good the model: a draw's squared error is about twice the spread of the
/// plausible completions, and the mean image is the best guess in squared error without the
/// visible pixels. On the shipped sample (first 500 test images) even the bottom half of the
/// training image whose top half is nearest, a draw from the empirical conditional, only ties
/// the mean image (MSE 0.0696 against 0.0707) and loses once binarized (0.086), while the
/// average of the 5 nearest gets 0.043. A short run does not get there either: the PyTorch
/// twin (32 channels, 4 layers) after 300 and 1,000 steps gives one completion 0.20 and 0.21,
/// the average of 4 0.108 and 0.114, against the mean image's 0.079 (first 32 test images).
/// Nor did this test's own run on 2026-12-03 (the default PixelCNN, 2,000 steps, 17 minutes
/// here): the average of 8 completions 0.0856 against the mean image's 0.0793. Part of the gap
/// is that the PixelCNN completes binarized pixels (0 or 1) and is scored against grey ones.
#[test]
#[ignore = "minutes of training (the default PixelCNN, 2,000 steps), and unverified: short runs do not reach it (see the doc comment)"]
fn a_well_trained_pixelcnn_beats_the_training_mean_on_the_bottom_half() {
    let mut family = mnist_pixelcnn(PixelCnnConfig::default(), 2000);
    let n = 32;
    let (truth, mean) = mnist_test_and_mean(n);
    let hidden = bottom_half(28, 28);
    let draws = 8;
    let mut average = vec![0.0f32; n * 784];
    for seed in 0..draws {
        let completed = family.inpaint(&truth, n, &hidden, seed).unwrap();
        average.iter_mut().zip(completed).for_each(|(a, v)| *a += v / draws as f32);
    }
    let completion = hidden_mse(&truth, |j, p| average[j * 784 + p], &hidden);
    let mean_fill = hidden_mse(&truth, |_, p| mean[p], &hidden);
    say(&format!("inpaint: bottom-half MSE, average of {draws} completions {completion:.4}, training mean image {mean_fill:.4}"));
    assert!(completion < mean_fill, "average of {draws} completions {completion:.4}, training mean image {mean_fill:.4}");
}

fn genlab() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_genlab"));
    cmd.arg("--device").arg("cpu");
    cmd
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("genlab-inpaint-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn inpaint(checkpoint: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    genlab()
        .args(["inpaint", "--mask", "bottom-half", "--n", "4", "--checkpoint"])
        .arg(checkpoint)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn genlab_inpaint_writes_the_grid_and_nothing_over_other_files() {
    let dir = temp_dir("cli");
    let run = dir.join("run");
    let train = genlab()
        .args(["train", "--family", "pixelcnn", "--dataset", "mnist", "--steps", "5", "--channels", "8", "--layers", "1"])
        .arg("--out")
        .arg(&run)
        .arg("--data-dir")
        .arg(mnist_dir())
        .output()
        .unwrap();
    assert!(train.status.success(), "{}", String::from_utf8_lossy(&train.stderr));

    let grid = dir.join("grid.png");
    let first = inpaint(&run, &grid, &[]);
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    assert!(stdout.contains("MSE on the 392 hidden pixels of 4 MNIST test images"), "{stdout}");
    assert!(stdout.contains("training mean image") && stdout.contains("method:"), "{stdout}");
    assert!(!stdout.contains("caveat:"), "the bottom half is exact for a PixelCNN: {stdout}");
    // Three rows (originals, masked, completed) of four 28-pixel images with 1-pixel gaps, 3×.
    let img = image::open(&grid).unwrap().to_rgba8();
    assert_eq!((img.width(), img.height()), ((4 * 29 + 1) * 3, (3 * 29 + 1) * 3));
    // The masked row shows the hidden bottom half tinted, the original row does not.
    let pixel = |row: u32, y: u32| img.get_pixel(3 * (1 + 14), 3 * (1 + row * 29 + y)).0;
    assert_ne!(pixel(1, 20)[0..3], [pixel(1, 20)[0]; 3], "hidden pixels are tinted");
    assert_eq!(pixel(0, 20)[0..3], [pixel(0, 20)[0]; 3], "originals are grey");

    // Its own grid may be replaced; a top-half mask comes with the caveat.
    let again =
        genlab().args(["inpaint", "--mask", "top-half", "--n", "2", "--checkpoint"]).arg(&run).arg("--out").arg(&grid).output().unwrap();
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    assert!(String::from_utf8_lossy(&again.stdout).contains("caveat:"));

    // Anyone else's file is refused and left as it was.
    let theirs = dir.join("photo.png");
    std::fs::write(&theirs, b"not genlab's").unwrap();
    let refused = inpaint(&run, &theirs, &[]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && stderr.contains("does not write over"), "{stderr}");
    assert_eq!(std::fs::read(&theirs).unwrap(), b"not genlab's");

    // Numbers out of range and flags for another family are refused, naming the flag.
    for (extra, says) in [(vec!["--n", "0"], "--n"), (vec!["--n", "5000"], "--n"), (vec!["--resamplings", "3"], "diffusion")] {
        let out = inpaint(&run, &dir.join("never.png"), &extra);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && stderr.contains(says), "{extra:?}: {stderr}");
        assert!(!dir.join("never.png").exists());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

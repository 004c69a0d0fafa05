//! Latent diffusion (Rombach et al. 2022) on the MNIST sample in assets/mnist: the encoder it
//! trains through is the VAE's own and stays frozen, the latents are normalised by the mean
//! and spread measured on the first batch, a sampled latent decodes to what the VAE makes of
//! it, the followed run ends on the sample, a checkpoint opens after the VAE's folder is gone,
//! a missing, foreign or conditional autoencoder and images of another size are refused with a
//! sentence, a short run lowers the loss, and `genlab train` / `genlab sample` as a user runs
//! them. The reference for every number is the VAE family itself (`VaeFamily`'s encode and
//! decode of the same checkpoint) or a hand computation written beside it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use burn::tensor::Device;
use genlab::data::{ImageData, ImageDatasetId, load_images};
use genlab::models::diffusion::{DiffusionConfig, DiffusionFamily};
use genlab::models::latent_diffusion::{FrozenAutoencoder, LatentDiffusionConfig, LatentDiffusionFamily};
use genlab::models::load_family;
use genlab::models::vae::{VaeConfig, VaeFamily};
use genlab::train::checkpoint::{Progress, save};
use genlab::train::{Batch, Family, ImageBatch, Samples};
use genlab::views::Model;

mod common;
use common::mnist_dir;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("genlab-latent-diffusion-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn genlab() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_genlab"));
    cmd.arg("--device").arg("cpu");
    cmd
}

fn mnist() -> &'static ImageData {
    static DATA: OnceLock<ImageData> = OnceLock::new();
    DATA.get_or_init(|| load_images(ImageDatasetId::Mnist, Some(&mnist_dir())).unwrap())
}

/// Training images `start .. start + n` and their labels.
fn train_images(start: usize, n: usize) -> (Vec<f32>, Vec<u8>) {
    let set = &mnist().train;
    let d = set.width * set.height;
    (set.pixels[start * d..(start + n) * d].to_vec(), set.labels[start..start + n].to_vec())
}

/// One step of `family` on training images `start .. start + n`; the loss terms.
fn step(family: &mut dyn Model, start: usize, n: usize) -> Vec<(String, f64)> {
    let (x, labels) = train_images(start, n);
    family.train_step(&Batch { x: &x, n, dims: &[1, 28, 28], labels: &labels }).unwrap()
}

/// A VAE (MLP 784-400-`latent_dim`) trained `steps` steps at batch 128 on the MNIST sample and
/// saved as `genlab train` saves it, in `dir`.
fn train_vae(dir: &Path, config: VaeConfig, steps: usize) {
    let mut vae = VaeFamily::new(config, &Device::flex(), 0).unwrap();
    for i in 0..steps {
        step(&mut vae, (i * 128) % 7800, 128);
    }
    save(&vae, &Progress::default(), dir).unwrap();
}

/// A 2-D VAE trained 300 steps, shared by the tests that only read it.
fn shared_vae() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = temp_dir("vae");
        train_vae(&dir, VaeConfig::default(), 300);
        dir
    })
}

/// A fresh latent diffusion model over the autoencoder in `dir`, with the defaults.
fn over(dir: &Path) -> LatentDiffusionFamily {
    LatentDiffusionFamily::from_checkpoint(dir, 28, 28, |c| c, &Device::flex(), 0).unwrap()
}

fn images(s: Samples) -> ImageBatch {
    match s {
        Samples::Images(b) => b,
        other => panic!("expected images, got {other:?}"),
    }
}

fn max_difference(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

#[test]
fn training_encodes_with_the_vaes_own_encoder_and_never_changes_it() {
    let dir = shared_vae();
    let mut vae = VaeFamily::load(dir, &Device::flex()).unwrap();
    let mut family = over(dir);
    let test = &mnist().test;
    let x = &test.pixels[..16 * 784];
    // The reference: the VAE family's encode and decode of the same checkpoint.
    let vae_codes = vae.latent().unwrap().encode(x, 16, &[]).unwrap();
    let vae_images = vae.latent().unwrap().decode(&vae_codes, 16, &[]).unwrap();
    let codes = family.latent().unwrap().encode(x, 16, &[]).unwrap();
    assert!(max_difference(&codes, &vae_codes) < 1e-5, "{codes:?} vs {vae_codes:?}");
    for i in 0..30 {
        let terms = step(&mut family, i * 64, 64);
        assert_eq!(terms.len(), 1);
        assert_eq!(terms[0].0, "loss");
        assert!(terms[0].1.is_finite(), "{terms:?}");
    }
    // Thirty Adam steps later the encoder and decoder are exactly as loaded.
    assert_eq!(family.latent().unwrap().encode(x, 16, &[]).unwrap(), codes, "the encoder moved");
    let decoded = family.latent().unwrap().decode(&vae_codes, 16, &[]).unwrap();
    assert!(max_difference(&decoded.pixels, &vae_images.pixels) < 1e-5, "the decoder is not the VAE's");
    let untouched = over(dir);
    assert_eq!(family.autoencoder().decode(&codes, 16).unwrap(), untouched.autoencoder().decode(&codes, 16).unwrap());
}

#[test]
fn the_latents_are_normalised_by_the_mean_and_std_measured_on_the_first_batch() {
    let dir = shared_vae();
    let mut family = over(dir);
    assert!(family.config().latent_std.is_empty(), "nothing is measured before the first batch");
    // The expected numbers by hand, in f64: the VAE's posterior means of the first batch,
    // their mean per dimension and the standard deviation with Bessel's correction,
    // √(Σ(z − z̄)² / (n − 1)), as torch.std computes it for Rombach et al.'s `scale_by_std`.
    let (x, _) = train_images(0, 128);
    let mut vae = VaeFamily::load(dir, &Device::flex()).unwrap();
    let z = vae.latent().unwrap().encode(&x, 128, &[]).unwrap();
    let dim = 2;
    step(&mut family, 0, 128);
    for k in 0..dim {
        let values: Vec<f64> = z.iter().skip(k).step_by(dim).map(|&v| v as f64).collect();
        let mean = values.iter().sum::<f64>() / 128.0;
        let std = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 127.0).sqrt();
        let (got_mean, got_std) = (family.config().latent_mean[k] as f64, family.config().latent_std[k] as f64);
        assert!((got_mean - mean).abs() < 1e-4 * (1.0 + mean.abs()), "dimension {k}: mean {got_mean} vs {mean}");
        assert!((got_std - std).abs() < 1e-4 * std, "dimension {k}: std {got_std} vs {std}");
    }
    // Measured once: later batches leave it as it is, and a checkpoint keeps it.
    let measured = (family.config().latent_mean.clone(), family.config().latent_std.clone());
    step(&mut family, 4000, 128);
    assert_eq!((family.config().latent_mean.clone(), family.config().latent_std.clone()), measured);
    // The first batch, normalised, has mean 0 and standard deviation 1 in every dimension.
    let u = family.normaliser().normalise(&z);
    for k in 0..dim {
        let values: Vec<f64> = u.iter().skip(k).step_by(dim).map(|&v| v as f64).collect();
        let mean = values.iter().sum::<f64>() / 128.0;
        let std = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 127.0).sqrt();
        assert!(mean.abs() < 1e-4 && (std - 1.0).abs() < 1e-4, "dimension {k}: mean {mean}, std {std}");
    }
}

#[test]
fn a_sampled_latent_decodes_to_the_vaes_decoding_of_it_and_the_followed_run_ends_there() {
    let dir = shared_vae();
    let mut family = over(dir);
    for i in 0..20 {
        step(&mut family, i * 128, 128);
    }
    let z = family.sample_latents(8, 5).unwrap();
    assert_eq!(z.len(), 8 * 2);
    let sampled = images(family.sample(8, 5, None).unwrap());
    let mut vae = VaeFamily::load(dir, &Device::flex()).unwrap();
    let reference = vae.latent().unwrap().decode(&z, 8, &[]).unwrap();
    assert_eq!((sampled.n, sampled.width, sampled.height), (8, 28, 28));
    assert!(max_difference(&sampled.pixels, &reference.pixels) < 1e-5, "a sample is not the VAE's decoding of its latent");

    // The same seed followed step by step: 50 DDIM steps and the result, which is the sample.
    let chain = family.latent_chain().unwrap().chain(8, 5, 3).unwrap();
    assert_eq!(chain.ts.len(), 50);
    assert_eq!((chain.len(), chain.images.len()), (51, 51));
    assert_eq!(chain.latents.last().unwrap(), &z, "the run's last entry is the sample");
    assert!(max_difference(&chain.images.last().unwrap().pixels, &sampled.pixels[..3 * 784]) < 1e-6);
    // The strip: 3 decoded latents, each at 11 evenly spaced entries from the first to the last.
    assert_eq!(chain.frame_entries(11), vec![0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50]);
    assert_eq!(chain.strip(11).unwrap().n, 33);
    // The step-through decodes each step's x_t: the first is the decoded noise x_T.
    let trajectory = family.denoising().unwrap().trajectory(2, 5, None).unwrap();
    assert_eq!(trajectory.steps.len(), 50);
    let Samples::Images(first) = &trajectory.steps[0].x_t else { panic!("images") };
    let noise = family.autoencoder().decode(&chain.latents[0][..2 * 2], 2).unwrap();
    assert!(max_difference(&first.pixels, &noise.pixels) < 1e-6);
}

#[test]
fn a_checkpoint_opens_after_the_autoencoders_folder_is_gone() {
    let root = temp_dir("self-contained");
    let (vae_dir, run_dir) = (root.join("vae"), root.join("run"));
    train_vae(&vae_dir, VaeConfig::default(), 100);
    let mut family = over(&vae_dir);
    for i in 0..10 {
        step(&mut family, i * 128, 128);
    }
    save(&family, &Progress::default(), &run_dir).unwrap();
    for file in ["autoencoder.bpk", "denoiser.bpk", "config.json", "progress.json"] {
        assert!(run_dir.join(file).is_file(), "{file} missing");
    }
    let before = images(family.sample(16, 3, None).unwrap());
    std::fs::remove_dir_all(&vae_dir).unwrap();

    let mut loaded = load_family(&run_dir, &Device::flex()).unwrap();
    assert_eq!(loaded.family_name(), "latent-diffusion");
    assert_eq!(images(loaded.sample(16, 3, None).unwrap()), before, "the loaded model samples as the saved one");
    assert!(step(loaded.as_mut(), 2000, 64)[0].1.is_finite(), "and trains on");
    assert_eq!(genlab::models::validate_checkpoint(&run_dir).unwrap().name(), "latent-diffusion");
    // Saved again over itself (the folder is a checkpoint now), and still whole.
    save(loaded.as_ref(), &Progress::default(), &run_dir).unwrap();
    assert!(load_family(&run_dir, &Device::flex()).is_ok());
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_missing_foreign_or_conditional_autoencoder_and_other_image_sizes_are_refused() {
    let root = temp_dir("refusals");
    let device = Device::flex();
    let refusal = |dir: &Path, width: usize| match LatentDiffusionFamily::from_checkpoint(dir, width, width, |c| c, &device, 0) {
        Ok(_) => panic!("{} was accepted", dir.display()),
        Err(e) => e,
    };
    let e = refusal(&root.join("nowhere"), 28);
    assert!(e.contains("no such folder") && e.contains("genlab train --family vae"), "{e}");

    let diffusion = root.join("diffusion");
    save(&DiffusionFamily::new(DiffusionConfig::default(), &device, 0).unwrap(), &Progress::default(), &diffusion).unwrap();
    let e = refusal(&diffusion, 28);
    assert!(e.contains("holds a diffusion checkpoint, not a VAE or autoencoder"), "{e}");

    let not_a_checkpoint = root.join("notes");
    std::fs::create_dir_all(&not_a_checkpoint).unwrap();
    std::fs::write(not_a_checkpoint.join("notes.txt"), "mine").unwrap();
    let e = refusal(&not_a_checkpoint, 28);
    assert!(e.contains("config.json") && e.contains("VAE or autoencoder"), "{e}");

    let conditional = root.join("cvae");
    train_vae(&conditional, VaeConfig { conditional: true, ..VaeConfig::default() }, 1);
    let e = refusal(&conditional, 28);
    assert!(e.contains("class-conditional"), "{e}");

    let e = refusal(shared_vae(), 32);
    assert!(e.contains("28×28") && e.contains("32×32"), "{e}");
    // The frozen autoencoder refuses a batch of another size too, rather than reading it wrongly.
    let autoencoder = FrozenAutoencoder::open(shared_vae(), &device).unwrap();
    assert!(autoencoder.encode(&[0.5; 100], 1, None).unwrap_err().contains("784"));
    // A hand-edited configuration that does not match its autoencoder is refused too.
    let bad = LatentDiffusionConfig { width: 32, ..LatentDiffusionConfig::new(shared_vae(), autoencoder.config().clone()) };
    assert!(bad.validate().unwrap_err().contains("32×28"));
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_short_run_on_the_mnist_sample_lowers_the_loss() {
    let mut family = over(shared_vae());
    let losses: Vec<f64> = (0..400).map(|i| step(&mut family, (i * 128) % 7800, 128)[0].1).collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (first, last) = (mean(&losses[..20]), mean(&losses[380..]));
    // ε-prediction: an untrained denoiser's output is near 0, so its mean squared error is
    // about E ε² = 1 per latent value. The best prediction for latents that were exactly
    // N(0, I) after normalising, E[ε | x_t] = √(1 − ᾱ_t) x_t, leaves ᾱ_t, whose mean over the
    // linear schedule's 1000 steps is 0.2755 (numpy: cumprod(1 − linspace(1e-4, 0.02, 1000))
    // .mean()); a VAE's latents have more structure, so less. 400 steps go well on the way:
    // a quarter below the start at least.
    // The very first step is the untrained network's; the mean of the first 20 already
    // includes 19 Adam steps (0.49 measured), so the range is asked of step 1 alone.
    assert!(losses[0] > 0.6 && losses[0] < 2.0, "first loss {}", losses[0]);
    eprintln!("latent diffusion: first loss {:.3}, first 20 {first:.3}, last 20 {last:.3}", losses[0]);
    assert!(last < 0.75 * first, "the loss went from {first} to {last}");
}

#[test]
fn genlab_trains_on_a_vae_checkpoint_then_samples() {
    let root = temp_dir("cli");
    let (vae, run) = (root.join("vae"), root.join("run"));
    let out = genlab().args(["train", "--family", "vae", "--dataset", "mnist", "--steps", "40", "--out"]).arg(&vae).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let train = |extra: &[&str], dir: &Path| {
        let mut cmd = genlab();
        cmd.args(["train", "--family", "latent-diffusion", "--dataset", "mnist", "--steps", "30", "--out"]).arg(dir);
        cmd.args(extra).output().unwrap()
    };
    let vae_arg = vae.display().to_string();
    let out = train(&["--autoencoder", vae_arg.as_str(), "--hidden", "64", "--timesteps", "200"], &run);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("latent diffusion: MLP denoiser 3×64"), "the model is described: {stderr}");
    let csv = std::fs::read_to_string(run.join("losses.csv")).unwrap();
    assert!(csv.starts_with("step,loss\n") && csv.lines().count() == 31, "{csv}");
    for file in ["samples.png", "autoencoder.bpk", "denoiser.bpk", "config.json", "progress.json"] {
        assert!(run.join(file).is_file(), "{file} missing");
    }
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(run.join("config.json")).unwrap()).unwrap();
    assert_eq!(json["family"], "latent-diffusion");
    assert_eq!(json["config"]["timesteps"], 200);

    let (png, gif) = (root.join("more.png"), root.join("steps.gif"));
    let out = genlab()
        .args(["sample", "--n", "16", "--sampler", "ddpm", "--steps", "20", "--seed", "3", "--checkpoint"])
        .arg(&run)
        .arg("--out")
        .arg(&png)
        .arg("--gif")
        .arg(&gif)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let img = image::open(&png).unwrap();
    // 4×4 grid of 28-pixel images with 1-pixel gaps, scaled 3× (as the VAE's in tests/cli.rs).
    assert_eq!((img.width(), img.height()), ((4 * 29 + 1) * 3, (4 * 29 + 1) * 3));
    assert!(gif.is_file());

    // Without --autoencoder: refused, saying how to make one.
    let out = train(&[], &root.join("never"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("--autoencoder DIR") && stderr.contains("genlab train --family vae"), "{stderr}");
    assert!(!root.join("never").exists());
    // Another family refuses the flag, as every flag it does not take.
    let out =
        genlab().args(["train", "--family", "vae", "--autoencoder", vae_arg.as_str(), "--out"]).arg(root.join("never")).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("--autoencoder does not apply to the VAE"), "{stderr}");
    let _ = std::fs::remove_dir_all(&root);
}

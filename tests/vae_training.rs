//! The VAE family and the trainer on the CPU: the loss falls on the MNIST sample in assets/mnist,
//! checkpoints round-trip exactly, and the worker protocol works without a window.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use burn::tensor::Device;
use genlab::data::{ImageDatasetId, load_images};
use genlab::models::load_family;
use genlab::models::vae::{VaeArch, VaeConfig, VaeFamily};
use genlab::train::{Command, Event, Family, KnobValue, Samples, TrainData, WorkerOptions, spawn};
use genlab::views::Model;

mod common;
use common::mnist_dir;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("genlab-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn mnist() -> TrainData {
    TrainData::Images(Arc::new(load_images(ImageDatasetId::Mnist, Some(&mnist_dir())).unwrap()))
}

fn worker_for(family: Box<dyn Model>, data: TrainData) -> genlab::train::WorkerHandle<dyn Model> {
    let device = Device::flex();
    spawn(family, data, WorkerOptions { batch_size: 64, ..WorkerOptions::default() }, Box::new(move |d| load_family(d, &device)), None)
}

/// Runs `n` steps through the protocol and returns the mean total loss of the first and last 10.
fn run_steps(worker: &genlab::train::WorkerHandle<dyn Model>, n: u32) -> (f64, f64) {
    worker.send(Command::Step(n));
    let mut losses = Vec::new();
    loop {
        match worker.recv_timeout(Duration::from_secs(120)).expect("the worker answers") {
            Event::Losses { terms, .. } => {
                assert_eq!(terms.iter().map(|t| t.0.as_str()).collect::<Vec<_>>(), ["loss", "reconstruction", "KL"]);
                losses.push(terms[0].1);
            }
            Event::Paused { reason: None } => break,
            Event::Paused { reason: Some(r) } => panic!("paused: {r}"),
            Event::Error(e) => panic!("{e}"),
            _ => {}
        }
    }
    assert_eq!(losses.len(), n as usize);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    (mean(&losses[..10]), mean(&losses[losses.len() - 10..]))
}

#[test]
fn mlp_vae_loss_falls_on_mnist() {
    let family = VaeFamily::new(VaeConfig::default(), &Device::flex(), 0).unwrap();
    let worker = worker_for(Box::new(family), mnist());
    let (first, last) = run_steps(&worker, 150);
    // An untrained Bernoulli decoder costs about 784·ln 2 ≈ 543 nats per image; after 150
    // steps of Adam a 2-D VAE is well below 250 (it reaches ~150 when converged).
    assert!(first > 400.0, "first loss {first}");
    assert!(last < 250.0, "loss {first:.1} → {last:.1}");
    worker.stop();
}

#[test]
fn conv_cvae_trains_and_samples_a_chosen_class() {
    let config = VaeConfig { arch: VaeArch::Conv, latent_dim: 8, conditional: true, ..VaeConfig::default() };
    let family = VaeFamily::new(config, &Device::flex(), 1).unwrap();
    let worker = worker_for(Box::new(family), mnist());
    let (first, last) = run_steps(&worker, 40);
    // It starts near 784·ln 2 ≈ 543 nats (logits ≈ 0); merely learning the mean image brings
    // a Bernoulli decoder to about 200 on MNIST, so a drop of 100 in 40 steps is a low bar
    // that a broken gradient path (e.g. labels or convolutions not trained) does not clear.
    assert!(last < first - 100.0, "conv CVAE loss {first:.1} → {last:.1}");
    worker.send(Command::Sample { n: 6, seed: 3, label: Some(7) });
    loop {
        if let Some(Event::Samples { samples: Samples::Images(b), .. }) = worker.recv_timeout(Duration::from_secs(60)) {
            assert_eq!((b.n, b.width, b.height, b.pixels.len()), (6, 28, 28, 6 * 784));
            assert!(b.pixels.iter().all(|p| (0.0..=1.0).contains(p)));
            break;
        }
    }
    worker.stop();
}

fn outputs(family: &mut dyn Model) -> Vec<f32> {
    let Samples::Images(batch) = family.sample(8, 42, None).unwrap() else { panic!("images") };
    let latent = family.latent().unwrap();
    let mut out = batch.pixels;
    out.extend(latent.decode(&[0.3, -1.2], 1, &[]).unwrap().pixels);
    out
}

#[test]
fn checkpoint_round_trip_gives_identical_outputs() {
    let dir = temp_dir("ckpt");
    let family = VaeFamily::new(VaeConfig::default(), &Device::flex(), 5).unwrap();
    let worker = worker_for(Box::new(family), mnist());
    run_steps(&worker, 20);
    worker.send(Command::Save(dir.clone()));
    worker.send(Command::Sample { n: 8, seed: 42, label: None });
    let mut before = None;
    while before.is_none() {
        match worker.recv_timeout(Duration::from_secs(60)).unwrap() {
            Event::Samples { samples: Samples::Images(b), .. } => before = Some(b.pixels),
            Event::Error(e) => panic!("{e}"),
            _ => {}
        }
    }
    worker.stop();
    assert!(dir.join("model.bpk").is_file() && dir.join("config.json").is_file() && dir.join("progress.json").is_file());

    let mut loaded = load_family(&dir, &Device::flex()).unwrap();
    let after = outputs(loaded.as_mut());
    assert_eq!(before.unwrap(), after[..8 * 784].to_vec(), "samples differ after loading");
    let mut again = load_family(&dir, &Device::flex()).unwrap();
    assert_eq!(after, outputs(again.as_mut()));
    let progress = genlab::train::checkpoint::read_progress(&dir).unwrap();
    assert_eq!(progress.step, 20);
}

#[test]
fn loading_a_broken_checkpoint_is_an_error_not_a_panic() {
    let dir = temp_dir("broken");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.json"), br#"{"family":"vae","config":{"latent_dim":2}}"#).unwrap();
    std::fs::write(dir.join("model.bpk"), b"not weights").unwrap();
    let err = load_family(&dir, &Device::flex()).err().expect("an error");
    assert!(err.contains("model.bpk"), "{err}");
    std::fs::write(dir.join("config.json"), b"{ nope").unwrap();
    let err = load_family(&dir, &Device::flex()).err().expect("an error");
    assert!(err.contains("config.json"), "{err}");
    let err = load_family(&dir.join("missing"), &Device::flex()).err().expect("an error");
    assert!(err.contains("missing"), "{err}");
}

#[test]
fn live_knobs_are_checked() {
    let mut family = VaeFamily::new(VaeConfig::default(), &Device::flex(), 0).unwrap();
    family.set_knob("beta", KnobValue::Real(4.0)).unwrap();
    assert_eq!(family.config().beta, 4.0);
    assert!(family.set_knob("learning_rate", KnobValue::Real(-1.0)).is_err());
    assert!(family.set_knob("momentum", KnobValue::Real(0.9)).is_err());
    assert!(VaeFamily::new(VaeConfig { latent_dim: 0, ..VaeConfig::default() }, &Device::flex(), 0).is_err());
}

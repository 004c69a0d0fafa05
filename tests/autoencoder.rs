//! The plain autoencoder: the VAE's networks trained on reconstruction alone, under its own
//! name; no likelihood (it defines no density); its latent view works like the VAE's.

use burn::prelude::*;
use genlab::data::{ImageDatasetId, load_images};
use genlab::models::autoencoder::new_autoencoder;
use genlab::models::load_family;
use genlab::models::vae::VaeConfig;
use genlab::train::{Batch, Family};
use genlab::views::Model;

mod common;
use common::mnist_dir;

#[test]
fn reconstruction_only_and_its_own_name() {
    let data = load_images(ImageDatasetId::Mnist, Some(&mnist_dir())).unwrap();
    let mut ae = new_autoencoder(VaeConfig::default(), &Device::flex(), 0).unwrap();
    assert_eq!(ae.family_name(), "autoencoder");
    assert!(ae.likelihood().is_none(), "a plain autoencoder has no ELBO");
    assert!(ae.knobs().iter().all(|k| k.name != "beta"), "no KL term to weigh");
    let n = 128;
    let x = &data.train.pixels[..n * 784];
    let labels = &data.train.labels[..n];
    let first = ae.train_step(&Batch { x, n, dims: &[1, 28, 28], labels }).unwrap();
    assert_eq!(first.iter().map(|t| t.0.as_str()).collect::<Vec<_>>(), ["reconstruction"]);
    let mut last = first.clone();
    for _ in 0..60 {
        last = ae.train_step(&Batch { x, n, dims: &[1, 28, 28], labels }).unwrap();
    }
    assert!(last[0].1 < first[0].1 - 100.0, "{} → {}", first[0].1, last[0].1);
    // Deterministic codes: encoding twice gives the same point.
    let latent = ae.latent().unwrap();
    assert_eq!(latent.encode(&x[..784], 1, &labels[..1]).unwrap(), latent.encode(&x[..784], 1, &labels[..1]).unwrap());
    let dir = std::env::temp_dir().join(format!("genlab-test-ae-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    ae.save(&dir).unwrap();
    let mut loaded = load_family(&dir, &Device::flex()).unwrap();
    assert_eq!(loaded.family_name(), "autoencoder");
    assert_eq!(loaded.sample(4, 2, None).unwrap(), ae.sample(4, 2, None).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}

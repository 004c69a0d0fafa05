//! Checkpoints are input like any other (issue 17): a hand-edited `config.json` with absurd
//! sizes, bad numbers or wrong types, and weights of another configuration or data type, are
//! refused with a message naming the file, the field, the value and the limit — never a panic
//! or an abort. Also: which family a checkpoint holds, a tab refusing another family's
//! checkpoint, `genlab sample`'s and `genlab eval`'s flag bounds, and the evaluation cache
//! keyed on the data it was computed on.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::Command;

use burn::tensor::Device;
use genlab::data::{DatasetId, ImageDatasetId};
use genlab::eval::{EvalOptions, EvalReport, SampleMetrics, cache};
use genlab::models::diffusion::{DiffusionConfig, DiffusionFamily, SamplerSettings};
use genlab::models::gan::{GanConfig, GanFamily};
use genlab::models::pixelcnn::{PixelCnnConfig, PixelCnnFamily};
use genlab::models::vae::{VaeConfig, VaeFamily};
use genlab::models::{checkpoint_family, load_family, load_family_expecting, validate_checkpoint};
use genlab::train::checkpoint::Progress;
use genlab::views::Model;
use serde_json::{Value, json};

mod common;
use common::mnist_dir;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("genlab-checkpoints-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn genlab() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_genlab"));
    cmd.arg("--device").arg("cpu");
    cmd
}

/// A tiny VAE on 8×8 images (8 hidden units): loads in milliseconds.
fn tiny_vae() -> VaeConfig {
    VaeConfig { width: 8, height: 8, hidden: 8, latent_dim: 2, ..VaeConfig::default() }
}

/// A tiny 2-D diffusion model: MLP of width 8, T = 10, 5 sampling steps.
fn tiny_diffusion() -> DiffusionConfig {
    DiffusionConfig {
        hidden: 8,
        layers: 1,
        time_dim: 8,
        timesteps: 10,
        sampler: SamplerSettings { steps: 5, ..DiffusionConfig::default().sampler },
        ..DiffusionConfig::default()
    }
}

/// A tiny PixelCNN on 6×6 images.
fn tiny_pixelcnn(conditional: bool) -> PixelCnnConfig {
    PixelCnnConfig { width: 6, height: 6, channels: 4, layers: 1, conditional, num_classes: 3, ..PixelCnnConfig::default() }
}

fn tiny_gan() -> GanConfig {
    GanConfig { hidden: 8, layers: 1, ..GanConfig::default() }
}

/// Saves `family` into `dir` (config.json and its weights).
fn save(family: &dyn Model, dir: &Path) {
    family.save(dir).unwrap();
    assert!(load_family(dir, &Device::flex()).is_ok(), "{}: the checkpoint as written loads", dir.display());
}

fn read_json(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("config.json")).unwrap()).unwrap()
}

fn write_json(dir: &Path, json: &Value) {
    std::fs::write(dir.join("config.json"), serde_json::to_vec_pretty(json).unwrap()).unwrap();
}

/// `load_family` must return an error (not load, not panic); the error is returned.
fn refused(dir: &Path) -> String {
    match std::panic::catch_unwind(AssertUnwindSafe(|| load_family(dir, &Device::flex()))) {
        Ok(Err(message)) => message,
        Ok(Ok(_)) => panic!("{}: loaded, but should have been refused", dir.display()),
        Err(_) => panic!("{}: loading panicked instead of returning an error", dir.display()),
    }
}

/// `message` names everything in `parts`.
fn assert_names(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(message.contains(part), "the message should name {part:?}: {message}");
    }
}

#[test]
fn absurd_sizes_are_refused_naming_the_file_field_value_and_limit() {
    // Diffusion with T = 3·10⁹: the schedule alone would ask for 24 GB.
    let dir = temp_dir("timesteps");
    save(&DiffusionFamily::new(tiny_diffusion(), &Device::flex(), 0).unwrap(), &dir);
    let mut json = read_json(&dir);
    json["config"]["timesteps"] = json!(3_000_000_000u64);
    write_json(&dir, &json);
    let message = refused(&dir);
    assert_names(&message, &["config.json", "timesteps", "3000000000", "10000"]);
    assert!(validate_checkpoint(&dir).unwrap_err().contains("timesteps"));

    // A PixelCNN of 30000×30000 pixels.
    let dir = temp_dir("pixelcnn");
    save(&PixelCnnFamily::new(tiny_pixelcnn(false), &Device::flex(), 0).unwrap(), &dir);
    let mut json = read_json(&dir);
    json["config"]["width"] = json!(30_000);
    json["config"]["height"] = json!(30_000);
    write_json(&dir, &json);
    assert_names(&refused(&dir), &["config.json", "width", "30000", "256"]);

    // Width × height past u64 (2^33 · 2^33 = 2^66): refused before it is multiplied.
    let dir = temp_dir("overflow");
    save(&VaeFamily::new(tiny_vae(), &Device::flex(), 0).unwrap(), &dir);
    let mut json = read_json(&dir);
    json["config"]["width"] = json!(1u64 << 33);
    json["config"]["height"] = json!(1u64 << 33);
    write_json(&dir, &json);
    assert_names(&refused(&dir), &["config.json", "width", "8589934592"]);

    // A GAN with 4·10⁹ hidden units, a diffusion model with a UNet 10⁶ channels wide.
    let dir = temp_dir("gan-hidden");
    save(&GanFamily::new(tiny_gan(), &Device::flex(), 0).unwrap(), &dir);
    let mut json = read_json(&dir);
    json["config"]["hidden"] = json!(4_000_000_000u64);
    write_json(&dir, &json);
    assert_names(&refused(&dir), &["config.json", "hidden", "4000000000", "8192"]);
    let dir = temp_dir("unet-channels");
    save(&DiffusionFamily::new(tiny_diffusion(), &Device::flex(), 0).unwrap(), &dir);
    let mut json = read_json(&dir);
    json["config"]["arch"] = json!("unet");
    json["config"]["width"] = json!(28);
    json["config"]["height"] = json!(28);
    json["config"]["data_dim"] = json!(784);
    json["config"]["channels"] = json!(1_000_000);
    write_json(&dir, &json);
    assert_names(&refused(&dir), &["config.json", "channels", "1000000", "1024"]);
}

#[test]
fn a_network_too_large_for_memory_is_refused_before_it_is_built() {
    // Every size within its bound, together 8.6·10⁹ parameters: DCGAN at 256×256 with 1,024
    // channels projects a 1,088-d input onto 2·1024·64·64 features (8.9·10⁹ weights).
    let config = GanConfig { channels: 1024, latent_dim: 1024, ..GanConfig::dcgan(256, 256, 10, false) };
    let features = 2 * 1024 * 64 * 64u128;
    let needed = (1024 + 1) * features * 16;
    if genlab::limits::memory_budget_bytes() as u128 >= needed {
        eprintln!("skipped: this machine's budget ({}) would hold {needed} bytes", genlab::limits::budget_words());
        return;
    }
    let message = match GanFamily::new(config, &Device::flex(), 0) {
        Err(message) => message,
        Ok(_) => panic!("a GAN of 8.6·10⁹ parameters was built"),
    };
    assert_names(&message, &["parameters", "GiB", "half of this machine's memory"]);
}

#[test]
fn bad_numbers_and_wrong_types_are_refused_naming_the_field() {
    let dir = temp_dir("numbers");
    save(&VaeFamily::new(tiny_vae(), &Device::flex(), 0).unwrap(), &dir);
    let original = read_json(&dir);
    let cases: [(&str, Value, &[&str]); 7] = [
        ("learning_rate", json!(-0.001), &["learning rate", "-0.001"]),
        // JSON has no NaN: a hand-edited one is a string, and the field is named.
        ("learning_rate", json!("NaN"), &["learning_rate", "NaN"]),
        ("width", json!("eight"), &["width", "eight"]),
        ("hidden", json!(-5), &["hidden", "-5"]),
        ("latent_dim", json!(2.5), &["latent_dim", "2.5"]),
        ("beta", json!(1e300), &["β", "10000"]),
        ("conditional", json!([1, 2]), &["conditional"]),
    ];
    for (field, value, parts) in cases {
        let mut json = original.clone();
        json["config"][field] = value;
        write_json(&dir, &json);
        let message = refused(&dir);
        assert_names(&message, &["config.json"]);
        assert_names(&message, parts);
    }
    // Another family's numbers: a GAN's discriminator learning rate past any use.
    let dir = temp_dir("gan-lr");
    save(&GanFamily::new(tiny_gan(), &Device::flex(), 0).unwrap(), &dir);
    let mut json = read_json(&dir);
    json["config"]["lr_d"] = json!(1e308);
    write_json(&dir, &json);
    assert_names(&refused(&dir), &["config.json", "lr_d", "10"]);
    // No config at all, or not an object.
    json["config"] = json!(null);
    write_json(&dir, &json);
    assert_names(&refused(&dir), &["config.json", "config"]);
}

/// Replaces every CBOR text "F32" (0x63 'F' '3' '2') in a burnpack file's header by `to`,
/// a data type of the same width, so the byte lengths still agree with the shapes
/// (burn-pack 0.22.1: 10 header bytes, then CBOR metadata whose dtypes are serde's variant
/// names).
fn retype(bytes: &mut [u8], to: &[u8; 3]) -> usize {
    let metadata_end = 10 + u32::from_le_bytes([bytes[6], bytes[7], bytes[8], bytes[9]]) as usize;
    let mut replaced = 0;
    for i in 10..metadata_end.min(bytes.len()).saturating_sub(3) {
        if bytes[i..i + 4] == [0x63, b'F', b'3', b'2'] {
            bytes[i + 1..i + 4].copy_from_slice(to);
            replaced += 1;
        }
    }
    replaced
}

#[test]
fn weights_of_another_configuration_or_data_type_are_refused() {
    let dir = temp_dir("weights");
    save(&VaeFamily::new(tiny_vae(), &Device::flex(), 0).unwrap(), &dir);
    let weights = std::fs::read(dir.join("model.bpk")).unwrap();

    // A config edited to another width: every shape differs from the file's.
    let mut json = read_json(&dir);
    json["config"]["hidden"] = json!(16);
    write_json(&dir, &json);
    assert_names(&refused(&dir), &["model.bpk", "do not match the configuration", "shape"]);
    json["config"]["hidden"] = json!(8);
    write_json(&dir, &json);

    // The same bytes claiming another data type: an integer type (burn would panic turning it
    // into a float parameter) and another float type (it would meet f32 inputs).
    for to in [b"I32", b"U32"] {
        let mut bytes = weights.clone();
        assert!(retype(&mut bytes, to) > 0, "the file's header names F32");
        std::fs::write(dir.join("model.bpk"), &bytes).unwrap();
        assert_names(&refused(&dir), &["model.bpk", "do not match the configuration", std::str::from_utf8(to).unwrap()]);
    }

    // Far more bytes than the model needs: refused before reading.
    let mut padded = weights.clone();
    padded.extend(std::iter::repeat_n(0u8, 4 << 20));
    std::fs::write(dir.join("model.bpk"), &padded).unwrap();
    assert_names(&refused(&dir), &["model.bpk", "bytes", "parameters"]);

    // Cut short, missing, or not a weight file at all.
    std::fs::write(dir.join("model.bpk"), &weights[..weights.len() / 2]).unwrap();
    assert_names(&refused(&dir), &["model.bpk"]);
    std::fs::write(dir.join("model.bpk"), b"not a burnpack file").unwrap();
    assert_names(&refused(&dir), &["model.bpk"]);
    std::fs::remove_file(dir.join("model.bpk")).unwrap();
    assert_names(&refused(&dir), &["model.bpk"]);

    // The weights as written still load.
    std::fs::write(dir.join("model.bpk"), &weights).unwrap();
    assert!(load_family(&dir, &Device::flex()).is_ok());

    // Diffusion's denoiser file likewise.
    let dir = temp_dir("denoiser");
    save(&DiffusionFamily::new(tiny_diffusion(), &Device::flex(), 0).unwrap(), &dir);
    let mut bytes = std::fs::read(dir.join("denoiser.bpk")).unwrap();
    assert!(retype(&mut bytes, b"I32") > 0);
    std::fs::write(dir.join("denoiser.bpk"), &bytes).unwrap();
    assert_names(&refused(&dir), &["denoiser.bpk", "I32"]);
}

#[test]
fn checkpoints_say_which_family_they_hold_and_tabs_refuse_the_others() {
    let device = Device::flex();
    let vae = temp_dir("family-vae");
    save(&VaeFamily::new(tiny_vae(), &device, 0).unwrap(), &vae);
    let ae = temp_dir("family-ae");
    save(&genlab::models::autoencoder::new_autoencoder(tiny_vae(), &device, 0).unwrap(), &ae);
    let gan = temp_dir("family-gan");
    save(&GanFamily::new(tiny_gan(), &device, 0).unwrap(), &gan);

    assert_eq!(checkpoint_family(&vae), Ok(genlab::models::vae::KIND));
    assert_eq!(checkpoint_family(&ae), Ok(genlab::models::autoencoder::KIND));
    assert_eq!(checkpoint_family(&gan), Ok(genlab::models::gan::KIND));
    assert_eq!(validate_checkpoint(&gan), Ok(genlab::models::gan::KIND));

    // A "vae" checkpoint whose config is not variational trains and samples as an autoencoder.
    let plain = temp_dir("family-plain");
    save(&VaeFamily::new(tiny_vae(), &device, 0).unwrap(), &plain);
    let mut json = read_json(&plain);
    json["config"]["variational"] = json!(false);
    write_json(&plain, &json);
    assert_eq!(checkpoint_family(&plain), Ok(genlab::models::autoencoder::KIND));

    let err = load_family_expecting(&gan, &device, &[genlab::models::vae::KIND]).err().expect("a GAN checkpoint in the VAE tab");
    let shown = gan.display().to_string();
    assert_names(&err, &[shown.as_str(), "holds a GAN checkpoint", "this tab opens VAE checkpoints", "GAN tab"]);
    let err = load_family_expecting(&ae, &device, &[genlab::models::vae::KIND]).err().expect("an autoencoder in the VAE tab");
    assert_names(&err, &["an autoencoder checkpoint", "Autoencoder tab"]);
    let err = load_family_expecting(&vae, &device, &[genlab::models::autoencoder::KIND]).err().expect("a VAE in the autoencoder tab");
    assert_names(&err, &["a VAE checkpoint", "opens Autoencoder checkpoints"]);
    assert!(load_family_expecting(&vae, &device, &[genlab::models::vae::KIND]).is_ok());
    let loaded = load_family_expecting(&ae, &device, &[genlab::models::autoencoder::KIND]).unwrap();
    assert_eq!(loaded.family_name(), "autoencoder");

    // Unknown and missing family names.
    let mut json = read_json(&gan);
    json["family"] = json!("transformer");
    write_json(&gan, &json);
    assert_names(&checkpoint_family(&gan).unwrap_err(), &["config.json", "transformer"]);
    json["family"] = json!(7);
    write_json(&gan, &json);
    assert_names(&checkpoint_family(&gan).unwrap_err(), &["config.json", "family"]);
}

#[test]
fn sample_refuses_labels_a_model_does_not_know_and_flags_out_of_range() {
    let device = Device::flex();
    let conditional = temp_dir("sample-conditional");
    save(&PixelCnnFamily::new(tiny_pixelcnn(true), &device, 0).unwrap(), &conditional);
    let plain = temp_dir("sample-plain");
    save(&VaeFamily::new(tiny_vae(), &device, 0).unwrap(), &plain);
    let out = conditional.join("grid.png");
    let sample = |dir: &Path, extra: &[&str]| {
        let output = genlab().arg("sample").arg("--checkpoint").arg(dir).arg("--out").arg(&out).args(extra).output().unwrap();
        (output.status.success(), String::from_utf8_lossy(&output.stderr).into_owned())
    };

    // Three classes: label 2 draws, label 5 is refused naming the classes (not clamped to 2).
    let (ok, stderr) = sample(&conditional, &["--n", "1", "--label", "2"]);
    assert!(ok, "{stderr}");
    let (ok, stderr) = sample(&conditional, &["--n", "1", "--label", "5"]);
    assert!(!ok && !stderr.contains("panicked"), "{stderr}");
    assert_names(&stderr, &["--label 5", "3 classes", "0 to 2"]);
    // An unconditional model takes no label at all.
    let (ok, stderr) = sample(&plain, &["--n", "1", "--label", "1"]);
    assert!(!ok && !stderr.contains("panicked"), "{stderr}");
    assert_names(&stderr, &["not class-conditional", "--conditional"]);

    for (flags, named) in [
        (&["--n", "0"][..], "--n"),
        (&["--n", "100000000"][..], "--n"),
        (&["--steps", "0"][..], "--steps"),
        (&["--steps", "4000000000"][..], "--steps"),
        (&["--temperature", "1e9"][..], "--temperature"),
        (&["--top-p", "0"][..], "--top-p"),
        (&["--top-k", "100000000"][..], "--top-k"),
        (&["--length", "100000000"][..], "--length"),
        (&["--eta", "2"][..], "--eta"),
        (&["--guidance=-1"][..], "--guidance"),
    ] {
        let (ok, stderr) = sample(&plain, flags);
        assert!(!ok && !stderr.contains("panicked"), "{flags:?}: {stderr}");
        assert!(stderr.contains(named), "{flags:?} should be named: {stderr}");
    }
}

#[test]
fn eval_flags_are_bounded() {
    let dir = temp_dir("eval-flags");
    save(&VaeFamily::new(tiny_vae(), &Device::flex(), 0).unwrap(), &dir);
    let progress = Progress { step: 1, dataset: Some(DatasetId::Images(ImageDatasetId::Mnist)), ..Progress::default() };
    std::fs::write(dir.join("progress.json"), serde_json::to_vec(&progress).unwrap()).unwrap();
    for (flags, named) in [
        (&["--n", "0"][..], "--n"),
        (&["--n", "10000000"][..], "--n"),
        (&["--n", "10", "--k", "10"][..], "--k"),
        (&["--n", "10", "--k", "0"][..], "--k"),
        (&["--n", "100", "--importance-samples", "0"][..], "--importance-samples"),
        (&["--n", "100", "--importance-samples", "1000000"][..], "--importance-samples"),
    ] {
        let output = genlab().arg("eval").arg("--checkpoint").arg(&dir).args(flags).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success() && !stderr.contains("panicked"), "{flags:?}: {stderr}");
        assert!(stderr.contains(named), "{flags:?} should be named: {stderr}");
    }
}

/// Copies the MNIST sample into `to` (the four IDX files and the README).
fn copy_mnist(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(mnist_dir()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

fn report() -> EvalReport {
    EvalReport {
        checkpoint: String::new(),
        family: "vae".into(),
        description: String::new(),
        num_params: 0,
        step: 1,
        dataset: "MNIST".into(),
        feature_space: String::new(),
        seed: 0,
        samples: SampleMetrics { fid: 12.5, ..SampleMetrics::default() },
        baseline: SampleMetrics::default(),
        likelihood: Vec::new(),
        sample_ms_per_image: 0.0,
        warnings: Vec::new(),
    }
}

#[test]
fn the_evaluation_cache_is_keyed_on_the_data() {
    let root = temp_dir("cache");
    let (copy_a, copy_b) = (root.join("mnist-a"), root.join("mnist-b"));
    copy_mnist(&copy_a);
    copy_mnist(&copy_b);
    let dir = root.join("run");
    std::fs::create_dir_all(&dir).unwrap();
    save(&VaeFamily::new(tiny_vae(), &Device::flex(), 0).unwrap(), &dir);
    let progress = Progress {
        step: 1,
        dataset: Some(DatasetId::Images(ImageDatasetId::Mnist)),
        data_dir: Some(copy_a.clone()),
        ..Progress::default()
    };
    std::fs::write(dir.join("progress.json"), serde_json::to_vec(&progress).unwrap()).unwrap();
    let options = EvalOptions { n: 100, ..EvalOptions::default() };

    // Computed on the run's own copy (A).
    cache::store_with_data(&dir, &options, None, &report()).unwrap();
    assert!(cache::load(&dir, &options).is_some(), "the same data hits");
    assert!(cache::load_with_data(&dir, &options, Some(&copy_a)).is_some(), "A named explicitly is the same data");
    // Another spelling of the same folder is the same folder.
    let respelled = copy_a.join("..").join("mnist-a");
    assert!(cache::load_with_data(&dir, &options, Some(&respelled)).is_some(), "{}", respelled.display());
    // Another copy of the dataset (another --data-dir) misses.
    assert!(cache::load_with_data(&dir, &options, Some(&copy_b)).is_none(), "another data folder must not reuse the result");
    assert_ne!(cache::data_key(&dir, &options, Some(&copy_a)), cache::data_key(&dir, &options, Some(&copy_b)));
    // Changed data files in the same folder miss too.
    let labels =
        std::fs::read_dir(&copy_a).unwrap().map(|e| e.unwrap().path()).find(|p| p.to_string_lossy().contains("test-labels")).unwrap();
    let mut bytes = std::fs::read(&labels).unwrap();
    bytes.push(0);
    std::fs::write(&labels, &bytes).unwrap();
    assert!(cache::load(&dir, &options).is_none(), "changed data files must not reuse the result");
    let _ = std::fs::remove_dir_all(&root);
}

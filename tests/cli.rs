//! The command line as a user runs it: train on the shared MNIST files, sample from the
//! checkpoint, and get a clear error (naming the file) for bad input.

use std::path::{Path, PathBuf};
use std::process::Command;

fn genlab() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_genlab"));
    cmd.arg("--device").arg("cpu");
    cmd
}

fn shared_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("genlab-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn train_then_sample() {
    let out = temp_dir("run");
    let status = genlab()
        .args(["train", "--family", "vae", "--dataset", "mnist", "--steps", "30", "--batch-size", "32"])
        .arg("--out")
        .arg(&out)
        .arg("--data-dir")
        .arg(shared_data())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&status.stderr);
    assert!(status.status.success(), "{stderr}");
    assert!(stderr.contains("step") && stderr.contains("steps/s"), "no progress printed: {stderr}");
    let csv = std::fs::read_to_string(out.join("losses.csv")).unwrap();
    assert!(csv.starts_with("step,loss,reconstruction,KL\n"), "{csv}");
    assert_eq!(csv.lines().count(), 31);
    for file in ["samples.png", "model.bpk", "config.json", "progress.json"] {
        assert!(out.join(file).is_file(), "{file} missing");
    }

    let png = out.join("more.png");
    let status = genlab()
        .args(["sample", "--n", "16", "--seed", "3", "--checkpoint"])
        .arg(&out)
        .arg("--out")
        .arg(&png)
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let img = image::open(&png).unwrap();
    // 4×4 grid of 28-pixel images with 1-pixel gaps, scaled 3×.
    assert_eq!((img.width(), img.height()), ((4 * 29 + 1) * 3, (4 * 29 + 1) * 3));
}

#[test]
fn corrupt_data_file_fails_with_its_name() {
    let dir = temp_dir("corrupt");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, shared) in [
        ("train-images-idx3-ubyte.gz", "mnist10k-train-images-idx3-ubyte.gz"),
        ("train-labels-idx1-ubyte.gz", "mnist10k-train-labels-idx1-ubyte.gz"),
        ("t10k-images-idx3-ubyte.gz", "mnist10k-test-images-idx3-ubyte.gz"),
        ("t10k-labels-idx1-ubyte.gz", "mnist10k-test-labels-idx1-ubyte.gz"),
    ] {
        std::fs::copy(shared_data().join(shared), dir.join(name)).unwrap();
    }
    let bytes = std::fs::read(dir.join("train-images-idx3-ubyte.gz")).unwrap();
    std::fs::write(dir.join("train-images-idx3-ubyte.gz"), &bytes[..1000]).unwrap();
    let out = genlab()
        .args(["train", "--steps", "5", "--out"])
        .arg(temp_dir("never"))
        .arg("--data-dir")
        .arg(&dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("train-images-idx3-ubyte.gz") && stderr.contains("error"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn missing_checkpoint_fails_cleanly() {
    let out = genlab()
        .args(["sample", "--checkpoint", "/nonexistent/genlab-ckpt", "--out", "/tmp/x.png"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("/nonexistent/genlab-ckpt") && !stderr.contains("panicked"), "{stderr}");
}

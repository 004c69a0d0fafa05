//! A user's files are never lost (issue 17, class 1 and 2): `--out` is refused unless it is new,
//! empty or an earlier genlab checkpoint; re-saving keeps the folder's other files; a failed
//! run never replaces a good checkpoint; leftovers of an interrupted save are reclaimed.
//! Every run here is a few steps of the 2-D GAN or the MLP VAE on the embedded data.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn genlab() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_genlab"));
    cmd.arg("--device").arg("cpu");
    cmd
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("genlab-outputs-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A few steps of the 2-D GAN into `out` (quick: under a second of training).
fn train_gan(out: &Path, extra: &[&str]) -> Output {
    genlab()
        .args(["train", "--family", "gan", "--dataset", "ring8", "--out"])
        .arg(out)
        .args(if extra.is_empty() { &["--steps", "5"][..] } else { extra })
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_folder_of_someone_elses_files_is_refused_and_untouched() {
    let root = temp_dir("foreign");
    let out = root.join("mine");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("thesis.tex"), b"my only copy").unwrap();
    let run = train_gan(&out, &[]);
    assert!(!run.status.success(), "accepted a folder of the user's files: {}", stderr(&run));
    let err = stderr(&run);
    assert!(err.contains("did not write") && err.contains("thesis.tex"), "{err}");
    // Refused before training: nothing written, nothing moved, no hidden leftovers.
    assert_eq!(std::fs::read(out.join("thesis.tex")).unwrap(), b"my only copy");
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1);
    assert_eq!(std::fs::read_dir(&root).unwrap().count(), 1, "something was left beside the folder");
    assert!(!err.contains("steps/s"), "it trained before refusing: {err}");
}

#[test]
fn a_file_and_the_working_folder_are_refused() {
    let root = temp_dir("file");
    let file = root.join("notes.txt");
    std::fs::write(&file, b"keep me").unwrap();
    let run = train_gan(&file, &[]);
    assert!(!run.status.success());
    assert!(stderr(&run).contains("is a file"), "{}", stderr(&run));
    assert_eq!(std::fs::read(&file).unwrap(), b"keep me");
    assert_eq!(std::fs::read_dir(&root).unwrap().count(), 1, "the file was moved aside");

    // `--out .` in a folder with other files: refused before anything is written there.
    let run = genlab()
        .current_dir(&root)
        .args(["train", "--family", "gan", "--dataset", "ring8", "--steps", "5", "--out", "."])
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert_eq!(std::fs::read_dir(&root).unwrap().count(), 1, "a checkpoint was left in the working folder");
}

#[test]
fn the_data_folder_is_never_an_output() {
    let data = temp_dir("datadir");
    for name in ["mnist10k-train-images-idx3-ubyte.gz", "mnist10k-train-labels-idx1-ubyte.gz"] {
        std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/mnist").join(name), data.join(name)).unwrap();
    }
    let run = genlab()
        .args(["train", "--family", "vae", "--dataset", "mnist", "--steps", "2", "--out"])
        .arg(&data)
        .arg("--data-dir")
        .arg(&data)
        .output()
        .unwrap();
    assert!(!run.status.success());
    // Refused as an output before the (incomplete) data is even read.
    assert!(stderr(&run).contains("did not write"), "{}", stderr(&run));
    assert_eq!(std::fs::read_dir(&data).unwrap().count(), 2, "the dataset folder changed");
}

#[test]
fn resaving_keeps_the_runs_other_files_and_reclaims_leftovers() {
    let root = temp_dir("resave");
    let out = root.join("gan");
    let first = train_gan(&out, &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    for file in ["config.json", "progress.json", "generator.bpk", "discriminator.bpk", "losses.csv", "samples.png"] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    // The user's notes beside the checkpoint, and what a crashed save of an earlier genlab
    // left (a dead process's hidden folder of checkpoint files).
    std::fs::write(out.join("notes.md"), b"lr 1e-3 looked fine").unwrap();
    let stale = root.join(".gan.tmp-999999999");
    std::fs::create_dir_all(&stale).unwrap();
    std::fs::write(stale.join("config.json"), b"{}").unwrap();
    // An earlier genlab's `.old-` folder may hold the only copy of a checkpoint, and a hidden
    // folder with a user's file in it is not genlab's: neither is ever deleted.
    let not_ours = root.join(".gan.old-999999998");
    std::fs::create_dir_all(&not_ours).unwrap();
    std::fs::write(not_ours.join("diary.txt"), b"mine").unwrap();

    let second = train_gan(&out, &["--steps", "7"]);
    assert!(second.status.success(), "{}", stderr(&second));
    assert_eq!(std::fs::read(out.join("notes.md")).unwrap(), b"lr 1e-3 looked fine");
    let progress = std::fs::read_to_string(out.join("progress.json")).unwrap();
    assert!(progress.contains("\"step\": 7"), "the checkpoint was not replaced: {progress}");
    assert!(!stale.exists(), "a dead save's leftovers were kept");
    assert_eq!(std::fs::read(not_ours.join("diary.txt")).unwrap(), b"mine");
}

#[test]
fn a_run_that_fails_keeps_the_checkpoint_that_was_there() {
    let root = temp_dir("diverge");
    let out = root.join("gan");
    let good = train_gan(&out, &[]);
    assert!(good.status.success(), "{}", stderr(&good));
    let before: Vec<(String, Vec<u8>)> = ["config.json", "progress.json", "generator.bpk", "discriminator.bpk"]
        .iter()
        .map(|f| (f.to_string(), std::fs::read(out.join(f)).unwrap()))
        .collect();
    // The minimax game against a discriminator five times as quick as a frozen generator:
    // D's loss sits at its floor and the run pauses itself at step 301 (measured, seed 0).
    let bad = train_gan(&out, &["--objective", "minimax", "--lr", "1e-6", "--lr-d", "0.01", "--d-steps", "5", "--steps", "3000"]);
    let err = stderr(&bad);
    assert!(!bad.status.success(), "the run did not fail, so this test checks nothing: {err}");
    assert!(err.contains("the discriminator won") && err.contains("was kept"), "{err}");
    for (file, bytes) in before {
        assert_eq!(std::fs::read(out.join(&file)).unwrap(), bytes, "{file} was replaced by a failed run");
    }
    // Into a new folder the same failed run is saved (its weights as they were), for a look.
    let fresh = root.join("gan-failed");
    let bad = train_gan(&fresh, &["--objective", "minimax", "--lr", "1e-6", "--lr-d", "0.01", "--d-steps", "5", "--steps", "3000"]);
    assert!(!bad.status.success());
    assert!(fresh.join("progress.json").is_file() && fresh.join("losses.csv").is_file());
}

#[test]
fn train_classifier_never_writes_over_other_files() {
    let root = temp_dir("classifier");
    let target = root.join("weights.bpk");
    std::fs::write(&target, b"not a classifier").unwrap();
    let run = genlab().args(["train-classifier", "--dataset", "shapes", "--epochs", "1", "--out"]).arg(&target).output().unwrap();
    assert!(!run.status.success());
    assert!(stderr(&run).contains("not a classifier genlab wrote"), "{}", stderr(&run));
    assert_eq!(std::fs::read(&target).unwrap(), b"not a classifier");
    // Without --out it is refused by the parser: no default path inside the checkout.
    let run = genlab().args(["train-classifier", "--dataset", "shapes"]).output().unwrap();
    assert!(!run.status.success());
    assert!(stderr(&run).contains("--out"), "{}", stderr(&run));
}

#[test]
fn numbers_out_of_range_are_refused_with_the_limit() {
    for (flags, says) in [
        (vec!["--batch-size", "0"], "--batch-size 0"),
        (vec!["--batch-size", "100000000"], "at most 4096"),
        (vec!["--lr", "inf"], "--lr inf"),
        (vec!["--lr", "NaN"], "--lr NaN"),
        (vec!["--steps", "0"], "--steps 0"),
        (vec!["--lr", "5"], "--lr 5"),
    ] {
        let out = temp_dir("bounds").join("never");
        let run = genlab().args(["train", "--family", "vae", "--dataset", "shapes", "--out"]).arg(&out).args(&flags).output().unwrap();
        assert!(!run.status.success(), "{flags:?} was accepted");
        assert!(stderr(&run).contains(says), "{flags:?}: {}", stderr(&run));
        assert!(!out.exists(), "{flags:?} left a folder behind");
    }
}

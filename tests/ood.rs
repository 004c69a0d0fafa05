//! Out-of-distribution detection: the AUROC against scikit-learn on fixed scores with ties
//! (tests/fixtures/auroc/auroc.json, written by tests/fixtures/auroc/make_fixture.py, which
//! records the library versions), and `genlab ood` as a user runs it on a small PixelCNN
//! trained on the MNIST sample that ships in assets/mnist.

use std::path::PathBuf;
use std::process::Command;

use genlab::eval::ood::{CSV_HEADER, OodSet};
use genlab::metrics::{auroc, roc_curve};

mod common;
use common::mnist_dir;

fn genlab() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_genlab"));
    cmd.arg("--device").arg("cpu");
    cmd
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("genlab-ood-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn fixture() -> serde_json::Value {
    let path = format!("{}/tests/fixtures/auroc/auroc.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

/// sklearn.metrics.roc_auc_score (scikit-learn 1.9.1; the fixture names the versions) with the
/// out-of-distribution set as label 1, on five cases: normal scores rounded to 0.1, integers
/// 0-3 against 1-4, all tied (0.5), separated (1) and reversed (0).
#[test]
fn auroc_matches_scikit_learn_on_scores_with_ties() {
    let fixture = fixture();
    let cases = fixture["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 5);
    for case in cases {
        let (inside, outside) = (floats(&case["in"]), floats(&case["out"]));
        let expected = case["auroc"].as_f64().unwrap();
        let got = auroc(&inside, &outside).unwrap();
        assert!((got - expected).abs() < 1e-12, "{}: {got} but scikit-learn gives {expected}", case["name"]);
        // Swapped, every win becomes a loss and a tie stays half.
        let swapped = auroc(&outside, &inside).unwrap();
        assert!((got + swapped - 1.0).abs() < 1e-12, "{}: {got} + {swapped}", case["name"]);
    }
    // The first case really has ties, within a set and across the two.
    let (inside, outside) = (floats(&cases[0]["in"]), floats(&cases[0]["out"]));
    assert!(inside.iter().enumerate().any(|(i, a)| inside[..i].contains(a)), "no tie within the set");
    assert!(inside.iter().any(|a| outside.contains(a)), "no tie across the sets");
}

/// sklearn.metrics.roc_curve(drop_intermediate=False) on the first case: the same points and
/// thresholds, and the curve's trapezoidal area is the AUROC.
#[test]
fn roc_curve_matches_scikit_learn_and_its_area_is_the_auroc() {
    let fixture = fixture();
    let case = &fixture["cases"][0];
    let (inside, outside) = (floats(&case["in"]), floats(&case["out"]));
    let (fpr, tpr, thresholds) = (floats(&case["roc_fpr"]), floats(&case["roc_tpr"]), floats(&case["roc_thresholds_after_first"]));
    let points = roc_curve(&inside, &outside).unwrap();
    assert_eq!(points.len(), fpr.len());
    assert_eq!(points[0].threshold, f64::INFINITY);
    for (i, p) in points.iter().enumerate() {
        assert!((p.fpr - fpr[i]).abs() < 1e-12 && (p.tpr - tpr[i]).abs() < 1e-12, "point {i}: {p:?} vs ({}, {})", fpr[i], tpr[i]);
        if i > 0 {
            assert_eq!(p.threshold, thresholds[i - 1], "point {i}");
        }
    }
    let last = points.last().unwrap();
    assert_eq!((last.fpr, last.tpr), (1.0, 1.0));
    let area: f64 = points.windows(2).map(|w| (w[1].fpr - w[0].fpr) * (w[1].tpr + w[0].tpr) / 2.0).sum();
    assert!((area - auroc(&inside, &outside).unwrap()).abs() < 1e-12, "area {area}");
}

#[test]
fn auroc_refuses_empty_sets_and_nan_and_ties_the_two_zeros() {
    assert!(auroc(&[], &[1.0]).unwrap_err().contains("in-distribution set has no scores"));
    assert!(auroc(&[1.0], &[]).unwrap_err().contains("out-of-distribution set has no scores"));
    let nan = auroc(&[0.0, f64::NAN], &[1.0]).unwrap_err();
    assert!(nan.contains("index 1") && nan.contains("not a number"), "{nan}");
    // −0.0 and +0.0 are one score.
    assert_eq!(auroc(&[-0.0], &[0.0]).unwrap(), 0.5);
    // Infinite scores rank (an image the model gives probability 0 is as anomalous as can be).
    assert_eq!(auroc(&[1.0, 2.0], &[f64::INFINITY]).unwrap(), 1.0);
}

#[test]
fn sets_parse_as_the_command_line_writes_them() {
    for name in ["test", "mnist", "fashion", "shapes", "noise", "constant", "flipped", "inverted"] {
        assert_eq!(name.parse::<OodSet>().unwrap().to_string(), name);
    }
    assert_eq!("Noise".parse::<OodSet>(), Ok(OodSet::Noise));
    assert_eq!("folder:my images,2".parse::<OodSet>(), Ok(OodSet::Folder(PathBuf::from("my images,2"))));
    assert!("folder:".parse::<OodSet>().unwrap_err().contains("needs the folder"));
    assert!("svhn".parse::<OodSet>().unwrap_err().contains("folder:PATH"));
}

/// Every bound is checked before the checkpoint is read (this one does not exist).
#[test]
fn flags_out_of_bounds_are_refused_first() {
    let missing = temp_dir("missing");
    for (flags, message) in [
        (&["--vs", "noise", "--n", "0"][..], "--n 0 is too small"),
        (&["--vs", "noise", "--n", "50001"][..], "--n 50001 is too large"),
        (&["--vs", "noise", "--importance-samples", "0"][..], "--importance-samples 0 is too small"),
        (&["--vs", "noise", "--vs", "noise"][..], "--vs noise is named twice"),
        (&["--vs", "mnist", "--in", "mnist"][..], "--vs mnist is the in-distribution set itself"),
        (&["--vs", "mnist", "--in", "noise"][..], "must be real data"),
        (&["--vs", "svhn"][..], "not a set genlab ood makes"),
    ] {
        let run = genlab().arg("ood").args(flags).arg("--checkpoint").arg(&missing).output().unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(!run.status.success() && stderr.contains(message), "{flags:?}: {stderr}");
    }
    let many: Vec<String> = (0..17).flat_map(|i| ["--vs".to_string(), format!("folder:f{i}")]).collect();
    let run = genlab().arg("ood").args(&many).arg("--checkpoint").arg(&missing).output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success() && stderr.contains("the number of --vs sets 17 is too large"), "{stderr}");
}

/// A PixelCNN after 200 steps (16 channels, one layer; 2.5 s here) has learnt that MNIST is
/// mostly black, so uniform noise (about half its binarized pixels on) costs far more bits
/// than any test digit: AUROC ≥ 0.95 (1.0000 measured, noise 1,020 nats against 91). After 30
/// steps of an 8-channel model every image still costs about 1 bit a pixel, and noise came
/// out *more* likely (AUROC 0.017).
#[test]
fn a_small_pixelcnn_tells_noise_from_its_test_digits() {
    let out = temp_dir("pixelcnn");
    let train = genlab()
        .args(["train", "--family", "pixelcnn", "--dataset", "mnist", "--steps", "200", "--channels", "16", "--layers", "1"])
        .arg("--out")
        .arg(&out)
        .arg("--data-dir")
        .arg(mnist_dir())
        .output()
        .unwrap();
    assert!(train.status.success(), "{}", String::from_utf8_lossy(&train.stderr));

    let csv = out.join("ood.csv");
    let ood = genlab()
        .args(["ood", "--n", "200", "--vs", "noise", "--vs", "constant", "--json", "--checkpoint"])
        .arg(&out)
        .arg("--csv")
        .arg(&csv)
        .output()
        .unwrap();
    assert!(ood.status.success(), "{}", String::from_utf8_lossy(&ood.stderr));
    let report: serde_json::Value = serde_json::from_slice(&ood.stdout).unwrap();
    assert_eq!(report["family"], "PixelCNN");
    assert_eq!(report["estimate"], "exact NLL (binarized)");
    let inside = &report["inside"];
    assert_eq!((inside["name"].as_str(), inside["n"].as_u64()), (Some("test"), Some(200)));
    assert!(inside["auroc_raw"].is_null(), "the in-distribution set has no AUROC of its own");
    let nats = inside["mean_nll_nats"].as_f64().unwrap();
    let bits_per_dim = inside["bits_per_dim"].as_f64().unwrap();
    assert!((bits_per_dim - nats / (784.0 * std::f64::consts::LN_2)).abs() < 1e-9, "{nats} nats, {bits_per_dim} bits/dim");
    let noise = &report["sets"][0];
    assert_eq!(noise["name"], "noise");
    let raw = noise["auroc_raw"].as_f64().unwrap();
    assert!(raw >= 0.95, "noise AUROC {raw}: {report:#}");
    let corrected = noise["auroc_corrected"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&corrected), "{corrected}");

    // The CSV holds every image's scores, and the report's AUROC is theirs.
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with(&format!("{CSV_HEADER}\n")), "{}", &text[..text.len().min(200)]);
    assert_eq!(text.lines().count(), 1 + 3 * 200);
    let nll = |set: &str| -> Vec<f64> {
        text.lines().skip(1).filter(|l| l.split(',').next() == Some(set)).map(|l| l.split(',').nth(2).unwrap().parse().unwrap()).collect()
    };
    let (test_nll, noise_nll) = (nll("test"), nll("noise"));
    assert_eq!((test_nll.len(), noise_nll.len()), (200, 200));
    // serde_json parses floats to within an ulp (its default, without `float_roundtrip`).
    assert!((auroc(&test_nll, &noise_nll).unwrap() - raw).abs() < 1e-12);

    // The table, with --csv over the file genlab wrote.
    let table = genlab().args(["ood", "--n", "20", "--vs", "flipped", "--checkpoint"]).arg(&out).arg("--csv").arg(&csv).output().unwrap();
    let stdout = String::from_utf8_lossy(&table.stdout);
    assert!(table.status.success(), "{}", String::from_utf8_lossy(&table.stderr));
    assert!(stdout.contains("AUROC raw") && stdout.contains("test (in)") && stdout.contains("flipped"), "{stdout}");
    assert_eq!(std::fs::read_to_string(&csv).unwrap().lines().count(), 1 + 2 * 20);

    // A file genlab did not write is refused and left as it was.
    let notes = out.join("notes.csv");
    std::fs::write(&notes, "my,own\n1,2\n").unwrap();
    let refused = genlab().args(["ood", "--n", "20", "--vs", "noise", "--checkpoint"]).arg(&out).arg("--csv").arg(&notes).output().unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && stderr.contains("not a CSV genlab ood wrote"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my,own\n1,2\n");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn a_gan_checkpoint_is_refused_naming_the_families_with_a_likelihood() {
    let out = temp_dir("gan");
    let train = genlab()
        .args(["train", "--family", "gan", "--dataset", "mnist", "--steps", "1", "--batch-size", "8", "--out"])
        .arg(&out)
        .arg("--data-dir")
        .arg(mnist_dir())
        .output()
        .unwrap();
    assert!(train.status.success(), "{}", String::from_utf8_lossy(&train.stderr));
    let ood = genlab().args(["ood", "--vs", "noise", "--checkpoint"]).arg(&out).output().unwrap();
    let stderr = String::from_utf8_lossy(&ood.stderr);
    assert!(!ood.status.success(), "{stderr}");
    assert!(stderr.contains("holds a GAN checkpoint") && stderr.contains("no likelihood"), "{stderr}");
    for family in ["VAE", "PixelCNN", "Flow"] {
        assert!(stderr.contains(family), "the message names {family}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(&out);
}

//! The Density tab in the window (wgpu on Mesa lavapipe, as tests/ui.rs): a small PixelCNN
//! trained by `genlab train` is scored against other sets through the tab, the numbers it shows
//! are the ones `genlab ood` prints for the command the tab shows beside its button, and a
//! stroke drawn on the pad with the mouse is scored.

use std::path::PathBuf;
use std::process::Command;

use eframe::egui;
use eframe::egui::accesskit::Role;
use egui_kittest::kittest::{NodeT as _, Queryable as _};

mod common;
use common::window::{harness, one_window, shows_label, step_until};

fn genlab() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_genlab"));
    // The window computes on flex here (Auto on lavapipe), as the command line does on cpu.
    cmd.arg("--device").arg("cpu");
    cmd
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("genlab-ui-density-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn the_density_tab_scores_sets_as_genlab_ood_does_and_scores_a_drawing() {
    let _window = one_window();
    use genlab::gui::dialogs::{Purpose, answer_next};

    let dir = temp_dir("pixelcnn");
    let train = genlab()
        .args(["train", "--family", "pixelcnn", "--dataset", "mnist", "--steps", "60", "--channels", "8", "--layers", "1", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(train.status.success(), "{}", String::from_utf8_lossy(&train.stderr));

    let mut h = harness();
    h.run_steps(3);
    h.get_by_label("Density").click();
    h.run_steps(3);
    answer_next(&h.ctx, Purpose::PickModel, dir.clone());
    h.get_by_role_and_label(Role::Button, "Choose a model…").click();
    assert!(step_until(&mut h, 30.0, |h| shows_label(h, "holds a PixelCNN")), "the tab did not take the checkpoint");

    // The command the tab says gives the same numbers.
    let command = h
        .query_all_by_label_contains("genlab ood --checkpoint")
        .filter_map(|n| n.accesskit_node().label().or_else(|| n.accesskit_node().value()))
        .next()
        .expect("no command line shown beside Score the sets");
    assert!(command.contains("--vs fashion") && command.contains("--vs noise"), "an MNIST model's defaults: {command}");
    h.get_by_role_and_label(Role::Button, "Score the sets").click();
    assert!(step_until(&mut h, 240.0, |h| shows_label(h, "AUROC raw")), "no results after Score the sets");

    let args: Vec<&str> = command.split_whitespace().skip(1).collect();
    let cli = genlab().args(&args).arg("--json").output().unwrap();
    assert!(cli.status.success(), "{command}: {}", String::from_utf8_lossy(&cli.stderr));
    let report: serde_json::Value = serde_json::from_slice(&cli.stdout).unwrap();
    let sets = report["sets"].as_array().unwrap();
    assert_eq!(sets.len(), 2);
    for set in sets {
        for (field, digits) in [("auroc_raw", 3), ("auroc_corrected", 3), ("mean_nll_nats", 1)] {
            let value = set[field].as_f64().unwrap();
            let text = format!("{value:.digits$}");
            assert!(shows_label(&h, &text), "{}: {field} {text} from genlab ood is not in the window", set["name"]);
        }
    }
    // Noise is far from digits even for this small model: the issue asks AUROC ≥ 0.95 of an MNIST
    // model; a 200-step PixelCNN gets 1.000 (tests/ood.rs), the 60-step one here above 0.95 too.
    let noise = sets.iter().find(|s| s["name"] == "noise").unwrap();
    assert!(noise["auroc_raw"].as_f64().unwrap() > 0.95, "{noise}");

    // A stroke drawn with the mouse: a vertical bar down the middle of the pad.
    let pad = h.get_by_role_and_label(Role::Canvas, "Drawing pad").rect();
    let at = |fx: f32, fy: f32| egui::pos2(pad.min.x + fx * pad.width(), pad.min.y + fy * pad.height());
    h.hover_at(at(0.5, 0.2));
    h.step();
    h.drag_at(at(0.5, 0.2));
    h.step();
    for k in 1..=12 {
        h.hover_at(at(0.5, 0.2 + 0.05 * k as f32));
        h.step();
    }
    h.drop_at(at(0.5, 0.8));
    h.run_steps(2);
    h.get_by_role_and_label(Role::Button, "Score the drawing").click();
    let scored = step_until(&mut h, 60.0, |h| shows_label(h, "Your drawing: −log p(x) ="));
    assert!(scored, "the drawing was not scored");
    assert!(shows_label(&h, "more typical than"), "the drawing's place among the test images is not shown");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_density_tab_takes_the_model_training_in_a_family_tab() {
    let _window = one_window();
    let mut h = harness();
    h.run_steps(3);
    h.get_by_label("PixelCNN").click();
    h.run_steps(3);
    common::window::wait_for_button(&mut h, "Step");
    h.get_by_role_and_label(Role::Button, "Step").click_accesskit();
    assert!(step_until(&mut h, 120.0, |h| common::window::status_step(h) >= 1), "the PixelCNN tab made no step");

    h.get_by_label("Density").click();
    h.run_steps(3);
    let offer = step_until(&mut h, 10.0, |h| h.query_by_role_and_label(Role::Button, "PixelCNN (step 1)").is_some());
    assert!(offer, "the Density tab does not offer the PixelCNN tab's run");
    h.get_by_role_and_label(Role::Button, "PixelCNN (step 1)").click_accesskit();
    assert!(step_until(&mut h, 60.0, |h| shows_label(h, "holds a PixelCNN")), "the tab's model never arrived");
    // Its folder is genlab's own, under the temporary folder, and holds a whole checkpoint.
    let command = h
        .query_all_by_label_contains("genlab ood --checkpoint")
        .filter_map(|n| n.accesskit_node().label().or_else(|| n.accesskit_node().value()))
        .next()
        .expect("no command line shown");
    let dir = PathBuf::from(command.split_whitespace().nth(3).unwrap());
    assert!(dir.starts_with(std::env::temp_dir()) && dir.join("config.json").is_file(), "{}", dir.display());
    let _ = std::fs::remove_dir_all(dir.parent().unwrap());
}

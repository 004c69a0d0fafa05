//! The window under test: one at a time per test process, driven by egui_kittest and rendered
//! with wgpu on Mesa lavapipe (tests/ui.rs, tests/ui_checkpoints.rs).

use std::sync::{Arc, Mutex, MutexGuard};

use eframe::egui::accesskit::Role;
use eframe::egui_wgpu::WgpuSetup;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use genlab::device::{DeviceChoice, full_device_descriptor};
use genlab::gui::GenlabApp;

/// The window tests run one at a time. Each builds a whole window, with its own lavapipe
/// renderer and training threads; two at once on 2 cores sometimes starved one run past its
/// time limit.
static ONE_WINDOW: Mutex<()> = Mutex::new(());

pub fn one_window() -> MutexGuard<'static, ()> {
    ONE_WINDOW.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The app on the shipped MNIST sample, computing wherever `Auto` puts it (flex on lavapipe).
pub fn harness() -> Harness<'static, GenlabApp> {
    let mut setup = egui_kittest::wgpu::default_wgpu_setup();
    if let WgpuSetup::CreateNew(create) = &mut setup {
        create.device_descriptor = Arc::new(full_device_descriptor);
    }
    let data_dir = super::mnist_dir();
    Harness::builder()
        .with_size([1400.0, 1000.0])
        .wgpu_setup(setup)
        .build_eframe(move |cc| GenlabApp::new(cc, DeviceChoice::Auto, Some(data_dir.clone())))
}

/// Steps frames (with a short real sleep so the worker thread runs) until `done` or timeout.
pub fn step_until(h: &mut Harness<'static, GenlabApp>, secs: f64, mut done: impl FnMut(&mut Harness<'static, GenlabApp>) -> bool) -> bool {
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

/// Tabs load their data off the UI thread: their buttons appear once the model is built.
pub fn wait_for_button(h: &mut Harness<'static, GenlabApp>, label: &str) {
    let ready = step_until(h, 120.0, |h| h.query_by_role_and_label(Role::Button, label).is_some());
    assert!(ready, "no \"{label}\" button: the tab's model never started");
}

/// The training step the status bar shows ("step N"), 0 before there is one.
pub fn status_step(h: &Harness<'static, GenlabApp>) -> u64 {
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
pub fn shows_label(h: &Harness<'static, GenlabApp>, part: &str) -> bool {
    h.query_all_by_label_contains(part).next().is_some()
}

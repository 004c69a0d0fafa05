//! The top-level app: tab bar, settings, status bar; the active tab draws the rest.

use std::path::PathBuf;

use eframe::egui;

use crate::device::{ComputeDevice, DeviceChoice};

use super::dialogs::{Closed, PendingDialog, Purpose, UNAVAILABLE};
use super::tab::{Shared, Tab};
use super::tabs::all_tabs;

pub struct GenlabApp {
    tabs: Vec<Box<dyn Tab>>,
    active: usize,
    shared: Shared,
    data_dir_text: String,
    dialog: Option<PendingDialog>,
    show_settings: bool,
    /// Why the settings row opened by itself: no file dialog could be shown.
    dialog_note: Option<String>,
    frames: FrameMeter,
}

/// The window's own cost while a model trains: how long building a frame takes (eframe's
/// measure of the app's CPU time per frame) and how often frames come. Shown in the status
/// bar, so "does training starve the UI?" is a number, not an impression.
#[derive(Default)]
struct FrameMeter {
    last: Option<std::time::Instant>,
    /// Exponential moving averages, in seconds.
    interval: f64,
    cpu: f64,
}

impl FrameMeter {
    fn tick(&mut self, cpu_usage: Option<f32>) {
        let now = std::time::Instant::now();
        if let Some(last) = self.last {
            let dt = (now - last).as_secs_f64();
            // Long gaps are idle time (nothing to repaint), not slow frames.
            if dt < 0.5 {
                self.interval = if self.interval == 0.0 { dt } else { 0.95 * self.interval + 0.05 * dt };
            }
        }
        self.last = Some(now);
        if let Some(cpu) = cpu_usage {
            self.cpu = if self.cpu == 0.0 { cpu as f64 } else { 0.95 * self.cpu + 0.05 * cpu as f64 };
        }
    }
}

impl GenlabApp {
    pub fn new(cc: &eframe::CreationContext<'_>, choice: DeviceChoice, data_dir: Option<PathBuf>) -> Self {
        let device = ComputeDevice::from_render_state(choice, cc.wgpu_render_state.as_ref());
        Self {
            tabs: all_tabs(),
            active: 0,
            data_dir_text: data_dir.as_ref().map(|d| d.display().to_string()).unwrap_or_default(),
            shared: Shared { device, data_dir, data_version: 0, checkpoints: Vec::new(), runs: Vec::new(), snapshot: None },
            dialog: None,
            show_settings: false,
            dialog_note: None,
            frames: FrameMeter::default(),
        }
    }

    fn set_data_dir(&mut self, dir: Option<PathBuf>) {
        self.data_dir_text = dir.as_ref().map(|d| d.display().to_string()).unwrap_or_default();
        self.shared.data_dir = dir;
        self.shared.data_version += 1;
    }

    fn top_bar_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.heading("genlab");
            ui.separator();
            for (i, tab) in self.tabs.iter().enumerate() {
                ui.selectable_value(&mut self.active, i, tab.name());
            }
            ui.separator();
            if ui.button("Open dataset…").on_hover_text("pick a folder with MNIST or Fashion-MNIST IDX files, or a folder of your own PNG/JPEG images (one subfolder per class, optional; choose \"Your image folder\" as the dataset)").clicked()
                && self.dialog.is_none()
            {
                self.dialog = Some(PendingDialog::open(Purpose::OpenDataset, ui.ctx()));
            }
            if ui.toggle_value(&mut self.show_settings, "Settings").changed() && !self.show_settings {
                self.dialog_note = None;
            }
        });
        if self.show_settings {
            ui.horizontal(|ui| {
                let label = ui.label("Data folder:");
                ui.add(egui::TextEdit::singleline(&mut self.data_dir_text).desired_width(380.0).hint_text("(none: embedded MNIST sample)"))
                    .labelled_by(label.id);
                if ui.button("Apply").clicked() {
                    let text = self.data_dir_text.trim();
                    let dir = (!text.is_empty()).then(|| PathBuf::from(text));
                    // The same folder again keeps the tabs' runs (a new one restarts them).
                    if dir != self.shared.data_dir {
                        self.set_data_dir(dir);
                    }
                    self.dialog_note = None;
                }
            });
            if let Some(note) = &self.dialog_note {
                ui.colored_label(egui::Color32::from_rgb(255, 110, 110), note);
            }
        }
    }

    fn status_bar_ui(&self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.label(format!("Device: {}", self.shared.device.label));
            if let Some(warning) = &self.shared.device.warning {
                ui.colored_label(egui::Color32::YELLOW, warning);
            }
            if let Some(status) = self.tabs.get(self.active).and_then(|t| t.status()) {
                ui.separator();
                ui.label(if status.running { "training" } else { "paused" });
                ui.separator();
                ui.label(format!("step {}", status.step));
                ui.separator();
                // The speed of training now: none while paused (not the last run's).
                if status.running {
                    ui.label(format!("{:.1} steps/s", status.steps_per_sec));
                    ui.separator();
                }
                ui.label(format!("{} samples seen", status.samples_seen));
            }
            if self.frames.interval > 0.0 {
                ui.separator();
                ui.label(format!("UI: {:.1} ms/frame, {:.0} frames/s", self.frames.cpu * 1e3, 1.0 / self.frames.interval))
                    .on_hover_text("CPU time to build one frame of this window, and how often frames are drawn (averaged)");
            }
        });
    }
}

impl eframe::App for GenlabApp {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        self.frames.tick(frame.info().cpu_usage);
        if let Some(answer) = self.dialog.as_ref().and_then(|d| d.poll()) {
            self.dialog = None;
            match answer {
                Closed::Picked(dir) => self.set_data_dir(Some(dir)),
                Closed::Cancelled => {}
                Closed::Unavailable => {
                    // The typed path in the settings row does the same.
                    self.show_settings = true;
                    self.dialog_note = Some(format!("{UNAVAILABLE}; type the folder's path here instead"));
                }
            }
        }
        egui::Panel::top("tab-bar").show(ui, |ui| self.top_bar_ui(ui));
        egui::Panel::bottom("status-bar").show(ui, |ui| self.status_bar_ui(ui));
        for (i, tab) in self.tabs.iter_mut().enumerate() {
            if i != self.active {
                tab.poll_in_background();
            }
        }
        // What the Density tab offers: every checkpoint saved or loaded, every run going.
        self.shared.runs.clear();
        for tab in &self.tabs {
            for dir in tab.checkpoints() {
                if !self.shared.checkpoints.contains(&dir) {
                    self.shared.checkpoints.push(dir);
                }
            }
            if let Some(status) = tab.status() {
                self.shared.runs.push((tab.name(), status.step));
            }
        }
        if let Some(tab) = self.tabs.get_mut(self.active) {
            tab.ui(ui, &mut self.shared);
        }
        if let Some((name, dir)) = self.shared.snapshot.take()
            && let Some(tab) = self.tabs.iter_mut().find(|t| t.name() == name)
        {
            tab.snapshot(dir);
        }
    }
}

//! The top-level app: tab bar, settings, status bar; the active tab draws the rest.

use std::path::PathBuf;

use eframe::egui;

use crate::device::{ComputeDevice, DeviceChoice};

use super::dialogs::{PendingDialog, Purpose};
use super::tab::{Shared, Tab};
use super::tabs::all_tabs;

pub struct GenlabApp {
    tabs: Vec<Box<dyn Tab>>,
    active: usize,
    shared: Shared,
    data_dir_text: String,
    dialog: Option<PendingDialog>,
    show_settings: bool,
}

impl GenlabApp {
    pub fn new(cc: &eframe::CreationContext<'_>, choice: DeviceChoice, data_dir: Option<PathBuf>) -> Self {
        let device = ComputeDevice::from_render_state(choice, cc.wgpu_render_state.as_ref());
        Self {
            tabs: all_tabs(),
            active: 0,
            data_dir_text: data_dir.as_ref().map(|d| d.display().to_string()).unwrap_or_default(),
            shared: Shared { device, data_dir, data_version: 0 },
            dialog: None,
            show_settings: false,
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
            ui.toggle_value(&mut self.show_settings, "Settings");
        });
        if self.show_settings {
            ui.horizontal(|ui| {
                let label = ui.label("Data folder:");
                ui.add(egui::TextEdit::singleline(&mut self.data_dir_text).desired_width(380.0).hint_text("(none: embedded MNIST sample)"))
                    .labelled_by(label.id);
                if ui.button("Apply").clicked() {
                    let text = self.data_dir_text.trim();
                    let dir = (!text.is_empty()).then(|| PathBuf::from(text));
                    self.set_data_dir(dir);
                }
            });
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
                ui.label(format!("{:.1} steps/s", status.steps_per_sec));
                ui.separator();
                ui.label(format!("{} samples seen", status.samples_seen));
            }
        });
    }
}

impl eframe::App for GenlabApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        if let Some(answer) = self.dialog.as_ref().and_then(|d| d.poll()) {
            self.dialog = None;
            if let Some(dir) = answer {
                self.set_data_dir(Some(dir));
            }
        }
        egui::Panel::top("tab-bar").show(ui, |ui| self.top_bar_ui(ui));
        egui::Panel::bottom("status-bar").show(ui, |ui| self.status_bar_ui(ui));
        if let Some(tab) = self.tabs.get_mut(self.active) {
            tab.ui(ui, &mut self.shared);
        }
    }
}

//! The eframe application: a tab per family, a shared status bar, file dialogs.

pub mod app;
pub mod dialogs;
pub mod eval_job;
pub mod eval_on_demand;
pub mod job;
pub mod knobs;
pub mod loading;
pub mod session;
pub mod shell;
pub mod tab;
pub mod tabs;
pub mod train_data;
pub mod widgets;

use std::path::PathBuf;
use std::sync::Arc;

use eframe::egui;
use eframe::egui_wgpu;

use crate::device::{DeviceChoice, full_device_descriptor};

pub use app::GenlabApp;

/// What eframe should create: a wgpu device with the adapter's features and limits, so burn
/// can run its kernels on the same device the window draws with.
pub fn wgpu_setup() -> egui_wgpu::WgpuSetup {
    egui_wgpu::WgpuSetup::CreateNew(egui_wgpu::WgpuSetupCreateNew {
        device_descriptor: Arc::new(full_device_descriptor),
        ..egui_wgpu::WgpuSetupCreateNew::without_display_handle()
    })
}

/// Opens the window and runs until it is closed.
pub fn run(device: DeviceChoice, data_dir: Option<PathBuf>) -> Result<(), String> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("genlab")
            .with_inner_size([1400.0, 900.0])
            .with_min_inner_size([900.0, 600.0]),
        renderer: eframe::Renderer::Wgpu,
        wgpu_options: egui_wgpu::WgpuConfiguration { wgpu_setup: wgpu_setup(), ..Default::default() },
        ..Default::default()
    };
    eframe::run_native("genlab", options, Box::new(move |cc| Ok(Box::new(GenlabApp::new(cc, device, data_dir)))))
        .map_err(|e| format!("could not open the window: {e}"))
}

//! The tab trait: each family's view is one file behind this, and the tab list is data.

use std::path::PathBuf;

use eframe::egui;

use crate::device::ComputeDevice;

/// What every tab can read (and the settings it can change).
pub struct Shared {
    pub device: ComputeDevice,
    pub data_dir: Option<PathBuf>,
    /// Bumped whenever `data_dir` changes, so tabs know to reload their data.
    pub data_version: u64,
    /// Checkpoint folders saved or loaded in this window, oldest first: the Density tab
    /// offers them as models.
    pub checkpoints: Vec<PathBuf>,
    /// The family tabs with a run this frame: (tab name, training step).
    pub runs: Vec<(&'static str, u64)>,
    /// A tab asked to save the run of the tab named here into this folder (the Density tab
    /// taking a tab's model); the app passes it on after the frame.
    pub snapshot: Option<(&'static str, PathBuf)>,
}

/// Training status for the status bar.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TabStatus {
    pub running: bool,
    pub step: u64,
    pub samples_seen: u64,
    pub steps_per_sec: f64,
}

pub trait Tab {
    fn name(&self) -> &'static str;

    /// Draws the tab: it may add its own side panel before its central panel.
    fn ui(&mut self, ui: &mut egui::Ui, shared: &mut Shared);

    fn status(&self) -> Option<TabStatus>;

    /// Called every frame while another tab is shown: a run left training here keeps applying
    /// its events (loss history, the latest previews), so they never pile up unread.
    fn poll_in_background(&mut self) {}

    /// Saves this tab's run as a checkpoint in `dir`, as its "Save checkpoint…" does; false
    /// when there is no run to save.
    fn snapshot(&mut self, _dir: PathBuf) -> bool {
        false
    }

    /// Checkpoint folders this tab saved or loaded, latest of each.
    fn checkpoints(&self) -> Vec<PathBuf> {
        Vec::new()
    }
}

/// The layout every tab uses: a resizable side panel of controls and a scrolling central view,
/// both drawn by the tab's own methods.
pub fn side_and_central_ui<T>(
    ui: &mut egui::Ui,
    id: &str,
    side_width: f32,
    tab: &mut T,
    side: fn(&mut T, &mut egui::Ui),
    central: fn(&mut T, &mut egui::Ui),
) {
    egui::Panel::left(id.to_owned()).resizable(true).default_size(side_width).show(ui, |ui| {
        egui::ScrollArea::vertical().show(ui, |ui| side(tab, ui));
    });
    // Each tab's own scroll position: the central panel's id is the same in every tab.
    egui::CentralPanel::default().show(ui, |ui| {
        egui::ScrollArea::vertical().id_salt((id, "central")).show(ui, |ui| central(tab, ui));
    });
}

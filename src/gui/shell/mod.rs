//! The shell every family tab runs in, written once: the data (picked, then loaded in the
//! background), the seed and the batch size, Start/Pause/Step/Reset, the live knobs,
//! checkpoints (save, load, export), the run's messages, the loss plot, on-demand evaluation
//! and the status bar's numbers.
//!
//! A family tab implements `FamilyTab`: the model it builds from its own settings, its views,
//! and the order of the blocks in its side panel (the shell draws each block: `data_ui`,
//! `training_ui`, `files_ui`…). `RunTab` puts the two together behind the app's `Tab` trait.
//!
//! | file | what it holds |
//! | --- | --- |
//! | `mod.rs` | `FamilyTab` (what a family writes) and `RunTab` (the `Tab` the app sees) |
//! | `run.rs` | `RunShell`: the run, its data and settings, requests, dialogs, checkpoint loading |
//! | `blocks.rs` | the blocks of the side panel and the messages over the views |
//! | `pace.rs` | `Every` and `Refresh`: how often a tab asks the worker again for a view |

mod blocks;
mod pace;
mod run;

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use eframe::egui;

use crate::data::DatasetId;
use crate::train::{PreviewQuestion, TrainData};
use crate::views::Model;

use super::dialogs::Purpose;
use super::session::Session;
use super::tab::{Shared, Tab, TabStatus, side_and_central_ui};

pub use pace::{Every, Refresh};
pub use run::RunShell;

/// A fresh model, and how its run starts.
pub struct NewRun {
    pub model: Box<dyn Model>,
    /// What the worker trains on: the tab's data, or a view of it (a text cut into windows).
    pub data: TrainData,
    /// Samples in each preview.
    pub preview_n: usize,
}

/// What a family tab writes itself; everything else is the shell's. Each hook is called on
/// the GUI thread, between frames or while drawing.
pub trait FamilyTab {
    /// The side panel's width when first shown.
    const SIDE_WIDTH: f32 = 290.0;

    /// What to do first, in bold over the views until the model has trained a step.
    const UNTIL_TRAINED: Option<&'static str> = None;

    /// A fresh model for `data` (picked as `dataset`) with the settings chosen for the next
    /// Reset. A panic inside becomes the tab's error.
    fn build(&mut self, data: TrainData, dataset: DatasetId, seed: u64, device: &Device) -> Result<NewRun, String>;

    /// Questions of the family's own asked again with every preview of its runs, besides those
    /// every tab's run asks (`views::preview_questions`); their answers arrive in `update`.
    fn preview_questions(&self) -> Vec<PreviewQuestion<dyn Model>> {
        Vec::new()
    }

    /// A new run has started: forget what the last one showed, ask the first questions.
    fn started(&mut self, _session: &Session) {}

    /// The run is gone (Reset, another dataset, another data folder); a new one starts once
    /// the data is there.
    fn reset(&mut self) {}

    /// A dataset was picked: the batch size the family starts with on it, if it has its own
    /// (the family may change other settings that follow the data).
    fn dataset_picked(&mut self, _dataset: DatasetId) -> Option<usize> {
        None
    }

    /// The worker has replaced the model with the checkpoint in `dir`, whose settings may
    /// differ from the tab's.
    fn loaded(&mut self, _dir: &Path) {}

    /// A file was chosen in a dialog the tab opened for its own purpose (an export of a view).
    fn file_chosen(&mut self, _purpose: Purpose, _path: PathBuf, _session: &mut Session) {}

    /// Once a frame while the tab is shown and has a run: take answers, ask what is due.
    fn update(&mut self, _session: &mut Session, _ctx: &egui::Context) {}

    /// The side panel's heading and the paragraph under it: what the model is.
    fn about(&self) -> (&'static str, &'static str);

    /// The side panel under `about` and the data block: the family's own settings between
    /// the shell's other blocks.
    fn side_ui(&mut self, ui: &mut egui::Ui, shell: &mut RunShell);

    /// The central panel: the family's views, under the shell's messages and `UNTIL_TRAINED`.
    fn central_ui(&mut self, ui: &mut egui::Ui, shell: &mut RunShell);
}

/// A family tab in its shell: what the app's tab bar holds.
pub struct RunTab<F> {
    shell: RunShell,
    family: F,
}

impl<F: FamilyTab> RunTab<F> {
    pub fn new(shell: RunShell, family: F) -> Self {
        Self { shell, family }
    }
}

impl<F: FamilyTab> Tab for RunTab<F> {
    fn name(&self) -> &'static str {
        self.shell.kind().label()
    }

    fn ui(&mut self, ui: &mut egui::Ui, shared: &mut Shared) {
        let Self { shell, family } = self;
        let ctx = ui.ctx().clone();
        shell.frame(family, shared, &ctx);
        if let Some(session) = &mut shell.session {
            family.update(session, &ctx);
        }
        let id = format!("{}-controls", shell.kind().name());
        side_and_central_ui(
            ui,
            &id,
            F::SIDE_WIDTH,
            self,
            |tab, ui| {
                let (heading, summary) = tab.family.about();
                ui.heading(heading);
                ui.weak(summary);
                ui.separator();
                tab.shell.data_ui(ui);
                tab.family.side_ui(ui, &mut tab.shell)
            },
            |tab, ui| {
                tab.shell.notices_ui(ui);
                if let Some(text) = F::UNTIL_TRAINED {
                    tab.shell.until_trained_ui(ui, text);
                }
                tab.family.central_ui(ui, &mut tab.shell)
            },
        );
    }

    fn status(&self) -> Option<TabStatus> {
        self.shell.status()
    }

    fn poll_in_background(&mut self) {
        self.shell.poll_in_background();
    }

    fn snapshot(&mut self, dir: PathBuf) -> bool {
        match &self.shell.session {
            Some(session) => {
                session.save(dir);
                true
            }
            None => false,
        }
    }

    fn checkpoints(&self) -> Vec<PathBuf> {
        self.shell.session.as_ref().map_or(Vec::new(), |s| [&s.saved, &s.loaded].into_iter().flatten().cloned().collect())
    }
}

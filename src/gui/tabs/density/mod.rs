//! The Density tab: what a trained model's density is for besides sampling. "Is this input
//! typical?" scores sets of images by the model's likelihood and shows how well that tells
//! them from the model's own test images (out-of-distribution detection); "What belongs in the
//! missing part?" hides part of an image and lets models fill it in. A drawing pad gives both
//! an image drawn by hand.
//!
//! The tab works on checkpoint folders, the same ones `genlab ood` and `genlab inpaint` read,
//! through the same functions: the window and the command line give the same numbers for the
//! same checkpoint, seed and sets. A family tab's model comes here by "Save checkpoint…";
//! every checkpoint saved or loaded in this window is offered in the model list.

mod fill;
mod inpaint;
mod ood;
mod ood_results;

use std::path::PathBuf;

use eframe::egui;

use crate::models::checkpoint_family;

use super::super::dialogs::{Closed, PendingDialog, Purpose, UNAVAILABLE};
use super::super::tab::{Shared, Tab, TabStatus, side_and_central_ui};
use super::super::widgets::DrawingPad;
use super::super::widgets::drawing_pad::share_drawing;

/// The pad's size: that of MNIST and Fashion-MNIST, which every image model here reads.
pub const PAD_SIDE: usize = 28;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Section {
    Typical,
    FillIn,
}

/// The model the tab works with: a checkpoint folder, and what it holds.
#[derive(Default)]
pub struct ModelChoice {
    pub text: String,
    /// The folder in `text` when it holds a checkpoint, with its family's label.
    pub checked: Option<(PathBuf, String)>,
    pub problem: Option<String>,
}

impl ModelChoice {
    fn set(&mut self, path: PathBuf) {
        self.text = path.display().to_string();
        self.check();
    }

    fn check(&mut self) {
        let text = self.text.trim();
        self.checked = None;
        self.problem = None;
        if text.is_empty() {
            return;
        }
        let path = PathBuf::from(text);
        match checkpoint_family(&path) {
            Ok(kind) => self.checked = Some((path, kind.label().to_string())),
            Err(e) => self.problem = Some(e),
        }
    }

    pub fn path(&self) -> Option<&PathBuf> {
        self.checked.as_ref().map(|(p, _)| p)
    }
}

pub struct DensityTab {
    section: Section,
    model: ModelChoice,
    pad: DrawingPad,
    ood: ood::OodPanel,
    inpaint: inpaint::InpaintPanel,
    dialog: Option<PendingDialog>,
    notice: Option<String>,
    /// The folder a family tab was asked to save its run into, and which tab.
    snapshot: Option<(&'static str, PathBuf)>,
}

/// Where the Density tab asks a family tab to save its run: a folder of genlab's own under the
/// system's temporary folder, one per process, tab and training step.
fn snapshot_dir(tab: &str, step: u64) -> PathBuf {
    let name: String = tab.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    std::env::temp_dir().join(format!("genlab-{}-models", std::process::id())).join(format!("{name}-step{step}"))
}

impl Default for DensityTab {
    fn default() -> Self {
        Self {
            section: Section::Typical,
            model: ModelChoice::default(),
            pad: DrawingPad::new(PAD_SIDE, PAD_SIDE, 1.25),
            ood: ood::OodPanel::default(),
            inpaint: inpaint::InpaintPanel::default(),
            dialog: None,
            notice: None,
            snapshot: None,
        }
    }
}

impl DensityTab {
    fn poll_dialog(&mut self) {
        let Some(closed) = self.dialog.as_ref().and_then(|d| d.poll()) else { return };
        let purpose = self.dialog.take().map(|d| d.purpose);
        match closed {
            Closed::Picked(path) => match purpose {
                Some(Purpose::ScoreFolder) => self.ood.folder_text = path.display().to_string(),
                _ => {
                    self.model.set(path);
                    self.model_changed();
                }
            },
            Closed::Cancelled => {}
            Closed::Unavailable => self.notice = Some(format!("{UNAVAILABLE}; type the folder's path instead")),
        }
    }

    fn model_changed(&mut self) {
        self.ood.model_changed(self.model.path());
        self.inpaint.model_changed(self.model.path());
    }

    fn side_ui(&mut self, ui: &mut egui::Ui, shared: &mut Shared) {
        ui.heading("Density");
        ui.label(
            "A model that gives a likelihood p(x) can do more than sample: it can say how typical an image is, and \
             what belongs in a part that is missing.",
        );
        ui.selectable_value(&mut self.section, Section::Typical, "Is this input typical?");
        ui.selectable_value(&mut self.section, Section::FillIn, "What belongs in the missing part?");
        ui.separator();
        ui.strong("Model");
        ui.label("A checkpoint folder (train a model in its tab, then Save checkpoint…):");
        let edit = ui.add(egui::TextEdit::singleline(&mut self.model.text).hint_text("checkpoint folder").desired_width(f32::INFINITY));
        if edit.lost_focus() || (edit.changed() && self.model.text.is_empty()) {
            // Only a different model drops the results shown (focus leaving the field is not one).
            let before = self.model.path().cloned();
            self.model.check();
            if self.model.path() != before.as_ref() {
                self.model_changed();
            }
        }
        ui.horizontal(|ui| {
            if ui.button("Choose a model…").clicked() && self.dialog.is_none() {
                self.dialog = Some(PendingDialog::open(Purpose::PickModel, ui.ctx()));
            }
            if ui.button("Use this path").clicked() {
                self.model.check();
                self.model_changed();
            }
        });
        let runs: Vec<(&'static str, u64)> = shared.runs.iter().filter(|(_, step)| *step > 0).copied().collect();
        if !runs.is_empty() {
            ui.label("Or the model training in a tab (saved as it is now):");
            ui.horizontal_wrapped(|ui| {
                for (name, step) in runs {
                    if ui.small_button(format!("{name} (step {step})")).clicked() {
                        let dir = snapshot_dir(name, step);
                        shared.snapshot = Some((name, dir.clone()));
                        self.snapshot = Some((name, dir));
                    }
                }
            });
        }
        if let Some((name, dir)) = &self.snapshot {
            if shared.checkpoints.contains(dir) {
                let dir = dir.clone();
                self.snapshot = None;
                self.model.set(dir);
                self.model_changed();
            } else {
                let mut cancel = false;
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(format!("saving the {name} tab's model…"));
                    cancel = ui.small_button("Cancel").on_hover_text("stop waiting (the tab shows why a save failed)").clicked();
                });
                if cancel {
                    self.snapshot = None;
                }
            }
        }
        if !shared.checkpoints.is_empty() {
            ui.label("Saved or loaded in this window:");
            let mut picked = None;
            for path in shared.checkpoints.iter().rev().take(6) {
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                if ui.small_button(name).on_hover_text(path.display().to_string()).clicked() {
                    picked = Some(path.clone());
                }
            }
            if let Some(path) = picked {
                self.model.set(path);
                self.model_changed();
            }
        }
        match (&self.model.checked, &self.model.problem) {
            (Some((_, label)), _) => {
                ui.label(format!("holds a {label}"));
            }
            (None, Some(problem)) => {
                ui.colored_label(ui.visuals().error_fg_color, problem);
            }
            (None, None) => {
                ui.weak("no model chosen yet");
            }
        }
        if let Some(notice) = &self.notice {
            ui.colored_label(ui.visuals().warn_fg_color, notice);
        }
        ui.separator();
        ui.strong("Drawing pad");
        ui.label("Draw a digit with the mouse (28×28 pixels, as the models saw them):");
        let drawn = self.pad.canvas_ui(ui, 196.0, None, "Drawing pad");
        if self.pad.controls_ui(ui) | drawn {
            share_drawing(ui.ctx(), &self.pad.ink);
        }
        ui.weak("The VAE and Autoencoder tabs mark where the drawing encodes on their latent maps (the white diamond).");
        let blank = self.pad.is_blank();
        ui.add_enabled_ui(!blank, |ui| {
            if ui.button("Score the drawing").on_hover_text("its −log p(x) under the model, placed among the test images' scores").clicked()
            {
                self.section = Section::Typical;
                self.ood.score_drawing(ui.ctx(), self.model.path(), &self.pad.ink, shared);
            }
            if ui
                .button(format!("Add to the drawn set ({})", self.ood.drawn_count()))
                .on_hover_text("score your drawings as a set of their own")
                .clicked()
            {
                self.ood.add_drawing(&self.pad.ink);
            }
            if ui.button("Fill in the drawing").on_hover_text("hide part of the drawing and let the models complete it").clicked() {
                self.section = Section::FillIn;
                self.inpaint.use_drawing(&self.pad.ink);
            }
        });
    }

    fn central_ui(&mut self, ui: &mut egui::Ui, shared: &Shared) {
        match self.section {
            Section::Typical => {
                ui.heading("Is this input typical?");
                if self.ood.ui(ui, self.model.path(), shared) && self.dialog.is_none() {
                    self.dialog = Some(PendingDialog::open(Purpose::ScoreFolder, ui.ctx()));
                }
            }
            Section::FillIn => {
                ui.heading("What belongs in the missing part?");
                self.inpaint.ui(ui, shared);
            }
        }
    }
}

impl Tab for DensityTab {
    fn name(&self) -> &'static str {
        "Density"
    }

    fn ui(&mut self, ui: &mut egui::Ui, shared: &mut Shared) {
        self.poll_dialog();
        self.ood.poll(ui.ctx());
        self.inpaint.poll(ui.ctx());
        // `side_and_central_ui` takes plain functions; the shared state rides along in a pair.
        let mut pair = (self, shared);
        side_and_central_ui(
            ui,
            "density",
            300.0,
            &mut pair,
            |(tab, shared), ui| tab.side_ui(ui, shared),
            |(tab, shared), ui| tab.central_ui(ui, shared),
        );
    }

    fn status(&self) -> Option<TabStatus> {
        None
    }
}

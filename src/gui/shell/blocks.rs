//! The blocks of a family tab's side panel that are the same for every family — the data,
//! training, the model's settings and the seed, files, the model's description, on-demand
//! measures — and the messages over its views. The tab calls them in its own order, with its
//! own settings in between. Files, the description, the run's own block and Measure each start
//! with a separator of their own.

use eframe::egui;

use crate::data::{DatasetId, ImageDatasetId, ToyKind};
use crate::models::DataKind;

use super::super::dialogs::Purpose;
use super::super::session::Session;
use super::super::widgets::{dataset_picker_ui, image_dataset_picker_ui};
use super::RunShell;

const ERROR_RED: egui::Color32 = egui::Color32::from_rgb(255, 110, 110);

impl RunShell {
    /// "Data": the datasets this family trains on (or "Text": the built-in corpus or a file),
    /// and what was loaded.
    pub fn data_ui(&mut self, ui: &mut egui::Ui) {
        let data = self.kind.entry().data;
        if data.contains(&DataKind::Text) {
            return self.text_ui(ui);
        }
        ui.strong("Data");
        let mut choice = self.dataset;
        let changed =
            if data.contains(&DataKind::Points) { dataset_picker_ui(ui, &mut choice) } else { image_dataset_picker_ui(ui, &mut choice) };
        if changed {
            self.pick(choice, None, ui.ctx());
        }
        if let Some(images) = self.data.images() {
            ui.weak(format!("{} — {} train / {} test images", images.source, images.train.len(), images.test.len()));
        }
    }

    fn text_ui(&mut self, ui: &mut egui::Ui) {
        ui.strong("Text");
        let ctx = ui.ctx().clone();
        ui.horizontal_wrapped(|ui| {
            if ui.add_enabled(self.text.is_some(), egui::Button::new("Built-in Shakespeare")).clicked() {
                self.pick(DatasetId::Text, None, &ctx);
            }
            if ui.button("Open text file…").on_hover_text("any UTF-8 .txt file of at least 1,000 characters").clicked() {
                self.open_dialog(Purpose::OpenText, &ctx);
            }
        });
        if let Some(text) = self.data.text() {
            ui.weak(format!(
                "{}: {} training and {} test characters, {} distinct",
                text.source,
                text.train.len(),
                text.test.len(),
                text.vocab.len()
            ));
            ui.weak(format!(
                "Unigram entropy {:.2} nats/char: the loss of the best model that ignores context. Below it, the model uses what came before.",
                text.unigram_entropy()
            ));
        }
    }

    /// "Training": Start/Pause, Step (`step_help` says what one step is), Reset
    /// (`reset_help` says what it builds), the batch size up to `max_batch`, the live knobs.
    pub fn training_ui(&mut self, ui: &mut egui::Ui, step_help: &str, reset_help: &str, max_batch: usize) {
        self.training_with_ui(ui, step_help, reset_help, max_batch, |_, _| {});
    }

    /// `training_ui` with the family's own buttons between Step and Reset.
    pub fn training_with_ui(
        &mut self,
        ui: &mut egui::Ui,
        step_help: &str,
        reset_help: &str,
        max_batch: usize,
        buttons: impl FnOnce(&mut egui::Ui, &Session),
    ) {
        ui.strong("Training");
        ui.horizontal_wrapped(|ui| {
            if let Some(session) = &self.session {
                session.run_buttons_ui(ui, step_help);
                buttons(ui, session);
            }
            if ui.button("Reset").on_hover_text(reset_help).clicked() {
                self.request_reset(ui.ctx());
            }
        });
        Session::batch_size_ui(ui, &mut self.batch_size, max_batch, self.session.as_ref());
        if let Some(session) = &mut self.session {
            session.knobs_ui(ui);
        }
    }

    /// The seed of the next run's initial weights.
    pub fn seed_ui(&mut self, ui: &mut egui::Ui) {
        ui.add(egui::DragValue::new(&mut self.seed).prefix("seed: "));
    }

    /// "Model (applied on Reset)": the family's `settings` for the next run, then the seed of
    /// its initial weights.
    pub fn model_settings_ui(&mut self, ui: &mut egui::Ui, settings: impl FnOnce(&mut egui::Ui)) {
        ui.strong("Model (applied on Reset)");
        settings(ui);
        self.seed_ui(ui);
    }

    /// A separator and "Files": save the run as a checkpoint, load one of this family (once
    /// the run for its data is going), export the samples where the tab offers it.
    pub fn files_ui(&mut self, ui: &mut egui::Ui) {
        ui.separator();
        ui.strong("Files");
        let ctx = ui.ctx().clone();
        let (ready, free) = (self.session.is_some(), self.dialog.is_none());
        let load_help = format!("a folder written by this tab or by genlab train --family {}", self.kind.name());
        ui.horizontal_wrapped(|ui| {
            if ui.add_enabled(ready && free, egui::Button::new("Save checkpoint…")).clicked() {
                self.open_dialog(Purpose::SaveCheckpoint, &ctx);
            }
            if ui.add_enabled(free, egui::Button::new("Load checkpoint…")).on_hover_text(load_help).clicked() {
                self.open_dialog(Purpose::LoadCheckpoint, &ctx);
            }
            if self.export_columns.is_some() && ui.add_enabled(ready && free, egui::Button::new("Export samples PNG…")).clicked() {
                self.open_dialog(Purpose::ExportSamples, &ctx);
            }
        });
    }

    /// A separator and what the model is (architecture, parameters), once there is one.
    pub fn description_ui(&self, ui: &mut egui::Ui) {
        if let Some(session) = &self.session {
            ui.separator();
            ui.weak(format!("{}\n{} parameters", session.description, session.num_params));
        }
    }

    /// A separator and the family's own `block` about the run (its test likelihood), once
    /// there is a run.
    pub fn run_block_ui(&self, ui: &mut egui::Ui, block: impl FnOnce(&mut egui::Ui, &Session)) {
        if let Some(session) = &self.session {
            ui.separator();
            block(ui, session);
        }
    }

    /// "Measure": FID and precision/recall of the run now, computed in the background.
    pub fn measure_ui(&mut self, ui: &mut egui::Ui) {
        ui.separator();
        ui.strong("Measure");
        self.eval.ui(ui, self.session.as_ref(), self.kind.name());
    }

    /// Over the views: why there is no run (with a way out), a checkpoint waiting for its
    /// data, the data loading, and the run's own messages.
    pub fn notices_ui(&mut self, ui: &mut egui::Ui) {
        if let Some(error) = self.load_error.clone() {
            ui.colored_label(ERROR_RED, error);
            let (label, fallback) = self.fallback();
            if ui.button(label).clicked() {
                self.pick(fallback, None, ui.ctx());
            }
        }
        if let Some(pending) = self.pending_load.as_ref().filter(|p| !p.sent) {
            ui.weak(format!("{} will be loaded once the model for its data is ready", pending.dir.display()));
        }
        match &mut self.session {
            Some(session) => session.notices_ui(ui),
            None => self.data.loading_ui(ui),
        }
    }

    /// A bold line saying what to do first, shown until the model has trained a step.
    pub fn until_trained_ui(&self, ui: &mut egui::Ui, text: &str) {
        if let Some(session) = &self.session
            && session.step == 0
            && !session.running
        {
            ui.label(egui::RichText::new(text).strong());
        }
    }

    /// The built-in data this family trains on, offered when its data cannot be loaded.
    fn fallback(&self) -> (&'static str, DatasetId) {
        let data = self.kind.entry().data;
        if data.contains(&DataKind::Text) {
            ("Use the built-in Shakespeare instead", DatasetId::Text)
        } else if data.contains(&DataKind::Points) {
            ("Use the 8-Gaussian ring instead", DatasetId::Toy(ToyKind::Ring8))
        } else {
            ("Use the built-in shapes instead", DatasetId::Images(ImageDatasetId::Shapes))
        }
    }
}

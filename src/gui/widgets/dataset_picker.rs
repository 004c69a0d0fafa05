//! The dataset combo box: 2-D toys and images, or images only.

use eframe::egui;

use crate::data::{DatasetId, ImageDatasetId, ToyKind};

/// Every 2-D toy, then every image dataset; true when the choice changed.
pub fn dataset_picker_ui(ui: &mut egui::Ui, dataset: &mut DatasetId) -> bool {
    let before = *dataset;
    egui::ComboBox::from_label("dataset").selected_text(dataset.label()).show_ui(ui, |ui| {
        for kind in ToyKind::ALL {
            ui.selectable_value(dataset, DatasetId::Toy(kind), format!("2-D: {}", kind.label()));
        }
        for id in ImageDatasetId::ALL {
            ui.selectable_value(dataset, DatasetId::Images(id), format!("images: {}", id.label()));
        }
    });
    before != *dataset
}

/// Every image dataset (the families that train on images only); true when the choice changed.
pub fn image_dataset_picker_ui(ui: &mut egui::Ui, dataset: &mut DatasetId) -> bool {
    let before = *dataset;
    egui::ComboBox::from_label("dataset").selected_text(dataset.label()).show_ui(ui, |ui| {
        for id in ImageDatasetId::ALL {
            ui.selectable_value(dataset, DatasetId::Images(id), id.label());
        }
    });
    before != *dataset
}

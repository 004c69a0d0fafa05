//! What a tab trains on: a 2-D toy, an image dataset or a text, drawn or loaded once per
//! choice, the same way for every family and for `genlab train` (`TrainData::load`). Images
//! and texts load on a background thread (`Loading`), so a large folder or a hostile file
//! never freezes the window.

use std::path::{Path, PathBuf};

use eframe::egui;

use crate::data::{DatasetId, ImageData, ImageDatasetId, TextData};
use crate::train::TrainData;

use super::loading::Loading;

/// Points drawn from a 2-D toy as the training set.
pub use crate::train::dataset::TOY_POINTS;

/// The training data for `dataset` (the same path as `genlab train`'s, with seed 0); a
/// message for a person when it cannot be loaded.
pub fn train_data(dataset: DatasetId, data_dir: Option<&Path>) -> Result<TrainData, String> {
    if dataset == DatasetId::Text {
        return Err("this tab trains on 2-D points or images, not text".into());
    }
    TrainData::load(dataset, data_dir, None, 0)
}

/// What the "Loading …" line says for `dataset` (read from `text` when it is a text).
fn describe(dataset: DatasetId, text: Option<&Path>, data_dir: Option<&Path>) -> String {
    match (dataset, text, data_dir) {
        (DatasetId::Text, Some(file), _) => file.display().to_string(),
        (DatasetId::Text, None, _) => "the built-in Shakespeare".to_string(),
        (DatasetId::Images(ImageDatasetId::Shapes), _, _) | (_, _, None) => dataset.label().to_string(),
        (_, _, Some(dir)) => format!("{} from {}", dataset.label(), dir.display()),
    }
}

/// The images of `data`, for a tab that trains on images only.
pub fn train_images(data: &TrainData) -> Result<&ImageData, String> {
    match data {
        TrainData::Images(images) => Ok(images),
        _ => Err("this tab trains on images".into()),
    }
}

/// The first `n` training points of 2-D data (none for images).
pub fn shown_points(data: &TrainData, n: usize) -> Vec<[f32; 2]> {
    match data {
        TrainData::Points { points, .. } => points.iter().take(n).copied().collect(),
        _ => Vec::new(),
    }
}

/// What a tab picked: a dataset and, for a text, its file (none: the built-in corpus).
type Choice = (DatasetId, Option<PathBuf>);

/// A tab's training data: loaded once per choice of dataset (and text file), and again when
/// the data folder changes (the tab then drops its run). A load still running when another
/// dataset or folder is chosen is forgotten, and its result discarded when it arrives.
#[derive(Default)]
pub struct TabData {
    /// The data, and what was picked to get it.
    data: Option<(Choice, TrainData)>,
    version: Option<u64>,
    loading: Option<(Choice, Loading<TrainData>)>,
}

impl TabData {
    /// True, and the data forgotten, when the data folder changed since the last call.
    pub fn folder_changed(&mut self, data_version: u64) -> bool {
        let changed = self.version != Some(data_version);
        if changed {
            self.version = Some(data_version);
            self.clear();
        }
        changed
    }

    /// Forgets the data and any load in flight (another dataset was picked).
    pub fn clear(&mut self) {
        self.data = None;
        self.loading = None;
    }

    /// The data for `dataset` (a text from the file `text`, or the built-in corpus; images
    /// from `data_dir` or the embedded sets): `None` while it loads (show `loading_ui`), then
    /// `Some` once. Images and texts load on a background thread started by the first call; a
    /// failed load is reported once and tried again on the next call. 2-D toys are drawn at
    /// once. A text comes in examples one token long: the family cuts it into its windows.
    pub fn get(
        &mut self,
        dataset: DatasetId,
        text: Option<&Path>,
        data_dir: Option<&Path>,
        ctx: &egui::Context,
    ) -> Option<Result<TrainData, String>> {
        let choice: Choice = (dataset, text.map(Path::to_path_buf));
        if let Some((picked, d)) = &self.data
            && *picked == choice
        {
            return Some(Ok(d.clone()));
        }
        self.data = None;
        if self.loading.as_ref().is_some_and(|(picked, _)| *picked != choice) {
            self.loading = None;
        }
        if dataset.toy().is_some() {
            // 50,000 points from a formula: milliseconds, no file involved.
            return Some(self.keep(choice, TrainData::load(dataset, data_dir, None, 0)));
        }
        if self.loading.is_none() {
            let (file, dir) = (choice.1.clone(), data_dir.map(Path::to_path_buf));
            let what = describe(dataset, text, data_dir);
            let loading = Loading::start(what, ctx, move || TrainData::load(dataset, dir.as_deref(), file.as_deref(), 0));
            self.loading = Some((choice, loading));
            return None;
        }
        let result = self.loading.as_ref().and_then(|(_, loading)| loading.poll())?;
        self.loading = None;
        Some(self.keep(choice, result))
    }

    fn keep(&mut self, choice: Choice, result: Result<TrainData, String>) -> Result<TrainData, String> {
        if let Ok(d) = &result {
            self.data = Some((choice, d.clone()));
        }
        result
    }

    pub fn is_loading(&self) -> bool {
        self.loading.is_some()
    }

    /// The spinner and "Loading MNIST from …" while a load runs; nothing otherwise.
    pub fn loading_ui(&self, ui: &mut egui::Ui) {
        if let Some((_, loading)) = &self.loading {
            loading.ui(ui);
        }
    }

    /// The images, once loaded (for the tab to say what it trains on).
    pub fn images(&self) -> Option<&ImageData> {
        match &self.data {
            Some((_, TrainData::Images(d))) => Some(d),
            _ => None,
        }
    }

    /// The text, once loaded.
    pub fn text(&self) -> Option<&TextData> {
        match &self.data {
            Some((_, TrainData::Text { text, .. })) => Some(text),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::loading::poll_until;
    use super::*;
    use crate::data::ToyKind;

    fn wait(data: &mut TabData, dataset: DatasetId, ctx: &egui::Context) -> Result<TrainData, String> {
        poll_until(Duration::from_secs(60), "the load never finished", || data.get(dataset, None, None, ctx))
    }

    #[test]
    fn images_load_in_the_background_and_a_new_choice_discards_the_load_in_flight() {
        let ctx = egui::Context::default();
        let mut data = TabData::default();
        let shapes = DatasetId::Images(ImageDatasetId::Shapes);
        // The first call only starts the load: the tab draws its "Loading" line this frame.
        assert!(data.get(shapes, None, None, &ctx).is_none());
        assert!(data.is_loading());
        // Another dataset picked meanwhile: the load in flight is forgotten.
        let ring = DatasetId::Toy(ToyKind::Ring8);
        assert!(matches!(data.get(ring, None, None, &ctx), Some(Ok(TrainData::Points { .. }))));
        assert!(!data.is_loading());
        assert!(data.images().is_none());
        // Back to the shapes: loaded afresh, then kept.
        assert!(matches!(wait(&mut data, shapes, &ctx), Ok(TrainData::Images(_))));
        assert!(data.images().is_some_and(|d| !d.train.is_empty()));
        assert!(matches!(data.get(shapes, None, None, &ctx), Some(Ok(TrainData::Images(_)))));
    }

    #[test]
    fn a_failed_load_is_an_error_for_the_tab() {
        let ctx = egui::Context::default();
        let mut data = TabData::default();
        // The user's image folder with no folder chosen.
        let error = wait(&mut data, DatasetId::Images(ImageDatasetId::Folder), &ctx).unwrap_err();
        assert!(!error.is_empty());
        assert!(!data.is_loading());
    }
}

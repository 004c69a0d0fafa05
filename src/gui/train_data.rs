//! What a tab trains on, for the tabs that take any 2-D toy or image dataset: drawn or loaded
//! once per choice, the same way for every family. Images load on a background thread
//! (`Loading`), so a large folder or a hostile file never freezes the window.

use std::path::Path;
use std::sync::Arc;

use eframe::egui;

use crate::data::{load_images, DatasetId, ImageData, ImageDatasetId};
use crate::rng::Rng;
use crate::train::TrainData;

use super::loading::Loading;

/// Points drawn from a 2-D toy as the training set.
pub const TOY_POINTS: usize = 50_000;

/// The training data for `dataset`; a message for a person when it cannot be loaded.
pub fn train_data(dataset: DatasetId, data_dir: Option<&Path>) -> Result<TrainData, String> {
    match dataset {
        DatasetId::Toy(kind) => {
            let (points, labels) = kind.sample(TOY_POINTS, &mut Rng::new(0x7EA1));
            Ok(TrainData::Points { points: Arc::new(points), labels: Arc::new(labels) })
        }
        DatasetId::Images(id) => {
            let data = load_images(id, data_dir)?;
            check_images(&data)?;
            Ok(TrainData::Images(Arc::new(data)))
        }
        DatasetId::Text => Err("this tab trains on 2-D points or images, not text".into()),
    }
}

/// What every family needs of an image dataset, checked once here so that an odd file gives a
/// message in the tab instead of a training step that fails later: both splits hold images of
/// one size, at least 1×1, with every label one of the classes.
fn check_images(data: &ImageData) -> Result<(), String> {
    let source = &data.source;
    for (split, set) in [("training", &data.train), ("test", &data.test)] {
        if set.is_empty() {
            return Err(format!("{source}: the {split} split has no images"));
        }
        if set.width == 0 || set.height == 0 {
            return Err(format!("{source}: the {split} images are {}×{} pixels", set.width, set.height));
        }
        if set.len().checked_mul(set.pixels_per_image()) != Some(set.pixels.len()) {
            return Err(format!(
                "{source}: the {split} split has {} pixel values for {} images of {}×{}",
                set.pixels.len(),
                set.len(),
                set.width,
                set.height
            ));
        }
        if let Some(label) = set.labels.iter().find(|&&l| l as usize >= data.num_classes()) {
            return Err(format!("{source}: a {split} label is {label}, but there are {} classes", data.num_classes()));
        }
    }
    if (data.train.width, data.train.height) != (data.test.width, data.test.height) {
        return Err(format!(
            "{source}: training images are {}×{} but test images {}×{}",
            data.train.width, data.train.height, data.test.width, data.test.height
        ));
    }
    Ok(())
}

/// What the "Loading …" line says for `dataset`.
fn describe(dataset: DatasetId, data_dir: Option<&Path>) -> String {
    match (dataset, data_dir) {
        (DatasetId::Images(ImageDatasetId::Shapes), _) | (_, None) => dataset.label().to_string(),
        (_, Some(dir)) => format!("{} from {}", dataset.label(), dir.display()),
    }
}

/// The first `n` training points of 2-D data (none for images).
pub fn shown_points(data: &TrainData, n: usize) -> Vec<[f32; 2]> {
    match data {
        TrainData::Points { points, .. } => points.iter().take(n).copied().collect(),
        _ => Vec::new(),
    }
}

/// A tab's training data: loaded once per choice of dataset, and again when the data folder
/// changes (the tab then drops its run). A load still running when another dataset or folder
/// is chosen is forgotten, and its result discarded when it arrives.
#[derive(Default)]
pub struct TabData {
    /// The data, and which dataset it is.
    data: Option<(DatasetId, TrainData)>,
    version: Option<u64>,
    loading: Option<(DatasetId, Loading<TrainData>)>,
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

    /// The data for `dataset`: `None` while it loads (show `loading_ui`), then `Some` once.
    /// Images load on a background thread started by the first call; a failed load is
    /// reported once and tried again on the next call. 2-D toys are drawn at once.
    pub fn get(&mut self, dataset: DatasetId, data_dir: Option<&Path>, ctx: &egui::Context) -> Option<Result<TrainData, String>> {
        if let Some((id, d)) = &self.data
            && *id == dataset
        {
            return Some(Ok(d.clone()));
        }
        self.data = None;
        if self.loading.as_ref().is_some_and(|(id, _)| *id != dataset) {
            self.loading = None;
        }
        if dataset.toy().is_some() {
            // 50,000 points from a formula: milliseconds, no file involved.
            return Some(self.keep(dataset, train_data(dataset, data_dir)));
        }
        if self.loading.is_none() {
            let dir = data_dir.map(Path::to_path_buf);
            let loading = Loading::start(describe(dataset, data_dir), ctx, move || train_data(dataset, dir.as_deref()));
            self.loading = Some((dataset, loading));
            return None;
        }
        let result = self.loading.as_ref().and_then(|(_, loading)| loading.poll())?;
        self.loading = None;
        Some(self.keep(dataset, result))
    }

    fn keep(&mut self, dataset: DatasetId, result: Result<TrainData, String>) -> Result<TrainData, String> {
        if let Ok(d) = &result {
            self.data = Some((dataset, d.clone()));
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
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::data::{ImageSet, ToyKind};

    fn wait(data: &mut TabData, dataset: DatasetId, ctx: &egui::Context) -> Result<TrainData, String> {
        let start = Instant::now();
        loop {
            if let Some(result) = data.get(dataset, None, ctx) {
                return result;
            }
            assert!(start.elapsed() < Duration::from_secs(60), "the load never finished");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn images_load_in_the_background_and_a_new_choice_discards_the_load_in_flight() {
        let ctx = egui::Context::default();
        let mut data = TabData::default();
        let shapes = DatasetId::Images(ImageDatasetId::Shapes);
        // The first call only starts the load: the tab draws its "Loading" line this frame.
        assert!(data.get(shapes, None, &ctx).is_none());
        assert!(data.is_loading());
        // Another dataset picked meanwhile: the load in flight is forgotten.
        let ring = DatasetId::Toy(ToyKind::Ring8);
        assert!(matches!(data.get(ring, None, &ctx), Some(Ok(TrainData::Points { .. }))));
        assert!(!data.is_loading());
        assert!(data.images().is_none());
        // Back to the shapes: loaded afresh, then kept.
        assert!(matches!(wait(&mut data, shapes, &ctx), Ok(TrainData::Images(_))));
        assert!(data.images().is_some_and(|d| !d.train.is_empty()));
        assert!(matches!(data.get(shapes, None, &ctx), Some(Ok(TrainData::Images(_)))));
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

    #[test]
    fn images_with_no_pixels_or_foreign_labels_are_refused() {
        let set = |width: usize, height: usize, labels: Vec<u8>| ImageSet { width, height, pixels: vec![0.0; labels.len() * width * height], labels };
        let data = |train: ImageSet, test: ImageSet| ImageData { source: "odd.idx".into(), class_names: vec!["a".into(), "b".into()], train, test };
        assert!(check_images(&data(set(2, 2, vec![0, 1]), set(2, 2, vec![1]))).is_ok());
        let empty = check_images(&data(set(2, 2, vec![]), set(2, 2, vec![1]))).unwrap_err();
        assert!(empty.contains("training split has no images"), "{empty}");
        let flat = check_images(&data(set(0, 0, vec![0]), set(0, 0, vec![1]))).unwrap_err();
        assert!(flat.contains("0×0"), "{flat}");
        let label = check_images(&data(set(2, 2, vec![0, 7]), set(2, 2, vec![1]))).unwrap_err();
        assert!(label.contains("label is 7"), "{label}");
        let sizes = check_images(&data(set(2, 2, vec![0]), set(3, 3, vec![1]))).unwrap_err();
        assert!(sizes.contains("2×2") && sizes.contains("3×3"), "{sizes}");
    }
}

//! Loading what a run trains on, the same way for the command line and the GUI: a 2-D toy
//! drawn with the run's seed, an image dataset checked once for what every family needs, or
//! a text.

use std::path::Path;
use std::sync::Arc;

use crate::data::text::{builtin_corpus, load_text_file};
use crate::data::{DatasetId, ImageData, load_images};
use crate::rng::Rng;

use super::batches::TrainData;

/// Points drawn once from a 2-D toy as the training set (fresh batches come from these).
pub const TOY_POINTS: usize = 50_000;

impl TrainData {
    /// The training data for `dataset`: a toy's points drawn with `seed`, images from
    /// `data_dir` (or the embedded sets), or the text in `text` (the built-in corpus when
    /// `None`; its examples are one token long until `with_text_window`). A message for a
    /// person when it cannot be loaded.
    pub fn load(dataset: DatasetId, data_dir: Option<&Path>, text: Option<&Path>, seed: u64) -> Result<TrainData, String> {
        match dataset {
            DatasetId::Toy(kind) => {
                let (points, labels) = kind.sample(TOY_POINTS, &mut Rng::new(seed ^ 0x7EA1));
                Ok(TrainData::Points { points: Arc::new(points), labels: Arc::new(labels) })
            }
            DatasetId::Images(id) => {
                let data = load_images(id, data_dir)?;
                check_images(&data)?;
                Ok(TrainData::Images(Arc::new(data)))
            }
            DatasetId::Text => {
                let text = match text {
                    Some(path) => load_text_file(path)?,
                    None => builtin_corpus(),
                };
                Ok(TrainData::Text { text: Arc::new(text), window: 1 })
            }
        }
    }

    /// Text data whose examples are `window` tokens long (a context and the token after it);
    /// refused when the training text is shorter than one example. Other data as it is.
    pub fn with_text_window(self, window: usize) -> Result<TrainData, String> {
        match self {
            TrainData::Text { text, .. } => {
                if text.train.len() < window {
                    return Err(format!("{}: the training text is shorter than one context of {window} characters", text.source));
                }
                Ok(TrainData::Text { text, window })
            }
            other => Ok(other),
        }
    }

    /// One line about the data for a person: where it came from and how much of it there is.
    pub fn describe(&self) -> String {
        match self {
            TrainData::Images(d) => format!("{} ({} train, {} test)", d.source, d.train.len(), d.test.len()),
            TrainData::Points { points, .. } => format!("{} points", points.len()),
            TrainData::Text { text, .. } => format!(
                "{} ({} train, {} test characters, {} distinct; unigram entropy {:.3} nats/char)",
                text.source,
                text.train.len(),
                text.test.len(),
                text.vocab.len(),
                text.unigram_entropy()
            ),
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ImageSet;

    #[test]
    fn images_with_no_pixels_or_foreign_labels_are_refused() {
        let set = |width: usize, height: usize, labels: Vec<u8>| ImageSet {
            width,
            height,
            pixels: vec![0.0; labels.len() * width * height],
            labels,
        };
        let data = |train: ImageSet, test: ImageSet| ImageData {
            source: "odd.idx".into(),
            class_names: vec!["a".into(), "b".into()],
            train,
            test,
        };
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

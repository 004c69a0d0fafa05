//! Datasets: MNIST-format IDX files, the embedded MNIST sample, procedural shapes and 2-D toys.

pub mod folder;
pub mod idx;
pub mod images;
pub mod shapes;
pub mod text;
pub mod toy;

use std::path::Path;

use serde::{Deserialize, Serialize};

pub use images::{ImageData, ImageSet, IdxDataset};
pub use text::TextData;
pub use toy::ToyKind;

/// Every image dataset genlab can train on, as the user picks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ImageDatasetId {
    /// MNIST digits: IDX files from the data directory, else the embedded 10k sample.
    Mnist,
    /// Fashion-MNIST: IDX files from the data directory.
    Fashion,
    /// Procedural shapes, always available.
    Shapes,
    /// The user's own PNG/JPEG images in the data folder (one subfolder per class, optional).
    Folder,
}

impl ImageDatasetId {
    pub const ALL: [ImageDatasetId; 4] = [ImageDatasetId::Mnist, ImageDatasetId::Fashion, ImageDatasetId::Shapes, ImageDatasetId::Folder];

    pub fn label(self) -> &'static str {
        match self {
            ImageDatasetId::Mnist => "MNIST",
            ImageDatasetId::Fashion => "Fashion-MNIST",
            ImageDatasetId::Shapes => "Shapes (built in)",
            ImageDatasetId::Folder => "Your image folder",
        }
    }
}

/// Any dataset a run can train on, as recorded in its checkpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatasetId {
    Images(ImageDatasetId),
    Toy(ToyKind),
    /// Characters of a text: the built-in corpus or the user's file.
    Text,
}

impl DatasetId {
    pub fn label(self) -> &'static str {
        match self {
            DatasetId::Images(id) => id.label(),
            DatasetId::Toy(kind) => kind.label(),
            DatasetId::Text => "text",
        }
    }

    /// The 2-D toy, when this is one.
    pub fn toy(self) -> Option<ToyKind> {
        match self {
            DatasetId::Toy(kind) => Some(kind),
            DatasetId::Images(_) | DatasetId::Text => None,
        }
    }
}

/// Loads an image dataset. MNIST falls back to the embedded sample when `data_dir` has no
/// MNIST files; Fashion-MNIST needs its files and says where it looked when they are missing.
pub fn load_images(id: ImageDatasetId, data_dir: Option<&Path>) -> Result<ImageData, String> {
    match id {
        ImageDatasetId::Shapes => Ok(shapes::shapes_dataset(10_000, 2_000, 0)),
        ImageDatasetId::Folder => match data_dir {
            Some(dir) => folder::load_image_folder(dir),
            None => Err("no image folder chosen: pick one with Open dataset… (or --data-dir)".into()),
        },
        ImageDatasetId::Mnist | ImageDatasetId::Fashion => {
            let which = if id == ImageDatasetId::Mnist { IdxDataset::Mnist } else { IdxDataset::Fashion };
            match data_dir.and_then(|dir| images::find_idx_files(dir, which)) {
                Some(files) => images::load_idx_files(&files, which).map_err(|e| e.to_string()),
                None if which == IdxDataset::Mnist => Ok(images::embedded_mnist()),
                None => Err(format!(
                    "no Fashion-MNIST files in {}: expected fashion-train-images-idx3-ubyte(.gz), \
                     fashion-train-labels-idx1-ubyte(.gz), fashion-t10k-… or fashion-test-… \
                     (see README, \"Getting the data\")",
                    data_dir.map_or("(no data directory set)".to_string(), |d| d.display().to_string())
                )),
            }
        }
    }
}

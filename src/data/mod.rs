//! Datasets: MNIST-format IDX files, the embedded MNIST and Fashion-MNIST samples, procedural
//! shapes, the user's image folders, text and 2-D toys.

pub mod folder;
pub mod idx;
pub mod images;
pub mod shapes;
pub mod text;
pub mod toy;

use std::path::Path;

use serde::{Deserialize, Serialize};

pub use images::{IdxDataset, ImageData, ImageSet};
pub use text::TextData;
pub use toy::ToyKind;

/// Every image dataset genlab can train on, as the user picks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ImageDatasetId {
    /// MNIST digits: IDX files from the data directory, else the embedded 10k sample.
    Mnist,
    /// Fashion-MNIST: IDX files from the data directory, else the embedded 2.5k sample.
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

/// Loads an image dataset. Without a data folder MNIST and Fashion-MNIST are the samples
/// compiled into genlab; a data folder that is given must exist and hold all four files of the
/// chosen dataset, else the error says what is missing (never a silent switch to the sample).
pub fn load_images(id: ImageDatasetId, data_dir: Option<&Path>) -> Result<ImageData, String> {
    match id {
        ImageDatasetId::Shapes => Ok(shapes::shapes_dataset(10_000, 2_000, 0)),
        ImageDatasetId::Folder => match data_dir {
            Some(dir) => folder::load_image_folder(dir),
            None => Err("no image folder chosen: pick one with Open dataset… (or --data-dir)".into()),
        },
        ImageDatasetId::Mnist | ImageDatasetId::Fashion => {
            let which = if id == ImageDatasetId::Mnist { IdxDataset::Mnist } else { IdxDataset::Fashion };
            let Some(dir) = data_dir else {
                return Ok(match which {
                    IdxDataset::Mnist => images::embedded_mnist(),
                    IdxDataset::Fashion => images::embedded_fashion(),
                });
            };
            check_data_folder(dir)?;
            let files = images::locate_idx_files(dir, which)?;
            images::load_idx_files(&files, which).map_err(|e| e.to_string())
        }
    }
}

/// A data folder the user named must exist and be a folder: a typo in it must be reported,
/// not answered with other data.
pub fn check_data_folder(dir: &Path) -> Result<(), String> {
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(format!("{}: this is a file, not a folder: give the folder that holds the data files", dir.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(format!("{}: no such folder (the data folder must exist)", dir.display()))
        }
        Err(e) => Err(format!("{}: cannot open the folder ({e})", dir.display())),
    }
}

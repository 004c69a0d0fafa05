//! Image datasets: 28×28 grey images in [0, 1] with class labels, split into train and test.

use std::path::{Path, PathBuf};

use super::idx::{parse_idx, read_idx, IdxError};

/// A set of equally sized grey images, pixels in [0, 1], row-major, one label per image.
#[derive(Clone, Debug)]
pub struct ImageSet {
    pub width: usize,
    pub height: usize,
    /// `len() * width * height` values in [0, 1].
    pub pixels: Vec<f32>,
    pub labels: Vec<u8>,
}

impl ImageSet {
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    pub fn pixels_per_image(&self) -> usize {
        self.width * self.height
    }

    pub fn image(&self, i: usize) -> &[f32] {
        let d = self.pixels_per_image();
        &self.pixels[i * d..(i + 1) * d]
    }

    /// Builds an image set from IDX image and label arrays, checking they agree.
    pub fn from_idx_bytes(images: &[u8], image_dims: &[usize], labels: &[u8]) -> Result<Self, String> {
        let [n, height, width] = image_dims else {
            return Err(format!("image file has dimensions {image_dims:?}, expected [count, height, width]"));
        };
        if labels.len() != *n {
            return Err(format!("{n} images but {} labels", labels.len()));
        }
        Ok(Self {
            width: *width,
            height: *height,
            pixels: images.iter().map(|&b| b as f32 / 255.0).collect(),
            labels: labels.to_vec(),
        })
    }
}

/// A dataset with its train and test splits and what to call its classes.
#[derive(Clone, Debug)]
pub struct ImageData {
    /// Shown to the user: which dataset and where it came from.
    pub source: String,
    pub class_names: Vec<String>,
    pub train: ImageSet,
    pub test: ImageSet,
}

impl ImageData {
    pub fn num_classes(&self) -> usize {
        self.class_names.len()
    }
}

pub const MNIST_CLASSES: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
/// Xiao, Rasul & Vollgraf 2017, table 1.
pub const FASHION_CLASSES: [&str; 10] =
    ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Boot"];

/// Which IDX family to look for in a data directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdxDataset {
    Mnist,
    Fashion,
}

impl IdxDataset {
    fn prefixes(self) -> &'static [&'static str] {
        match self {
            IdxDataset::Mnist => &["", "mnist-", "mnist10k-", "mnist/", "MNIST/raw/"],
            IdxDataset::Fashion => &["fashion-", "fashion/", "fashion-mnist/", "FashionMNIST/raw/"],
        }
    }

    pub fn class_names(self) -> Vec<String> {
        let names: &[&str] = match self {
            IdxDataset::Mnist => &MNIST_CLASSES,
            IdxDataset::Fashion => &FASHION_CLASSES,
        };
        names.iter().map(|s| s.to_string()).collect()
    }

    pub fn label(self) -> &'static str {
        match self {
            IdxDataset::Mnist => "MNIST",
            IdxDataset::Fashion => "Fashion-MNIST",
        }
    }
}

/// The four files of one dataset found in a directory.
#[derive(Clone, Debug, PartialEq)]
pub struct IdxFiles {
    pub train_images: PathBuf,
    pub train_labels: PathBuf,
    pub test_images: PathBuf,
    pub test_labels: PathBuf,
}

/// Looks for the usual IDX file names (plain or `.gz`, with a few common prefixes) in `dir`.
pub fn find_idx_files(dir: &Path, which: IdxDataset) -> Option<IdxFiles> {
    let find = |prefix: &str, stems: &[&str]| -> Option<PathBuf> {
        stems.iter().find_map(|stem| {
            ["", ".gz"].iter().map(|ext| dir.join(format!("{prefix}{stem}{ext}"))).find(|p| p.is_file())
        })
    };
    which.prefixes().iter().find_map(|prefix| {
        Some(IdxFiles {
            train_images: find(prefix, &["train-images-idx3-ubyte", "train-images.idx3-ubyte"])?,
            train_labels: find(prefix, &["train-labels-idx1-ubyte", "train-labels.idx1-ubyte"])?,
            test_images: find(prefix, &["t10k-images-idx3-ubyte", "test-images-idx3-ubyte", "t10k-images.idx3-ubyte"])?,
            test_labels: find(prefix, &["t10k-labels-idx1-ubyte", "test-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"])?,
        })
    })
}

/// Reads one split; an error names the file that is wrong.
fn read_split(images: &Path, labels: &Path) -> Result<ImageSet, IdxError> {
    let imgs = read_idx(images, 3)?;
    let labs = read_idx(labels, 1)?;
    ImageSet::from_idx_bytes(&imgs.data, &imgs.dims, &labs.data)
        .map_err(|problem| IdxError { path: labels.to_path_buf(), problem: format!("does not match its images: {problem}") })
}

/// Loads a dataset from its four IDX files.
pub fn load_idx_files(files: &IdxFiles, which: IdxDataset) -> Result<ImageData, IdxError> {
    let dir = files.train_images.parent().unwrap_or(Path::new("."));
    Ok(ImageData {
        source: format!("{} from {}", which.label(), dir.display()),
        class_names: which.class_names(),
        train: read_split(&files.train_images, &files.train_labels)?,
        test: read_split(&files.test_images, &files.test_labels)?,
    })
}

/// The MNIST sample that ships inside the binary (8,000 train and 2,000 test images, see
/// assets/mnist/README.md for its source and licence), so the app shows digits on a machine
/// with no data.
pub fn embedded_mnist() -> ImageData {
    const TRAIN_IMAGES: &[u8] = include_bytes!("../../assets/mnist/mnist10k-train-images-idx3-ubyte.gz");
    const TRAIN_LABELS: &[u8] = include_bytes!("../../assets/mnist/mnist10k-train-labels-idx1-ubyte.gz");
    const TEST_IMAGES: &[u8] = include_bytes!("../../assets/mnist/mnist10k-test-images-idx3-ubyte.gz");
    const TEST_LABELS: &[u8] = include_bytes!("../../assets/mnist/mnist10k-test-labels-idx1-ubyte.gz");
    // The embedded bytes are checked by a test; failing here is a build defect, not user input.
    let split = |images: &[u8], labels: &[u8]| {
        let imgs = parse_idx(images, 3).expect("embedded MNIST images are valid IDX");
        let labs = parse_idx(labels, 1).expect("embedded MNIST labels are valid IDX");
        ImageSet::from_idx_bytes(&imgs.data, &imgs.dims, &labs.data).expect("embedded MNIST splits agree")
    };
    ImageData {
        source: "MNIST sample embedded in genlab (8k train / 2k test)".into(),
        class_names: IdxDataset::Mnist.class_names(),
        train: split(TRAIN_IMAGES, TRAIN_LABELS),
        test: split(TEST_IMAGES, TEST_LABELS),
    }
}

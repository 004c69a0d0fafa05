//! Image datasets: 28×28 grey images in [0, 1] with class labels, split into train and test.

use std::path::{Path, PathBuf};

use super::idx::{IdxError, parse_idx, read_idx};
use crate::limits;

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

    /// Builds an image set from IDX image and label arrays, checking they agree: at least one
    /// image, images of at least 1×1 pixel, their bytes all there, one label per image.
    /// Errors say what is wrong, without the file name.
    pub fn from_idx_bytes(images: &[u8], image_dims: &[usize], labels: &[u8]) -> Result<Self, String> {
        let (n, height, width) = check_image_dims(image_dims)?;
        let pixels = n as u128 * height as u128 * width as u128;
        if images.len() as u128 != pixels {
            return Err(format!("{} pixel bytes do not make {n} images of {height}×{width}", images.len()));
        }
        if labels.len() != n {
            return Err(format!("{n} images but {} labels", labels.len()));
        }
        limits::check_alloc(&format!("{n} images of {height}×{width} pixels as 32-bit floats"), pixels, 4)?;
        Ok(Self { width, height, pixels: images.iter().map(|&b| b as f32 / 255.0).collect(), labels: labels.to_vec() })
    }
}

/// `[count, height, width]` with at least one image of at least one pixel: an empty split or
/// 0×0 images would only fail later, inside a training step.
fn check_image_dims(dims: &[usize]) -> Result<(usize, usize, usize), String> {
    let &[n, height, width] = dims else {
        return Err(format!("image file has dimensions {dims:?}, expected [count, height, width]"));
    };
    if n == 0 {
        return Err("holds no images (its header says 0)".into());
    }
    if width == 0 || height == 0 {
        return Err(format!("its images are {height}×{width} pixels: an image needs at least one pixel"));
    }
    Ok((n, height, width))
}

/// Every label must name one of the dataset's classes; the message gives the first that does not.
fn check_labels(labels: &[u8], num_classes: usize) -> Result<(), String> {
    match labels.iter().position(|&l| l as usize >= num_classes) {
        Some(i) => Err(format!(
            "label {} at index {i} is not a class: the dataset has {num_classes} classes, labelled 0 to {}",
            labels[i],
            num_classes.saturating_sub(1)
        )),
        None => Ok(()),
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
pub const FASHION_CLASSES: [&str; 10] = ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Boot"];

/// Which IDX family to look for in a data directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdxDataset {
    Mnist,
    Fashion,
}

impl IdxDataset {
    /// What may precede the standard names; one ending in `/` is a subfolder.
    fn prefixes(self) -> &'static [&'static str] {
        match self {
            IdxDataset::Mnist => &["", "mnist-", "mnist10k-", "mnist/", "MNIST/raw/"],
            IdxDataset::Fashion => &["fashion-", "fashion2k-", "fashion/", "fashion-mnist/", "FashionMNIST/raw/"],
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

    fn other(self) -> IdxDataset {
        match self {
            IdxDataset::Mnist => IdxDataset::Fashion,
            IdxDataset::Fashion => IdxDataset::Mnist,
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

/// The four files of a dataset by role, in `IdxFiles` order, with the names each goes by
/// (LeCun's `t10k-`, torchvision's and Kaggle's `test-`, and the `.idx3` variants).
const ROLES: [(&str, &[&str]); 4] = [
    ("training images", &["train-images-idx3-ubyte", "train-images.idx3-ubyte"]),
    ("training labels", &["train-labels-idx1-ubyte", "train-labels.idx1-ubyte"]),
    ("test images", &["t10k-images-idx3-ubyte", "test-images-idx3-ubyte", "t10k-images.idx3-ubyte"]),
    ("test labels", &["t10k-labels-idx1-ubyte", "test-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"]),
];

/// Which of the four files `dir` holds under one prefix (plain or `.gz`), in `ROLES` order.
fn find_with_prefix(dir: &Path, prefix: &str) -> [Option<PathBuf>; 4] {
    ROLES.map(|(_, stems)| {
        stems.iter().find_map(|stem| ["", ".gz"].iter().map(|ext| dir.join(format!("{prefix}{stem}{ext}"))).find(|p| p.is_file()))
    })
}

/// Looks for the usual IDX file names (plain or `.gz`, with a few common prefixes) in `dir`.
pub fn find_idx_files(dir: &Path, which: IdxDataset) -> Option<IdxFiles> {
    which.prefixes().iter().find_map(|prefix| {
        let [train_images, train_labels, test_images, test_labels] = find_with_prefix(dir, prefix);
        Some(IdxFiles { train_images: train_images?, train_labels: train_labels?, test_images: test_images?, test_labels: test_labels? })
    })
}

/// The four files of `which` in `dir`; when some are missing, the error names the folder, the
/// files found, the ones missing and the names genlab accepts.
pub fn locate_idx_files(dir: &Path, which: IdxDataset) -> Result<IdxFiles, String> {
    if let Some(files) = find_idx_files(dir, which) {
        return Ok(files);
    }
    // The prefix that finds the most of the four (the first of equals) tells what is there.
    let best = which
        .prefixes()
        .iter()
        .rev()
        .map(|prefix| find_with_prefix(dir, prefix))
        .max_by_key(|found| found.iter().flatten().count())
        .unwrap_or_default();
    let name = |path: &PathBuf| path.strip_prefix(dir).unwrap_or(path).display().to_string();
    let found: Vec<String> =
        ROLES.iter().zip(&best).filter_map(|((role, _), path)| Some(format!("the {role} ({})", name(path.as_ref()?)))).collect();
    let missing: Vec<&str> = ROLES.iter().zip(&best).filter(|(_, path)| path.is_none()).map(|((role, _), _)| *role).collect();
    let mut problem = if found.is_empty() {
        format!("{}: no {} files in this folder.", dir.display(), which.label())
    } else {
        format!(
            "{}: holds only some of the {} files: found {}; missing the {}.",
            dir.display(),
            which.label(),
            found.join(", "),
            missing.join(", ")
        )
    };
    let other = which.other();
    if let Some(files) = find_idx_files(dir, other) {
        problem += &format!(
            " It does hold files genlab reads as {} ({}…): choose that dataset, or rename them if they are {}.",
            other.label(),
            name(&files.train_images),
            which.label()
        );
    }
    problem += &format!(" genlab looks for {}.", accepted_names(which));
    Err(problem)
}

/// The file names genlab recognises for `which`, in words.
fn accepted_names(which: IdxDataset) -> String {
    let prefixes: Vec<String> =
        which.prefixes().iter().map(|p| if p.is_empty() { "none".to_string() } else { format!("\"{p}\"") }).collect();
    format!(
        "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte \
         (test- in place of t10k- also works, and each may end in .gz), all four with the same prefix, one of: {} \
         (a prefix ending in / is a subfolder)",
        prefixes.join(", ")
    )
}

/// Reads one split; an error names the file that is wrong.
fn read_split(images: &Path, labels: &Path, num_classes: usize) -> Result<ImageSet, IdxError> {
    let fail = |path: &Path, problem: String| IdxError { path: path.to_path_buf(), problem };
    let imgs = read_idx(images, 3)?;
    check_image_dims(&imgs.dims).map_err(|problem| fail(images, problem))?;
    let labs = read_idx(labels, 1)?;
    check_labels(&labs.data, num_classes).map_err(|problem| fail(labels, problem))?;
    ImageSet::from_idx_bytes(&imgs.data, &imgs.dims, &labs.data)
        .map_err(|problem| fail(labels, format!("does not match its images: {problem}")))
}

/// Loads a dataset from its four IDX files.
pub fn load_idx_files(files: &IdxFiles, which: IdxDataset) -> Result<ImageData, IdxError> {
    let dir = files.train_images.parent().unwrap_or(Path::new("."));
    let class_names = which.class_names();
    let train = read_split(&files.train_images, &files.train_labels, class_names.len())?;
    let test = read_split(&files.test_images, &files.test_labels, class_names.len())?;
    if (test.width, test.height) != (train.width, train.height) {
        return Err(IdxError {
            path: files.test_images.clone(),
            problem: format!(
                "its images are {}×{} pixels but the training images ({}) are {}×{}: both splits must have one size",
                test.height,
                test.width,
                files.train_images.display(),
                train.height,
                train.width
            ),
        });
    }
    Ok(ImageData { source: format!("{} from {}", which.label(), dir.display()), class_names, train, test })
}

/// A dataset compiled into the binary, from its four gzip IDX files in `IdxFiles` order.
/// The embedded bytes are checked by tests/data.rs; failing here is a build defect, not user input.
fn embedded(which: IdxDataset, [train_images, train_labels, test_images, test_labels]: [&[u8]; 4], source: &str) -> ImageData {
    let class_names = which.class_names();
    let split = |images: &[u8], labels: &[u8]| {
        let imgs = parse_idx(images, 3).expect("embedded images are valid IDX");
        let labs = parse_idx(labels, 1).expect("embedded labels are valid IDX");
        check_labels(&labs.data, class_names.len()).expect("embedded labels name the dataset's classes");
        ImageSet::from_idx_bytes(&imgs.data, &imgs.dims, &labs.data).expect("embedded splits agree")
    };
    let train = split(train_images, train_labels);
    let test = split(test_images, test_labels);
    ImageData { source: source.to_string(), class_names, train, test }
}

/// The MNIST sample that ships inside the binary (8,000 train and 2,000 test images, see
/// assets/mnist/README.md for its source and licence), so the app shows digits on a machine
/// with no data.
pub fn embedded_mnist() -> ImageData {
    embedded(
        IdxDataset::Mnist,
        [
            include_bytes!("../../assets/mnist/mnist10k-train-images-idx3-ubyte.gz"),
            include_bytes!("../../assets/mnist/mnist10k-train-labels-idx1-ubyte.gz"),
            include_bytes!("../../assets/mnist/mnist10k-test-images-idx3-ubyte.gz"),
            include_bytes!("../../assets/mnist/mnist10k-test-labels-idx1-ubyte.gz"),
        ],
        "MNIST sample embedded in genlab (8k train / 2k test)",
    )
}

/// The Fashion-MNIST sample that ships inside the binary: the first 2,000 training and 500
/// test images (assets/fashion/README.md: source, MIT licence, and the script that made it).
pub fn embedded_fashion() -> ImageData {
    embedded(
        IdxDataset::Fashion,
        [
            include_bytes!("../../assets/fashion/fashion2k-train-images-idx3-ubyte.gz"),
            include_bytes!("../../assets/fashion/fashion2k-train-labels-idx1-ubyte.gz"),
            include_bytes!("../../assets/fashion/fashion2k-test-images-idx3-ubyte.gz"),
            include_bytes!("../../assets/fashion/fashion2k-test-labels-idx1-ubyte.gz"),
        ],
        "embedded Fashion-MNIST sample (2,000 train / 500 test)",
    )
}

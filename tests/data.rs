//! Datasets: the IDX reader on the shipped MNIST and Fashion-MNIST samples and on broken or
//! hostile copies of them, what a data folder must hold, the user's image folders, the caps on
//! text and feature files, and the statistics of every toy distribution. Everything reads
//! files inside the checkout (assets/); the few checks against the full datasets in
//! ../shared/data are skipped, with a note, where that folder is absent.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::full_dataset_or_say;
use std::process::Command;

use genlab::data::idx::{encode_idx, read_idx};
use genlab::data::images::{IdxDataset, embedded_fashion, embedded_mnist, find_idx_files, load_idx_files};
use genlab::data::shapes::shapes_dataset;
use genlab::data::text::load_text_file;
use genlab::data::{ImageDatasetId, ToyKind, load_images};
use genlab::metrics::Features;
use genlab::rng::Rng;

fn assets(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets").join(name)
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("genlab-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// Writes the four raw IDX files of a dataset (no prefix: MNIST's names) into `dir`:
/// `(dims, pixels, labels)` for the training and the test split.
fn write_idx_set(dir: &Path, train: (&[usize], &[u8], &[u8]), test: (&[usize], &[u8], &[u8])) {
    for (split, (dims, pixels, labels)) in [("train", train), ("t10k", test)] {
        std::fs::write(dir.join(format!("{split}-images-idx3-ubyte")), encode_idx(dims, pixels)).unwrap();
        std::fs::write(dir.join(format!("{split}-labels-idx1-ubyte")), encode_idx(&[labels.len()], labels)).unwrap();
    }
}

#[test]
fn reads_the_shipped_mnist_sample() {
    let files = find_idx_files(&assets("mnist"), IdxDataset::Mnist).expect("mnist10k-* files in assets/mnist");
    let data = load_idx_files(&files, IdxDataset::Mnist).unwrap();
    // The sample's headers say 8000 train and 2000 test images of 28×28.
    assert_eq!((data.train.len(), data.test.len()), (8000, 2000));
    assert_eq!((data.train.width, data.train.height), (28, 28));
    assert!(data.train.labels.iter().all(|&l| l < 10));
    // MNIST's mean pixel intensity is about 0.13 (LeCun et al.; torchvision normalises with 0.1307).
    let mean = data.train.pixels.iter().sum::<f32>() / data.train.pixels.len() as f32;
    assert!((mean - 0.1307).abs() < 0.01, "mean pixel {mean}");
}

#[test]
fn reads_the_shipped_fashion_sample() {
    let files = find_idx_files(&assets("fashion"), IdxDataset::Fashion).expect("fashion2k-* files in assets/fashion");
    assert!(files.test_images.ends_with("fashion2k-test-images-idx3-ubyte.gz"));
    let data = load_idx_files(&files, IdxDataset::Fashion).unwrap();
    assert_eq!((data.train.len(), data.test.len()), (2000, 500));
    assert_eq!((data.train.width, data.train.height), (28, 28));
    // Fashion-MNIST's mean pixel is 0.2860 over its 60k training images (the constant
    // torchvision users normalise with); 2,000 of them agree to well within 0.02.
    let mean = data.train.pixels.iter().sum::<f32>() / data.train.pixels.len() as f32;
    assert!((mean - 0.2860).abs() < 0.02, "mean pixel {mean}");
    // All ten classes, each near a tenth (assets/fashion/README.md lists 176 to 218 per class).
    for class in 0..10u8 {
        let count = data.train.labels.iter().filter(|&&l| l == class).count();
        assert!((150..250).contains(&count), "class {class}: {count}");
    }
}

#[test]
fn finds_fashion_files_by_their_shared_names() {
    let Some(shared) = full_dataset_or_say(IdxDataset::Fashion, "finds_fashion_files_by_their_shared_names", "skipped") else { return };
    let files = find_idx_files(&shared, IdxDataset::Fashion).expect("fashion-* files");
    assert!(files.test_images.ends_with("fashion-test-images-idx3-ubyte.gz"));
}

#[test]
fn embedded_samples_equal_the_shipped_files() {
    for (embedded, folder, which) in [(embedded_mnist(), "mnist", IdxDataset::Mnist), (embedded_fashion(), "fashion", IdxDataset::Fashion)]
    {
        let files = find_idx_files(&assets(folder), which).unwrap();
        let shipped = load_idx_files(&files, which).unwrap();
        assert_eq!(embedded.train.labels, shipped.train.labels);
        assert_eq!(embedded.train.pixels, shipped.train.pixels);
        assert_eq!(embedded.test.labels, shipped.test.labels);
        assert_eq!(embedded.test.pixels, shipped.test.pixels);
        assert_eq!(embedded.class_names, which.class_names());
    }
}

#[test]
fn the_fashion_sample_is_the_head_of_the_full_set() {
    let Some(shared) = full_dataset_or_say(IdxDataset::Fashion, "the_fashion_sample_is_the_head_of_the_full_set", "skipped") else {
        return;
    };
    let full = find_idx_files(&shared, IdxDataset::Fashion).unwrap();
    let sample = embedded_fashion();
    // assets/fashion/make_sample.py: the first 2,000 training and 500 test records, unchanged.
    for (part, images, labels) in
        [(&sample.train, &full.train_images, &full.train_labels), (&sample.test, &full.test_images, &full.test_labels)]
    {
        let n = part.len();
        assert_eq!(part.labels[..], read_idx(labels, 1).unwrap().data[..n]);
        let head: Vec<f32> = read_idx(images, 3).unwrap().data[..n * 784].iter().map(|&b| b as f32 / 255.0).collect();
        assert_eq!(part.pixels, head);
    }
}

#[test]
fn truncated_gzip_names_the_file_and_the_problem() {
    let dir = temp_dir("truncated");
    let raw = std::fs::read(assets("mnist").join("mnist10k-test-labels-idx1-ubyte.gz")).unwrap();
    let path = dir.join("t10k-labels-idx1-ubyte.gz");
    std::fs::write(&path, &raw[..raw.len() / 2]).unwrap();
    let err = read_idx(&path, 1).unwrap_err().to_string();
    assert!(err.contains("t10k-labels-idx1-ubyte.gz"), "{err}");
    assert!(err.contains("gzip"), "{err}");
}

#[test]
fn short_data_and_bad_magic_are_explained() {
    let dir = temp_dir("short");
    let mut bytes = encode_idx(&[10, 28, 28], &vec![0u8; 10 * 28 * 28]);
    bytes.truncate(bytes.len() - 100);
    let path = dir.join("train-images-idx3-ubyte");
    std::fs::write(&path, &bytes).unwrap();
    let err = read_idx(&path, 3).unwrap_err().to_string();
    assert!(err.contains("truncated") && err.contains("train-images-idx3-ubyte"), "{err}");

    let png = dir.join("not-idx");
    std::fs::File::create(&png).unwrap().write_all(b"\x89PNG\r\n\x1a\n....").unwrap();
    let err = read_idx(&png, 3).unwrap_err().to_string();
    assert!(err.contains("magic"), "{err}");
}

#[test]
fn gzip_bombs_are_refused_from_their_header() {
    let dir = temp_dir("bomb");
    // A 2 KB file whose header claims full MNIST's 60000×28×28 but whose data stops at 1,000.
    let short = dir.join("train-images-idx3-ubyte.gz");
    std::fs::write(&short, gzip(&encode_idx(&[60000, 28, 28], &[0; 1000]))).unwrap();
    let err = read_idx(&short, 3).unwrap_err().to_string();
    assert!(err.contains("train-images-idx3-ubyte.gz") && err.contains("truncated") && err.contains("47040000"), "{err}");
    // Zeros compress a thousandfold: a 4 KB file claiming 60000×200×200 (2.4 GB) is refused
    // from its header, before anything is inflated or allocated.
    let bomb = dir.join("t10k-images-idx3-ubyte.gz");
    std::fs::write(&bomb, gzip(&encode_idx(&[60000, 200, 200], &vec![0; 4 << 20]))).unwrap();
    let err = read_idx(&bomb, 3).unwrap_err().to_string();
    assert!(err.contains("t10k-images-idx3-ubyte.gz") && err.contains("2400000000") && err.contains("1024 MiB"), "{err}");
}

#[test]
fn multi_member_gzip_is_read_whole_and_trailing_bytes_are_refused() {
    let dir = temp_dir("multigz");
    let labels: Vec<u8> = (0..100).map(|i| i % 10).collect();
    let idx = encode_idx(&[100], &labels);
    // What `cat header.gz data.gz` or pigz's independent blocks produce: one file, two members.
    let path = dir.join("labels.gz");
    std::fs::write(&path, [gzip(&idx[..8]), gzip(&idx[8..50]), gzip(&idx[50..])].concat()).unwrap();
    assert_eq!(read_idx(&path, 1).unwrap().data, labels);
    let longer = dir.join("longer.gz");
    std::fs::write(&longer, gzip(&[&idx[..], &b"extra"[..]].concat())).unwrap();
    let err = read_idx(&longer, 1).unwrap_err().to_string();
    assert!(err.contains("longer.gz") && err.contains("unexpected bytes"), "{err}");
}

#[test]
fn labels_that_do_not_match_images_are_reported() {
    let dir = temp_dir("mismatch");
    write_idx_set(&dir, (&[3, 2, 2], &[0; 12], &[1, 2]), (&[1, 2, 2], &[0; 4], &[1]));
    let err = load_images(ImageDatasetId::Mnist, Some(&dir)).unwrap_err();
    assert!(err.contains("train-labels-idx1-ubyte") && err.contains("3 images but 2 labels"), "{err}");
}

#[test]
fn labels_outside_the_classes_name_the_file_and_the_first_bad_one() {
    let dir = temp_dir("badlabel");
    write_idx_set(&dir, (&[3, 2, 2], &[0; 12], &[1, 9, 3]), (&[2, 2, 2], &[0; 8], &[4, 10]));
    let err = load_images(ImageDatasetId::Mnist, Some(&dir)).unwrap_err();
    assert!(err.contains("t10k-labels-idx1-ubyte") && err.contains("label 10 at index 1") && err.contains("10 classes"), "{err}");
}

#[test]
fn splits_of_different_sizes_empty_splits_and_empty_images_are_errors() {
    let dir = temp_dir("sizes");
    write_idx_set(&dir, (&[2, 2, 2], &[0; 8], &[0, 1]), (&[1, 3, 3], &[0; 9], &[2]));
    let err = load_images(ImageDatasetId::Mnist, Some(&dir)).unwrap_err();
    assert!(err.contains("t10k-images-idx3-ubyte") && err.contains("3×3") && err.contains("2×2"), "{err}");

    let dir = temp_dir("emptysplit");
    write_idx_set(&dir, (&[0, 28, 28], &[], &[]), (&[1, 28, 28], &[0; 784], &[2]));
    let err = load_images(ImageDatasetId::Mnist, Some(&dir)).unwrap_err();
    assert!(err.contains("train-images-idx3-ubyte") && err.contains("no images"), "{err}");

    let dir = temp_dir("nopixels");
    write_idx_set(&dir, (&[2, 0, 0], &[], &[0, 1]), (&[1, 0, 0], &[], &[2]));
    let err = load_images(ImageDatasetId::Mnist, Some(&dir)).unwrap_err();
    assert!(err.contains("train-images-idx3-ubyte") && err.contains("0×0"), "{err}");
}

#[test]
fn without_a_data_folder_both_datasets_use_their_embedded_samples() {
    let mnist = load_images(ImageDatasetId::Mnist, None).unwrap();
    assert!(mnist.source.contains("embedded") && mnist.train.len() == 8000, "{}", mnist.source);
    let fashion = load_images(ImageDatasetId::Fashion, None).unwrap();
    assert_eq!(fashion.source, "embedded Fashion-MNIST sample (2,000 train / 500 test)");
    assert_eq!((fashion.train.len(), fashion.test.len()), (2000, 500));
    assert_eq!(fashion.class_names[0], "T-shirt");
}

#[test]
fn a_data_folder_that_is_missing_or_a_file_is_an_error_not_the_sample() {
    let root = temp_dir("nodir");
    let missing = root.join("no-such-folder");
    let file = root.join("a-file");
    std::fs::write(&file, b"not a folder").unwrap();
    for id in [ImageDatasetId::Mnist, ImageDatasetId::Fashion, ImageDatasetId::Folder] {
        let err = load_images(id, Some(&missing)).unwrap_err();
        assert!(err.contains("no-such-folder") && err.contains("no such folder"), "{err}");
        let err = load_images(id, Some(&file)).unwrap_err();
        assert!(err.contains("a-file") && err.contains("not a folder"), "{err}");
    }
}

#[test]
fn a_data_folder_without_the_files_says_what_it_found_and_what_it_needs() {
    let dir = temp_dir("empty");
    for (id, label) in [(ImageDatasetId::Mnist, "MNIST"), (ImageDatasetId::Fashion, "Fashion-MNIST")] {
        let err = load_images(id, Some(&dir)).unwrap_err();
        assert!(err.contains(&dir.display().to_string()) && err.contains(&format!("no {label} files")), "{err}");
        assert!(err.contains("t10k-labels-idx1-ubyte"), "the accepted names: {err}");
    }

    // Three of MNIST's four files: the folder, the files found and the one missing are named.
    let dir = temp_dir("three");
    write_idx_set(&dir, (&[1, 2, 2], &[0; 4], &[1]), (&[1, 2, 2], &[0; 4], &[1]));
    std::fs::remove_file(dir.join("t10k-labels-idx1-ubyte")).unwrap();
    let err = load_images(ImageDatasetId::Mnist, Some(&dir)).unwrap_err();
    assert!(err.contains(&dir.display().to_string()), "{err}");
    assert!(err.contains("found the training images (train-images-idx3-ubyte)") && err.contains("(t10k-images-idx3-ubyte)"), "{err}");
    assert!(err.contains("missing the test labels"), "{err}");
    // The same folder asked for Fashion-MNIST: its files are MNIST's, and the message says so.
    std::fs::copy(dir.join("train-labels-idx1-ubyte"), dir.join("t10k-labels-idx1-ubyte")).unwrap();
    let err = load_images(ImageDatasetId::Fashion, Some(&dir)).unwrap_err();
    assert!(err.contains("no Fashion-MNIST files") && err.contains("reads as MNIST"), "{err}");
    assert!(load_images(ImageDatasetId::Mnist, Some(&dir)).is_ok());
}

#[test]
fn shapes_are_balanced_and_not_blank() {
    let data = shapes_dataset(200, 50, 3);
    assert_eq!(data.train.len(), 200);
    for class in 0..10u8 {
        assert_eq!(data.train.labels.iter().filter(|&&l| l == class).count(), 20);
    }
    for i in 0..data.train.len() {
        let ink: f32 = data.train.image(i).iter().sum();
        assert!(ink > 5.0, "image {i} of class {} has almost no ink ({ink})", data.train.labels[i]);
    }
}

fn moments(points: &[[f32; 2]]) -> ([f64; 2], [f64; 2]) {
    let n = points.len() as f64;
    let mean = [0, 1].map(|k| points.iter().map(|p| p[k] as f64).sum::<f64>() / n);
    let var = [0, 1].map(|k| points.iter().map(|p| (p[k] as f64 - mean[k]).powi(2)).sum::<f64>() / n);
    (mean, var)
}

#[test]
fn mixtures_put_every_point_near_its_mode() {
    let mut rng = Rng::new(11);
    for kind in [ToyKind::Ring8, ToyKind::Grid25] {
        let (modes, std) = kind.modes().unwrap();
        let (points, labels) = kind.sample(20_000, &mut rng);
        for (p, &l) in points.iter().zip(&labels) {
            let m = modes[l as usize];
            // 6σ: a normal draw beyond it has probability 2e-9 per coordinate.
            assert!((p[0] - m[0]).abs() < 6.0 * std && (p[1] - m[1]).abs() < 6.0 * std);
        }
        let (mean, _) = moments(&points);
        // Symmetric layouts: the mean is 0 up to sampling error (σ_total/√n < 0.03).
        assert!(mean[0].abs() < 0.05 && mean[1].abs() < 0.05, "{kind:?} mean {mean:?}");
        for k in 0..modes.len() {
            let share = labels.iter().filter(|&&l| l as usize == k).count() as f64 / labels.len() as f64;
            assert!((share - 1.0 / modes.len() as f64).abs() < 0.01, "{kind:?} mode {k} share {share}");
        }
    }
}

#[test]
fn two_moons_match_make_moons_moments() {
    let (points, _) = ToyKind::TwoMoons.sample(50_000, &mut Rng::new(2));
    let (mean, var) = moments(&points);
    // make_moons(noise=0.1): an even mix of (cos t, sin t) and (1 − cos t, ½ − sin t), t ~ U(0, π).
    // E x = ½, E y = ¼; E x² = ½·E cos² + ½·E (1 − cos)² = 1, so Var x = ¾ + 0.1²;
    // E y² = ½·½ + ½·(¾ − 2/π) = ⅝ − 1/π, so Var y = ⅝ − 1/π − 1/16 + 0.1².
    assert!((mean[0] - 0.5).abs() < 0.01 && (mean[1] - 0.25).abs() < 0.01, "{mean:?}");
    let var_x = 0.75 + 0.01;
    let var_y = 0.625 - 1.0 / std::f64::consts::PI - 1.0 / 16.0 + 0.01;
    assert!((var[0] - var_x).abs() < 0.01 && (var[1] - var_y).abs() < 0.01, "{var:?} vs {var_x} {var_y}");
}

#[test]
fn checkerboard_only_fills_dark_squares() {
    let (points, _) = ToyKind::Checkerboard.sample(20_000, &mut Rng::new(5));
    for p in &points {
        assert!(p[0] >= -2.0 && p[0] < 2.0 && p[1] >= -2.0 && p[1] < 2.0);
        let (cx, cy) = (p[0].floor() as i32, p[1].floor() as i32);
        assert_eq!((cx + cy).rem_euclid(2), 0, "point {p:?} on a light square");
    }
    let (mean, var) = moments(&points);
    // Uniform over 8 of the 16 unit squares of [−2, 2]²: mean 0, variance 4²/12 = 1.333 per axis.
    assert!(mean[0].abs() < 0.03 && mean[1].abs() < 0.03);
    assert!((var[0] - 4.0 / 3.0).abs() < 0.03 && (var[1] - 4.0 / 3.0).abs() < 0.03, "{var:?}");
}

#[test]
fn swiss_roll_and_spiral_radii() {
    use std::f64::consts::PI;
    let (points, _) = ToyKind::SwissRoll.sample(20_000, &mut Rng::new(8));
    // r = t/5 with t uniform on [1.5π, 4.5π]: E[r] = 3π/5 (noise 0.05 barely moves it).
    let mean_r = points.iter().map(|p| (p[0] as f64).hypot(p[1] as f64)).sum::<f64>() / points.len() as f64;
    assert!((mean_r - 3.0 * PI / 5.0).abs() < 0.02, "swiss roll mean radius {mean_r}");
    let (points, labels) = ToyKind::Spiral.sample(20_000, &mut Rng::new(9));
    // r = 2.5·√u: E[r] = 2.5·2/3.
    let mean_r = points.iter().map(|p| (p[0] as f64).hypot(p[1] as f64)).sum::<f64>() / points.len() as f64;
    assert!((mean_r - 2.5 * 2.0 / 3.0).abs() < 0.03, "spiral mean radius {mean_r}");
    let arm1 = labels.iter().filter(|&&l| l == 1).count() as f64 / labels.len() as f64;
    assert!((arm1 - 0.5).abs() < 0.02);
}

#[test]
fn image_folder_with_class_subfolders_loads_as_mnist_like_images() {
    use genlab::data::folder::load_image_folder;
    let dir = std::env::temp_dir().join(format!("genlab-folder-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (class, count) in [("circles", 6), ("squares", 4)] {
        std::fs::create_dir_all(dir.join(class)).unwrap();
        for i in 0..count {
            // Dark strokes on a light 56×40 background: the loader crops, resizes and inverts.
            let img = image::GrayImage::from_fn(56, 40, |x, y| {
                let inside = (20..36).contains(&x) && (12..28).contains(&y);
                image::Luma([if inside { 0 } else { 250 }])
            });
            img.save(dir.join(class).join(format!("{i}.png"))).unwrap();
        }
    }
    std::fs::write(dir.join("squares").join("broken.png"), b"not a png").unwrap();
    let data = load_image_folder(&dir).unwrap();
    assert_eq!(data.class_names, ["circles", "squares"]);
    assert_eq!(data.train.len() + data.test.len(), 10);
    assert_eq!(data.test.len(), 2, "one in five held out");
    assert!(data.source.contains("skipped 1") && data.source.contains("broken.png"), "{}", data.source);
    let img = data.train.image(0);
    assert_eq!((data.train.width, data.train.height, img.len()), (28, 28, 784));
    // Inverted: the light background became dark, the dark square light.
    assert!(img[0] < 0.05 && img[14 * 28 + 14] > 0.9, "corner {} centre {}", img[0], img[14 * 28 + 14]);

    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let err = load_image_folder(&empty).unwrap_err();
    assert!(err.contains("empty") && err.contains("no PNG or JPEG"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A 40×40 PNG of a dark square on a light background.
fn save_square(path: &Path) {
    let img = image::GrayImage::from_fn(40, 40, |x, y| {
        let inside = (12..28).contains(&x) && (12..28).contains(&y);
        image::Luma([if inside { 0 } else { 250 }])
    });
    img.save(path).unwrap();
}

#[test]
fn images_beside_class_subfolders_are_an_error_not_dropped() {
    let dir = temp_dir("mixed");
    for class in ["cats", "dogs"] {
        std::fs::create_dir_all(dir.join(class)).unwrap();
        for i in 0..3 {
            save_square(&dir.join(class).join(format!("{i}.png")));
        }
    }
    for i in 0..4 {
        save_square(&dir.join(format!("loose{i}.png")));
    }
    let err = genlab::data::folder::load_image_folder(&dir).unwrap_err();
    assert!(err.contains("4 images") && err.contains("\"cats\", \"dogs\"") && err.contains("Move them"), "{err}");
}

#[test]
fn a_folder_needs_five_readable_images_and_says_so() {
    let dir = temp_dir("four");
    for i in 0..4 {
        save_square(&dir.join(format!("{i}.png")));
    }
    let err = genlab::data::folder::load_image_folder(&dir).unwrap_err();
    assert!(err.contains("4 readable images") && err.contains("at least 5"), "{err}");
    save_square(&dir.join("4.png"));
    let data = genlab::data::folder::load_image_folder(&dir).unwrap();
    assert_eq!((data.train.len(), data.test.len()), (4, 1));
}

/// A PNG that is only a header: 8-bit grey, `side`×`side` pixels, no image data.
fn png_header_only(side: u32) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // bit depth, colour type grey, compression, filter, interlace
    let mut crc = flate2::Crc::new();
    crc.update(&ihdr);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc.sum().to_be_bytes());
    // IEND: no data, and its CRC is that of the bytes "IEND".
    png.extend_from_slice(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82]);
    png
}

#[test]
fn a_png_claiming_a_huge_size_is_skipped_before_decoding() {
    let dir = temp_dir("hugepng");
    for i in 0..5 {
        save_square(&dir.join(format!("{i}.png")));
    }
    // 100000×100000 grey: 10 GB of pixels if anyone believed the header.
    std::fs::write(dir.join("huge.png"), png_header_only(100_000)).unwrap();
    let data = genlab::data::folder::load_image_folder(&dir).unwrap();
    assert_eq!(data.train.len() + data.test.len(), 5);
    assert!(data.source.contains("skipped 1") && data.source.contains("huge.png") && data.source.contains("too large"), "{}", data.source);
}

#[test]
fn text_files_are_read_up_to_their_cap() {
    let cap = genlab::limits::files::TEXT_BYTES;
    // /dev/zero never ends: it is read to the cap and refused, not until memory runs out.
    if Path::new("/dev/zero").exists() {
        let err = load_text_file(Path::new("/dev/zero")).unwrap_err();
        assert!(err.contains("/dev/zero") && err.contains("64 MiB"), "{err}");
    }
    // A file over the cap is refused from its size alone (a sparse file: nothing is written).
    let dir = temp_dir("bigtext");
    let big = dir.join("big.txt");
    std::fs::File::create(&big).unwrap().set_len(cap + 1).unwrap();
    let err = load_text_file(&big).unwrap_err();
    assert!(err.contains("big.txt") && err.contains("larger than"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn feature_csvs_drop_a_bom_and_bound_columns_and_values() {
    // Excel's UTF-8 CSV starts with a byte-order mark; it must not turn row 1 into a header.
    let bom = Features::parse_csv("\u{feff}1,2\n3,4\n5,6\n", "bom.csv").unwrap();
    assert_eq!((bom.len(), bom.dim()), (3, 2));
    let bom_header = Features::parse_csv("\u{feff}f0,f1\n1,2\n3,4\n", "h.csv").unwrap();
    assert_eq!(bom_header.len(), 2);
    let wide = vec!["1"; genlab::metrics::features::MAX_FEATURE_COLUMNS + 1].join(",");
    let err = Features::parse_csv(&wide, "wide.csv").unwrap_err();
    assert!(err.contains("wide.csv") && err.contains("more than 4096 values"), "{err}");
    let err = Features::parse_csv("1,2\n3,1e200\n", "huge.csv").unwrap_err();
    assert!(err.contains("huge.csv") && err.contains("line 2, column 2") && err.contains("too large"), "{err}");
    let err = Features::parse_csv("1,2\n3,inf\n", "inf.csv").unwrap_err();
    assert!(err.contains("not a finite number"), "{err}");
}

fn genlab_metrics(real: &Path, fake: &Path, extra: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_genlab"))
        .args(["--device", "cpu", "metrics", "--real"])
        .arg(real)
        .arg("--fake")
        .arg(fake)
        .args(extra)
        .output()
        .unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn metrics_bounds_k_and_refuses_values_that_overflow() {
    let dir = temp_dir("metrics-bounds");
    let (real, fake) = (dir.join("real.csv"), dir.join("fake.csv"));
    std::fs::write(&real, "0,0\n1,0\n0,1\n1,1\n").unwrap();
    std::fs::write(&fake, "0.1,0\n1,0.1\n0,0.9\n0.9,1\n").unwrap();
    let (ok, stderr) = genlab_metrics(&real, &fake, &["--k", "2"]);
    assert!(ok, "{stderr}");
    for k in ["18446744073709551615", "4", "0"] {
        let (ok, stderr) = genlab_metrics(&real, &fake, &["--k", k]);
        assert!(!ok && stderr.contains("--k") && !stderr.contains("panicked"), "--k {k}: {stderr}");
    }
    // Squares of 1e200 overflow f64: an error with a non-zero exit, not "FID inf".
    std::fs::write(&fake, "1e200,0\n0,1e200\n1,1\n2,2\n").unwrap();
    let (ok, stderr) = genlab_metrics(&real, &fake, &["--k", "2"]);
    assert!(!ok && stderr.contains("fake.csv") && stderr.contains("too large"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

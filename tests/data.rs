//! Datasets: the IDX reader on the shared MNIST files and on broken copies of them, the
//! embedded sample, and the statistics of every toy distribution.

use std::io::Write;
use std::path::{Path, PathBuf};

use genlab::data::idx::{encode_idx, read_idx};
use genlab::data::images::{embedded_mnist, find_idx_files, load_idx_files, IdxDataset};
use genlab::data::shapes::shapes_dataset;
use genlab::data::{load_images, ImageDatasetId, ToyKind};
use genlab::rng::Rng;

fn shared_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("genlab-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn reads_the_shared_mnist_sample() {
    let files = find_idx_files(&shared_data(), IdxDataset::Mnist).expect("mnist10k-* files in ../shared/data");
    let data = load_idx_files(&files, IdxDataset::Mnist).unwrap();
    // The shared sample's headers say 8000 train and 2000 test images of 28×28.
    assert_eq!((data.train.len(), data.test.len()), (8000, 2000));
    assert_eq!((data.train.width, data.train.height), (28, 28));
    assert!(data.train.labels.iter().all(|&l| l < 10));
    // MNIST's mean pixel intensity is about 0.13 (LeCun et al.; torchvision normalises with 0.1307).
    let mean = data.train.pixels.iter().sum::<f32>() / data.train.pixels.len() as f32;
    assert!((mean - 0.1307).abs() < 0.01, "mean pixel {mean}");
}

#[test]
fn finds_fashion_files_by_their_shared_names() {
    let files = find_idx_files(&shared_data(), IdxDataset::Fashion).expect("fashion-* files");
    assert!(files.test_images.ends_with("fashion-test-images-idx3-ubyte.gz"));
}

#[test]
fn truncated_gzip_names_the_file_and_the_problem() {
    let dir = temp_dir("truncated");
    let raw = std::fs::read(shared_data().join("mnist10k-test-labels-idx1-ubyte.gz")).unwrap();
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
fn labels_that_do_not_match_images_are_reported() {
    let dir = temp_dir("mismatch");
    std::fs::write(dir.join("train-images-idx3-ubyte"), encode_idx(&[3, 2, 2], &[0; 12])).unwrap();
    std::fs::write(dir.join("train-labels-idx1-ubyte"), encode_idx(&[2], &[1, 2])).unwrap();
    std::fs::write(dir.join("t10k-images-idx3-ubyte"), encode_idx(&[1, 2, 2], &[0; 4])).unwrap();
    std::fs::write(dir.join("t10k-labels-idx1-ubyte"), encode_idx(&[1], &[1])).unwrap();
    let err = load_images(ImageDatasetId::Mnist, Some(&dir)).unwrap_err();
    assert!(err.contains("train-labels-idx1-ubyte") && err.contains("3 images but 2 labels"), "{err}");
}

#[test]
fn missing_fashion_says_where_it_looked_and_mnist_falls_back() {
    let dir = temp_dir("empty");
    let err = load_images(ImageDatasetId::Fashion, Some(&dir)).unwrap_err();
    assert!(err.contains(&dir.display().to_string()), "{err}");
    let mnist = load_images(ImageDatasetId::Mnist, Some(&dir)).unwrap();
    assert!(mnist.source.contains("embedded"));
}

#[test]
fn embedded_sample_equals_the_shared_files() {
    let embedded = embedded_mnist();
    let files = find_idx_files(&shared_data(), IdxDataset::Mnist).unwrap();
    let shared = load_idx_files(&files, IdxDataset::Mnist).unwrap();
    assert_eq!(embedded.train.labels, shared.train.labels);
    assert_eq!(embedded.test.pixels, shared.test.pixels);
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

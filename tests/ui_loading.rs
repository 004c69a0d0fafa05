//! The window while a tab loads its data, driven by egui_kittest: a data folder holding a broken
//! IDX file, or one that does not exist, gives a message in the tab (not a panic, not a silent
//! fallback), and a tab shows what it is loading in its very first frame instead of freezing
//! while it reads. Uses temporary folders and the MNIST sample built into the binary only,
//! and trains on the CPU, so it runs on a fresh clone without a GPU.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use eframe::egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use genlab::device::DeviceChoice;
use genlab::gui::GenlabApp;

/// The app with `data_dir` as its data folder. No renderer: nothing here looks at pixels.
fn harness(data_dir: PathBuf) -> Harness<'static, GenlabApp> {
    Harness::builder().with_size([1400.0, 1000.0]).build_eframe(move |cc| GenlabApp::new(cc, DeviceChoice::Cpu, Some(data_dir)))
}

/// Steps frames (with a short real sleep so the loader and worker threads run) until `found`
/// gives something, or `secs` pass.
fn wait_for<T>(
    h: &mut Harness<'static, GenlabApp>,
    secs: f64,
    mut found: impl FnMut(&Harness<'static, GenlabApp>) -> Option<T>,
) -> Option<T> {
    let start = Instant::now();
    while start.elapsed().as_secs_f64() < secs {
        h.step();
        if let Some(t) = found(h) {
            return Some(t);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

/// The text of a label that mentions `needle` and is not the "Loading …" line: the error a
/// tab shows for that folder.
fn error_naming(h: &Harness<'static, GenlabApp>, needle: &str) -> Option<String> {
    h.query_all_by_label_contains(needle)
        // A plain label's text is its accessible value.
        .filter_map(|n| n.accesskit_node().label().or_else(|| n.accesskit_node().value()))
        .find(|text| !text.starts_with("Loading"))
}

/// A fresh temporary folder for this test, named so that messages about it can be found.
fn temp_folder(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("genlab-ui-loading-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn folder_name(dir: &std::path::Path) -> String {
    dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

#[test]
fn a_broken_idx_file_is_an_error_in_the_tab_and_the_window_keeps_drawing() {
    // MNIST's four file names, none of them holding an IDX file.
    let dir = temp_folder("broken");
    std::fs::create_dir_all(&dir).expect("temporary folder");
    for name in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"] {
        std::fs::write(dir.join(name), b"this is not an IDX file").expect("write a broken file");
    }
    let name = folder_name(&dir);
    let mut h = harness(dir.clone());

    // The VAE tab, shown first, reads MNIST from the folder: the error names the file, and no
    // model starts (the embedded sample is not silently used instead).
    let error = wait_for(&mut h, 60.0, |h| error_naming(h, &name));
    let error = error.expect("the VAE tab shows no error naming the broken folder");
    assert!(error.contains("-ubyte"), "the error does not name the file: {error}");
    assert!(h.query_by_role_and_label(Role::Button, "Start").is_none(), "a model started on data that could not be read");

    // A tab shown for the first time starts its load and draws at once: its first frame says
    // what is loading, and from where.
    h.get_by_label("PixelCNN").click();
    h.step();
    assert!(
        h.query_all_by_label_contains("Loading MNIST from").next().is_some(),
        "the PixelCNN tab's first frame has no \"Loading MNIST from …\" line"
    );
    let error = wait_for(&mut h, 60.0, |h| error_naming(h, &name));
    assert!(error.is_some(), "the PixelCNN tab shows no error for the broken folder");

    // The window still answers: picking the built-in shapes gives a model to train.
    h.get_by_label("Use the built-in shapes instead").click();
    let started = wait_for(&mut h, 120.0, |h| h.query_by_role_and_label(Role::Button, "Start").map(|_| ()));
    assert!(started.is_some(), "no model after switching to the built-in shapes");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_data_folder_that_does_not_exist_is_an_error_in_the_tab() {
    let dir = temp_folder("missing");
    let name = folder_name(&dir);
    let mut h = harness(dir.clone());

    // MNIST from a folder that is not there: an error that names the folder, no model.
    let error = wait_for(&mut h, 60.0, |h| error_naming(h, &name));
    assert!(error.is_some(), "no error naming the missing folder {} for MNIST", dir.display());
    assert!(h.query_by_role_and_label(Role::Button, "Start").is_none(), "a model started without data");

    // "Your image folder" reads the folder itself: picking it forgets the MNIST error, and the
    // folder's own load ends in an error naming it too.
    let dataset = h
        .query_all_by_role(Role::ComboBox)
        .find(|n| n.accesskit_node().value().as_deref() == Some("MNIST"))
        .expect("no dataset box showing MNIST");
    dataset.click();
    h.run_steps(2);
    h.get_by_label("Your image folder").click();
    h.step();
    // The box drew its old text before the choice was made in that frame: one more to show it.
    h.step();
    let picked = h.query_all_by_role(Role::ComboBox).any(|n| n.accesskit_node().value().as_deref() == Some("Your image folder"));
    assert!(picked, "the dataset box does not show \"Your image folder\"");
    let error = wait_for(&mut h, 60.0, |h| error_naming(h, &name));
    assert!(error.is_some(), "no error naming the missing folder {} for an image folder", dir.display());
    assert!(h.query_by_role_and_label(Role::Button, "Start").is_none(), "a model started without data");
}

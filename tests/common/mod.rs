//! Helpers shared by the test files: where their data comes from (the MNIST sample that ships
//! in assets/mnist, and the full datasets beside the checkout when they are there) and
//! training on the 8-Gaussian ring.
// Each test binary that includes this module uses only some of these helpers.
#![allow(dead_code)]

pub mod window;

use std::path::{Path, PathBuf};

use genlab::data::images::find_idx_files;
use genlab::data::{IdxDataset, ToyKind};
use genlab::rng::Rng;
use genlab::train::{Batch, Samples};
use genlab::views::Model;

/// The MNIST sample in assets/mnist (8,000 train / 2,000 test images; the files the binary
/// embeds). Every test that only needs MNIST reads it from here, so a fresh clone runs it.
pub fn mnist_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/mnist")
}

/// The full MNIST / Fashion-MNIST beside the checkout (`../shared/data`) when it holds `which`'s
/// four IDX files. A user's fresh clone has nothing beside it: then `None`, and `test` says
/// on the terminal what it does instead (`instead`: "skipped", or the shipped sample it checks).
/// Only for tests whose numbers need the full sets; the others read assets/.
pub fn full_dataset_or_say(which: IdxDataset, test: &str, instead: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    if find_idx_files(&dir, which).is_some() {
        return Some(dir);
    }
    say(&format!("{test}: the full {which:?} set is not in {} (a fresh clone): {instead}", dir.display()));
    None
}

/// A line on the terminal even in a normal `cargo test` run: libtest captures `eprintln!`
/// of passing tests, not writes to the stderr handle itself.
pub fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

pub fn points(s: Samples) -> Vec<[f32; 2]> {
    match s {
        Samples::Points(p) => p,
        _ => panic!("expected points"),
    }
}

/// `steps` training steps at batch 256 on 20,000 seeded ring points; every loss finite.
pub fn train_ring(model: &mut dyn Model, steps: usize, seed: u64) {
    let (pts, labels) = ToyKind::Ring8.sample(20_000, &mut Rng::new(seed));
    let x: Vec<f32> = pts.iter().flat_map(|p| *p).collect();
    let mut rng = Rng::new(seed + 1);
    let batch = 256;
    for _ in 0..steps {
        let start = rng.below(pts.len() - batch);
        let b = Batch { x: &x[2 * start..2 * (start + batch)], n: batch, dims: &[2], labels: &labels[start..start + batch] };
        let terms = model.train_step(&b).unwrap();
        assert!(terms.iter().all(|t| t.1.is_finite()), "{terms:?}");
    }
}

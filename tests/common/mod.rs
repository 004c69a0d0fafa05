//! Helpers shared by the test files that train on the 8-Gaussian ring.

use genlab::data::ToyKind;
use genlab::rng::Rng;
use genlab::train::{Batch, Family, Samples};

pub fn points(s: Samples) -> Vec<[f32; 2]> {
    match s {
        Samples::Points(p) => p,
        _ => panic!("expected points"),
    }
}

/// `steps` training steps at batch 256 on 20,000 seeded ring points; every loss finite.
pub fn train_ring(model: &mut dyn Family, steps: usize, seed: u64) {
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

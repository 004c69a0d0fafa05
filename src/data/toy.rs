//! Two-dimensional toy distributions, the classic test beds of generative models.

use serde::{Deserialize, Serialize};

use crate::rng::Rng;

/// Which toy distribution to draw from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ToyKind {
    /// Eight Gaussians on a circle of radius 2, σ = 0.02 (Metz et al. 2017, "Unrolled GANs", §3.1).
    Ring8,
    /// A 5×5 grid of Gaussians at −4, −2, 0, 2, 4, σ = 0.05 (Srivastava et al. 2017, VEEGAN).
    Grid25,
    /// Two interleaved half circles with noise 0.1, as scikit-learn's `make_moons`.
    TwoMoons,
    /// The 2-D Swiss roll (x, z of scikit-learn's `make_swiss_roll`) scaled by 1/5.
    SwissRoll,
    /// Uniform on the dark squares of a 4×4 board over [−2, 2]² (Grathwohl et al. 2019, FFJORD).
    Checkerboard,
    /// Two interleaved Archimedean spiral arms with noise.
    Spiral,
}

impl ToyKind {
    pub const ALL: [ToyKind; 6] =
        [ToyKind::Ring8, ToyKind::Grid25, ToyKind::TwoMoons, ToyKind::SwissRoll, ToyKind::Checkerboard, ToyKind::Spiral];

    pub fn label(self) -> &'static str {
        match self {
            ToyKind::Ring8 => "8 Gaussians (ring)",
            ToyKind::Grid25 => "25 Gaussians (grid)",
            ToyKind::TwoMoons => "Two moons",
            ToyKind::SwissRoll => "Swiss roll",
            ToyKind::Checkerboard => "Checkerboard",
            ToyKind::Spiral => "Spiral",
        }
    }

    /// How many components the labels name (modes, moons, arms; 1 where there is one piece).
    pub fn num_classes(self) -> usize {
        match self {
            ToyKind::Ring8 => 8,
            ToyKind::Grid25 => 25,
            ToyKind::TwoMoons | ToyKind::Spiral => 2,
            ToyKind::SwissRoll | ToyKind::Checkerboard => 1,
        }
    }

    /// Mode centres, for the mixtures that have them.
    pub fn modes(self) -> Option<(Vec<[f32; 2]>, f32)> {
        match self {
            ToyKind::Ring8 => Some((
                (0..8)
                    .map(|i| {
                        let a = i as f32 * std::f32::consts::TAU / 8.0;
                        [2.0 * a.cos(), 2.0 * a.sin()]
                    })
                    .collect(),
                0.02,
            )),
            ToyKind::Grid25 => Some(((0..25).map(|i| [(i % 5) as f32 * 2.0 - 4.0, (i / 5) as f32 * 2.0 - 4.0]).collect(), 0.05)),
            _ => None,
        }
    }

    /// Draws `n` points and, for each, the component it came from (mode index, moon, arm…).
    pub fn sample(self, n: usize, rng: &mut Rng) -> (Vec<[f32; 2]>, Vec<u8>) {
        let mut points = Vec::with_capacity(n);
        let mut labels = Vec::with_capacity(n);
        for _ in 0..n {
            let (p, label) = self.draw(rng);
            points.push([p[0] as f32, p[1] as f32]);
            labels.push(label);
        }
        (points, labels)
    }

    fn draw(self, rng: &mut Rng) -> ([f64; 2], u8) {
        use std::f64::consts::PI;
        match self {
            ToyKind::Ring8 | ToyKind::Grid25 => {
                let (modes, std) = self.modes().unwrap_or_default();
                let k = rng.below(modes.len());
                let m = modes[k];
                ([m[0] as f64 + std as f64 * rng.normal(), m[1] as f64 + std as f64 * rng.normal()], k as u8)
            }
            ToyKind::TwoMoons => {
                let t = rng.range(0.0, PI);
                let upper = rng.uniform() < 0.5;
                let (x, y) = if upper { (t.cos(), t.sin()) } else { (1.0 - t.cos(), 0.5 - t.sin()) };
                ([x + 0.1 * rng.normal(), y + 0.1 * rng.normal()], u8::from(!upper))
            }
            ToyKind::SwissRoll => {
                let t = 1.5 * PI * (1.0 + 2.0 * rng.uniform());
                let x = t * t.cos() / 5.0 + 0.05 * rng.normal();
                let y = t * t.sin() / 5.0 + 0.05 * rng.normal();
                ([x, y], 0)
            }
            ToyKind::Checkerboard => {
                // Pick a column in −2..2 and a row of the same parity: the dark squares.
                let col = rng.below(4) as f64 - 2.0;
                let row_base = rng.below(2) as f64 * 2.0 - 2.0;
                let row = row_base + ((col as i64).rem_euclid(2)) as f64;
                ([col + rng.uniform(), row + rng.uniform()], 0)
            }
            ToyKind::Spiral => {
                let arm = rng.below(2);
                let r = rng.uniform().sqrt() * 2.5;
                let theta = r * 2.0 * PI / 2.5 * 1.5 + arm as f64 * PI;
                ([r * theta.cos() + 0.05 * rng.normal(), r * theta.sin() + 0.05 * rng.normal()], arm as u8)
            }
        }
    }
}

//! The VQ-VAE (van den Oord et al. 2017) against references: the nearest code against a
//! brute-force search; the codebook and commitment losses and their gradients, the
//! straight-through gradient and the moving-average update against values worked by hand from
//! the paper's equations; dead-code restarts on a hand-made codebook and in training; the
//! prior's causality; checkpoints; a short run on the shipped MNIST sample; `genlab train
//! --family vqvae` then `genlab sample`.

use std::process::Command;

use burn::module::Param;
use burn::prelude::*;
use genlab::data::{ImageDatasetId, load_images};
use genlab::models::load_family;
use genlab::models::vqvae::prior::one_hot_maps;
use genlab::models::vqvae::quantizer::{
    codebook_loss, commitment_loss, ema_update, nearest_codes, perplexity, quantize, squared_distances, straight_through,
};
use genlab::models::vqvae::restarts::{RestartWindow, codes_to_restart, pick_rows, restart_codes};
use genlab::models::vqvae::{Codebook, VqVaeConfig, VqVaeFamily};
use genlab::rng::Rng;
use genlab::train::{Batch, Family, KnobValue, Samples};
use genlab::views::Model;
use genlab::views::codes::{CodebookView, Stage};

mod common;
use common::mnist_dir;

fn tensor(values: &[f32], shape: [usize; 2], device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(values.to_vec(), shape), device)
}

fn read<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.try_into_vec_as::<f32>().unwrap()
}

fn close(got: &[f32], want: &[f64], tolerance: f64) -> bool {
    got.len() == want.len() && got.iter().zip(want).all(|(g, w)| (*g as f64 - w).abs() <= tolerance)
}

/// A small model: 16×16 images, a 4×4 grid of 4-d vectors, K = 16, a one-layer prior.
fn small(autoencoder_steps: usize) -> VqVaeConfig {
    VqVaeConfig {
        width: 16,
        height: 16,
        hidden: 8,
        latent_dim: 4,
        codebook_size: 16,
        prior_channels: 8,
        prior_layers: 1,
        autoencoder_steps,
        ..VqVaeConfig::default()
    }
}

fn random_images(n: usize, pixels: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    (0..n * pixels).map(|_| rng.uniform() as f32).collect()
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("genlab-vqvae-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn the_nearest_code_is_the_brute_force_argmin() {
    // 300 vectors and 40 codes of 6 values, N(0, 1): the matrix-product distances
    // ‖z‖² − 2 z·e + ‖e‖² against Σ_d (z_d − e_d)² in f64, and their argmin against a linear
    // search (eq. 2 of the paper).
    let (n, k, d) = (300, 40, 6);
    let mut rng = Rng::new(7);
    let z = rng.normal_vec(n * d);
    let e = rng.normal_vec(k * d);
    let device = Device::flex();
    let distances = read(squared_distances(tensor(&z, [n, d], &device), tensor(&e, [k, d], &device)));
    let codes = nearest_codes(tensor(&z, [n, d], &device), tensor(&e, [k, d], &device)).unwrap();
    let mut checked = 0;
    for i in 0..n {
        let brute: Vec<f64> = (0..k).map(|j| (0..d).map(|c| (z[i * d + c] as f64 - e[j * d + c] as f64).powi(2)).sum::<f64>()).collect();
        for j in 0..k {
            assert!((distances[i * k + j] as f64 - brute[j]).abs() < 1e-4 * (1.0 + brute[j]), "row {i}, code {j}");
        }
        let mut order: Vec<usize> = (0..k).collect();
        order.sort_by(|&a, &b| brute[a].total_cmp(&brute[b]));
        // Rows whose two nearest codes are within rounding of each other are left out.
        if brute[order[1]] - brute[order[0]] > 1e-3 {
            assert_eq!(codes[i] as usize, order[0], "row {i}: {:?}", &brute);
            checked += 1;
        }
    }
    assert!(checked > 290, "only {checked} rows had a clear nearest code");
}

/// The worked example: three 2-d vectors and three codes. By hand, ‖z − e‖² of each row against
/// each code: (1, 2) → 1, 5, 5; (0, −1) → 5, 1, 5; (3, 0) → 5, 9, 1, so the codes are 0, 1, 2,
/// z_q = (1, 1), (0, 0), (2, 0), and z_e − z_q = (0, 1), (0, −1), (1, 0).
const Z: [f32; 6] = [1.0, 2.0, 0.0, -1.0, 3.0, 0.0];
const E: [f32; 6] = [1.0, 1.0, 0.0, 0.0, 2.0, 0.0];

#[test]
fn the_codebook_and_commitment_losses_and_their_gradients_match_the_hand_computation() {
    let device = Device::flex().autodiff();
    let z = tensor(&Z, [3, 2], &device).require_grad();
    let e = tensor(&E, [3, 2], &device).require_grad();
    let q = quantize(z.clone(), e.clone()).unwrap();
    assert_eq!(q.codes, [0, 1, 2]);
    assert_eq!(read(q.z_q.clone()), [1.0, 1.0, 0.0, 0.0, 2.0, 0.0]);
    // Both are the mean over the 6 elements of (z_e − z_q)²: (0 + 1 + 0 + 1 + 1 + 0) / 6 = 0.5.
    let codebook = codebook_loss(z.clone(), q.z_q.clone());
    let commitment = commitment_loss(z.clone(), q.z_q.clone());
    assert_eq!(read(codebook.clone()), [0.5]);
    assert_eq!(read(commitment.clone()), [0.5]);
    // L = codebook + β·commitment with β = 0.25 (eq. 3 without the reconstruction).
    // ∂L/∂z_e = β·2(z_e − z_q)/6 = (z_e − z_q)/12: the commitment term only (sg[z_e] in the other);
    // ∂L/∂e_k = −2(z_e − e_k)/6 summed over the rows nearest to code k: the codebook term only.
    let grads = (codebook + commitment.mul_scalar(0.25)).backward();
    let gz = read(z.grad(&grads).expect("a gradient for z_e"));
    let ge = read(e.grad(&grads).expect("a gradient for the codebook"));
    let twelfth = 1.0 / 12.0;
    assert!(close(&gz, &[0.0, twelfth, 0.0, -twelfth, twelfth, 0.0], 1e-6), "{gz:?}");
    let third = 1.0 / 3.0;
    assert!(close(&ge, &[0.0, -third, 0.0, third, -third, 0.0], 1e-6), "{ge:?}");

    // Each alone: the codebook loss never reaches the encoder, the commitment never the codes.
    let q = quantize(z.clone(), e.clone()).unwrap();
    let grads = codebook_loss(z.clone(), q.z_q).backward();
    assert!(z.grad(&grads).is_none_or(|g| read(g).iter().all(|&v| v == 0.0)), "the codebook loss moved z_e");
    let q = quantize(z.clone(), e.clone()).unwrap();
    let grads = commitment_loss(z.clone(), q.z_q).backward();
    assert!(e.grad(&grads).is_none_or(|g| read(g).iter().all(|&v| v == 0.0)), "the commitment loss moved e");
}

#[test]
fn the_straight_through_gradient_at_the_encoder_output_is_the_one_at_the_quantised_vector() {
    // f(v) = Σ w ⊙ v², so ∂f/∂v = 2 w ⊙ v. Through z_e + sg[z_q − z_e] the encoder output gets
    // ∂f/∂v at v = z_q (§3.2: the gradient is copied from z_q to z_e): 2 w ⊙ z_q =
    // 2·(1, 2, 3, 4, 5, 6) ⊙ (1, 1, 0, 0, 2, 0) = (2, 4, 0, 0, 20, 0), where the gradient at z_e
    // itself would be (2, 8, 0, −8, 30, 0).
    let device = Device::flex().autodiff();
    let w = tensor(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [3, 2], &device);
    let z = tensor(&Z, [3, 2], &device).require_grad();
    let q = quantize(z.clone(), tensor(&E, [3, 2], &device)).unwrap();
    let st = straight_through(z.clone(), q.z_q.clone());
    assert_eq!(read(st.clone()), read(q.z_q.clone()), "forward, it is z_q");
    let grads = (st.powf_scalar(2.0) * w.clone()).sum().backward();
    let through = read(z.grad(&grads).expect("a gradient for z_e"));
    assert_eq!(through, [2.0, 4.0, 0.0, 0.0, 20.0, 0.0]);
    // The same gradient taken at z_q as a leaf of its own.
    let at_q = tensor(&read(q.z_q), [3, 2], &device).require_grad();
    let grads = (at_q.clone().powf_scalar(2.0) * w).sum().backward();
    assert_eq!(through, read(at_q.grad(&grads).unwrap()));
}

#[test]
fn the_moving_average_update_matches_the_hand_computation() {
    // Appendix A.1 (eqs. 6-8) with γ = 0.5, K = 3 codes of 2 values: N = (1, 3, 1),
    // m = ((1, 0), (0, 3), (0.5, 0.5)); the batch z = (2, 2), (4, 0), (0, 6) nearest to codes
    // 0, 0, 1, so n = (2, 1, 0) and the sums are (6, 2), (0, 6), (0, 0). By hand:
    //   N ← 0.5 N + 0.5 n = (1.5, 2, 0.5)
    //   m ← 0.5 m + 0.5 sums = ((3.5, 1), (0, 4.5), (0.25, 0.25))
    //   e = m / Ñ with Ñ = (N + ε)/(ΣN + Kε)·ΣN ≈ N (ε = 1e-5 moves e by under 1e-5 here):
    //   e ≈ ((7/3, 2/3), (0, 2.25), (0.5, 0.5)). Code 2, unused, stays where it was.
    let device = Device::flex();
    let counts = Tensor::<1>::from_data(TensorData::new(vec![1.0f32, 3.0, 1.0], [3]), &device);
    let sums = tensor(&[1.0, 0.0, 0.0, 3.0, 0.5, 0.5], [3, 2], &device);
    let z = tensor(&[2.0, 2.0, 4.0, 0.0, 0.0, 6.0], [3, 2], &device);
    let one_hot = tensor(&[1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0], [3, 3], &device);
    let update = ema_update(counts, sums, z, one_hot, 0.5);
    assert_eq!(read(update.counts), [1.5, 2.0, 0.5]);
    assert_eq!(read(update.sums), [3.5, 1.0, 0.0, 4.5, 0.25, 0.25]);
    let e = read(update.embeddings);
    assert!(close(&e, &[7.0 / 3.0, 2.0 / 3.0, 0.0, 2.25, 0.5, 0.5], 2e-5), "{e:?}");
    // The perplexity of code use: exp of the entropy. Counts (2, 1, 0): p = (2/3, 1/3),
    // H = ln 3 − (2/3) ln 2, e^H = 3 / 2^(2/3) = 1.88988; four equal counts: 4; none: 0.
    assert!((perplexity(&[2, 1, 0]) - 3.0 / 2f64.powf(2.0 / 3.0)).abs() < 1e-12);
    assert!((perplexity(&[5, 5, 5, 5]) - 4.0).abs() < 1e-12);
    assert_eq!(perplexity(&[0, 0]), 0.0);
}

/// The worked example's codebook (`E`) with moving averages of its own: N = (3, 0.5, 2) and
/// m = N_k e_k = ((3, 3), (0, 0), (4, 0)).
fn hand_made_codebook(device: &Device) -> Codebook {
    Codebook {
        embeddings: Param::from_tensor(tensor(&E, [3, 2], device)),
        ema_counts: Param::from_tensor(Tensor::<1>::from_data(TensorData::new(vec![3.0f32, 0.5, 2.0], [3]), device)),
        ema_sums: Param::from_tensor(tensor(&[3.0, 3.0, 0.0, 0.0, 4.0, 0.0], [3, 2], device)),
    }
}

#[test]
fn a_code_used_too_rarely_restarts_at_one_of_the_batch_vectors_and_the_others_stay() {
    // Over a window of 2 steps the codes were used 4, 0 and 2 times; with a threshold of 1 use a
    // step, code 1 (0 < 2) restarts and codes 0 and 2 (4 and 2, not under 2) do not. It moves to
    // a row of the batch's z_e (`Z`) drawn from the seed, and its averages restart as at the
    // codebook's start: N_1 = 1, m_1 = that row, so e_1 = m_1 / N_1 is the row exactly.
    let device = Device::flex();
    let (uses, steps, threshold, seed) = ([4u64, 0, 2], 2, 1.0, 11);
    assert_eq!(codes_to_restart(&uses, steps, threshold), [1]);
    let (codebook, restarted) =
        restart_codes(hand_made_codebook(&device), tensor(&Z, [3, 2], &device), &uses, steps, threshold, seed).unwrap();
    assert_eq!(restarted, [1]);
    let row = pick_rows(1, 3, &mut Rng::new(seed))[0];
    let vector = &Z[row * 2..row * 2 + 2];
    let e = read(codebook.embeddings.val());
    assert_eq!(&e[2..4], vector, "code 1 is row {row} of the batch");
    assert_eq!((&e[..2], &e[4..]), (&E[..2], &E[4..]), "the used codes are not touched");
    assert_eq!(read(codebook.ema_counts.val()), [3.0, 1.0, 2.0]);
    let sums = read(codebook.ema_sums.val());
    assert_eq!((&sums[..2], &sums[2..4], &sums[4..]), (&[3.0f32, 3.0][..], vector, &[4.0f32, 0.0][..]));

    // Then a moving-average step whose one vector (1, 1.2) is nearest to code 0 leaves code 1 at
    // the vector: N_1 = 0.5, m_1 = 0.5 v, e_1 = m_1 / Ñ_1 with Ñ ≈ N (ε moves it by under 1e-5).
    let update = ema_update(
        codebook.ema_counts.val(),
        codebook.ema_sums.val(),
        tensor(&[1.0, 1.2], [1, 2], &device),
        tensor(&[1.0, 0.0, 0.0], [1, 3], &device),
        0.5,
    );
    let e = read(update.embeddings);
    assert!(close(&e[2..4], &[vector[0] as f64, vector[1] as f64], 1e-4), "{e:?}");

    // The same seed, the same row; every seed picks a row of the batch, and the rows differ
    // with the seed.
    let again = restart_codes(hand_made_codebook(&device), tensor(&Z, [3, 2], &device), &uses, steps, threshold, seed).unwrap();
    assert_eq!(read(again.0.embeddings.val()), read(codebook.embeddings.val()));
    let rows: std::collections::BTreeSet<usize> = (0..30).map(|seed| pick_rows(1, 3, &mut Rng::new(seed))[0]).collect();
    assert_eq!(rows.into_iter().collect::<Vec<_>>(), [0, 1, 2]);
    // Rows are distinct while the batch has enough of them.
    let mut all = pick_rows(5, 5, &mut Rng::new(3));
    all.sort();
    assert_eq!(all, [0, 1, 2, 3, 4]);

    // No code under the threshold (or an empty window): the codebook as it was.
    for (uses, steps) in [([4u64, 2, 2], 2), ([0, 0, 0], 0)] {
        let (kept, none) = restart_codes(hand_made_codebook(&device), tensor(&Z, [3, 2], &device), &uses, steps, 1.0, seed).unwrap();
        assert!(none.is_empty());
        assert_eq!(read(kept.embeddings.val()), E);
        assert_eq!(read(kept.ema_counts.val()), [3.0, 0.5, 2.0]);
    }
}

#[test]
fn the_restart_window_closes_every_so_many_steps_and_not_when_off() {
    let mut window = RestartWindow::new(3);
    window.add(&[0, 0, 2]);
    assert_eq!(window.close_if_due(2), None, "one step of two");
    window.add(&[0, 2, 2, 7]); // 7 is no code of 3: not counted
    assert_eq!(window.close_if_due(2), Some((vec![3, 0, 3], 2)));
    window.add(&[1]);
    assert_eq!(window.close_if_due(2), None, "a new window");
    assert_eq!(window.close_if_due(0), None, "off");
    window.add(&[1]);
    assert_eq!(window.close_if_due(1), Some((vec![0, 1, 0], 1)), "turning restarts off emptied the window");
}

/// The codebook's vectors, counts and sums.
fn codebook_values(family: &VqVaeFamily) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let codebook = &family.autoencoder_network().unwrap().codebook;
    (read(codebook.embeddings.val()), read(codebook.ema_counts.val()), read(codebook.ema_sums.val()))
}

fn max_difference(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

#[test]
fn training_restarts_codes_at_the_batch_encoder_outputs_only_when_due() {
    // Four steps of the small model on the same batches from the same seed: with restarts off,
    // and every 100 steps (none due), the codebooks agree; every 2 steps with a threshold of
    // 1,000 uses a step (above the 12·16 = 192 vectors of a step), every code restarts at steps
    // 2 and 4, each at a vector the encoder gave for the step's batch, with N = 1 and m = e.
    let (n, d) = (12, 256);
    let batches: Vec<Vec<f32>> = (0..4).map(|i| random_images(n, d, 20 + i)).collect();
    let labels = vec![0u8; n];
    let run = |restart_every: usize, restart_threshold: f64| {
        let config = VqVaeConfig { restart_every, restart_threshold, ..small(100) };
        let mut family = VqVaeFamily::new(config, &Device::flex(), 8).unwrap();
        let mut before_last = Vec::new();
        let mut totals = Vec::new();
        for (i, x) in batches.iter().enumerate() {
            if i == 3 {
                let net = family.autoencoder_network().unwrap();
                let x = Tensor::<2>::from_data(TensorData::new(x.clone(), [n, d]), family.training_device());
                before_last = read(net.encode(x));
            }
            let terms = family.train_step(&Batch { x, n, dims: &[1, 16, 16], labels: &labels }).unwrap();
            let (name, total) = terms.last().unwrap().clone();
            assert_eq!(name, "codes restarted (total)");
            totals.push(total);
        }
        (family, before_last, totals)
    };
    let (off, _, off_totals) = run(0, 1.0);
    let (not_due, _, _) = run(100, 1.0);
    let (on, z_e, on_totals) = run(2, 1000.0);
    let (again, _, _) = run(2, 1000.0);
    assert_eq!(off_totals, [0.0; 4]);
    assert_eq!(on_totals, [0.0, 16.0, 16.0, 32.0]);
    assert_eq!(on.progress().restarts, 32);
    let (e_off, n_off, m_off) = codebook_values(&off);
    let (e_not_due, n_not_due, m_not_due) = codebook_values(&not_due);
    assert!(max_difference(&e_off, &e_not_due) < 1e-6 && max_difference(&n_off, &n_not_due) < 1e-6);
    assert!(max_difference(&m_off, &m_not_due) < 1e-6);
    let (e_on, n_on, m_on) = codebook_values(&on);
    assert!(max_difference(&e_on, &e_off) > 1e-3, "restarting every code changed nothing");
    assert_eq!(n_on, [1.0; 16]);
    assert_eq!(m_on, e_on, "m = e: e = m / N with N = 1");
    let dim = 4;
    for k in 0..16 {
        let code = &e_on[k * dim..(k + 1) * dim];
        let nearest = z_e.chunks(dim).map(|row| max_difference(row, code)).fold(f32::INFINITY, f32::min);
        assert!(nearest < 1e-5, "code {k} is {nearest} from every encoder output of the last batch");
    }
    // The same seed restarts the same codes at the same vectors.
    assert!(max_difference(&codebook_values(&again).0, &e_on) < 1e-6);
}

#[test]
fn no_prior_logit_depends_on_its_own_code_or_a_later_one() {
    let config = small(10);
    let family = VqVaeFamily::new(config.clone(), &Device::flex(), 3).unwrap();
    let prior = family.prior_network().unwrap().valid();
    let device = Device::flex();
    let ((w, h), k) = (config.grid(), config.codebook_size);
    let cells = w * h;
    let mut rng = Rng::new(4);
    let codes: Vec<u32> = (0..cells).map(|_| rng.below(k) as u32).collect();
    let logits = |codes: &[u32]| read(prior.forward(one_hot_maps(codes, 1, k, (w, h), cells, &device))); // [K, h, w]
    let at = |logits: &[f32], cell: usize| -> Vec<f32> { (0..k).map(|c| logits[c * cells + cell]).collect() };
    let base = logits(codes.as_slice());
    let mut later_changed = 0;
    for j in 0..cells {
        let mut changed = codes.clone();
        changed[j] = (changed[j] + 1) % k as u32;
        let other = logits(changed.as_slice());
        // Exactly: the mask-A and mask-B taps that would read cell j from cells 0..=j are zero.
        for i in 0..=j {
            assert_eq!(at(base.as_slice(), i), at(other.as_slice(), i), "cell {i}'s logits changed with the code of cell {j}");
        }
        later_changed += (j + 1..cells).filter(|&i| at(base.as_slice(), i) != at(other.as_slice(), i)).count();
    }
    assert!(later_changed > 0, "no cell's logits depend on an earlier code: the test cannot tell causal from constant");
}

#[test]
fn a_checkpoint_keeps_both_networks_and_where_the_stages_stand() {
    let config = small(3);
    let mut family = VqVaeFamily::new(config.clone(), &Device::flex(), 5).unwrap();
    let (n, d) = (12, config.pixels());
    let x = random_images(n, d, 6);
    let labels = vec![0u8; n];
    assert!(family.likelihood().is_none(), "no bound before the prior trains");
    assert!(family.log_bound(&x, n).unwrap_err().contains("prior"));
    for _ in 0..5 {
        let terms = family.train_step(&Batch { x: &x, n, dims: &[1, 16, 16], labels: &labels }).unwrap();
        assert!(terms.iter().all(|t| t.1.is_finite()), "{terms:?}");
    }
    assert_eq!((family.stage(), family.stage_steps()), (Stage::Prior, (3, 2)), "3 autoencoder steps, then the prior");
    let dir = temp_dir("checkpoint");
    std::fs::create_dir_all(&dir).unwrap();
    family.save(&dir).unwrap();
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("config.json")).unwrap()).unwrap();
    assert_eq!(json["family"], "vqvae");
    assert_eq!(json["config"]["progress"], serde_json::json!({ "stage": "prior", "autoencoder": 3, "prior": 2, "restarts": 0 }));
    assert_eq!(json["config"]["codebook_size"], 16);
    assert_eq!(json["config"]["restart_every"], 100);

    let mut loaded = load_family(&dir, &Device::flex()).unwrap();
    assert_eq!(loaded.family_name(), "vqvae");
    assert_eq!(loaded.knobs(), family.knobs());
    assert_eq!(loaded.sample(5, 9, None).unwrap(), family.sample(5, 9, None).unwrap());
    let view = loaded.codebook().expect("a VQ-VAE has a codebook");
    assert_eq!((view.stage(), view.stage_steps()), (Stage::Prior, (3, 2)));
    let codes = view.encode(&x, n).unwrap();
    assert_eq!(codes, family.encode(&x, n).unwrap());
    assert_eq!((codes.width, codes.height, codes.maps.len()), (4, 4, n));
    let bound = loaded.likelihood().expect("a bound once the prior has trained").log_likelihood(&x, n, &labels, 1, 0).unwrap();
    assert_eq!(bound[0].per_example, family.log_bound(&x, n).unwrap());
    assert!(!bound[0].exact && bound[0].per_example.iter().all(|&v| v.is_finite() && v < 0.0), "{bound:?}");

    // A hand-edited checkpoint is refused, naming the file and the field.
    for (field, value, says) in [
        ("progress", serde_json::json!({ "stage": "autoencoder", "autoencoder": 3, "prior": 2 }), "progress"),
        ("progress", serde_json::json!("halfway"), "progress"),
        ("codebook_size", serde_json::json!(8), "16…512"),
        ("width", serde_json::json!(18), "divisible by 4"),
    ] {
        let mut edited = json.clone();
        edited["config"][field] = value;
        std::fs::write(dir.join("config.json"), serde_json::to_vec(&edited).unwrap()).unwrap();
        let err = load_family(&dir, &Device::flex()).err().unwrap_or_else(|| panic!("{field} was taken"));
        assert!(err.contains("config.json") && err.contains(says), "{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_views_and_knobs_refuse_what_does_not_fit() {
    let mut family = VqVaeFamily::new(small(100), &Device::flex(), 1).unwrap();
    let names: Vec<&str> = family.knobs().iter().map(|k| k.name).collect();
    assert_eq!(names, ["learning_rate", "commitment", "ema_decay", "restart_every", "restart_threshold", "autoencoder_steps"]);
    let plain = VqVaeFamily::new(VqVaeConfig { ema: false, ..small(100) }, &Device::flex(), 1).unwrap();
    assert!(plain.knobs().iter().all(|k| k.name != "ema_decay"), "no averages to decay under the codebook loss");
    assert!(family.set_knob("commitment", KnobValue::Real(3.0)).unwrap_err().contains("commitment"));
    family.set_knob("restart_every", KnobValue::Whole(0)).unwrap();
    assert_eq!(family.config().restart_every, 0);
    assert!(family.set_knob("restart_every", KnobValue::Whole(-1)).is_err());
    family.set_knob("commitment", KnobValue::Real(0.5)).unwrap();
    assert_eq!(family.config().commitment, 0.5);

    // Each code as an image; maps of the wrong size or with codes outside the codebook are refused.
    let images = family.code_images().unwrap();
    assert_eq!((images.n, images.width, images.height), (16, 16, 16));
    assert!(images.pixels.iter().all(|p| (0.0..=1.0).contains(p)));
    assert!(CodebookView::decode(&mut family, &[vec![0; 15]]).unwrap_err().contains("4×4 = 16"));
    assert!(CodebookView::decode(&mut family, &[vec![16; 16]]).unwrap_err().contains("code 16"));
    let err = family.train_step(&Batch { x: &[0.0; 10], n: 2, dims: &[5], labels: &[0, 0] }).unwrap_err();
    assert!(err.contains("values per example"), "{err}");

    // Before the prior, samples decode uniform codes; next_stage starts the prior, once.
    assert!(family.describe().contains("uniformly"));
    family.next_stage().unwrap();
    assert!(family.next_stage().is_err());
    assert_eq!(family.stage(), Stage::Prior);
    let Samples::Images(batch) = family.sample(3, 2, None).unwrap() else { panic!("a VQ-VAE samples images") };
    assert_eq!((batch.n, batch.pixels.len()), (3, 3 * 256));
    assert_eq!(family.sample(3, 2, None).unwrap(), Samples::Images(batch), "the same seed, the same samples");

    for (config, says) in [
        (VqVaeConfig { codebook_size: 8, ..VqVaeConfig::default() }, "16…512"),
        (VqVaeConfig { width: 30, ..VqVaeConfig::default() }, "divisible by 4"),
        (VqVaeConfig { commitment: f64::NAN, ..VqVaeConfig::default() }, "commitment"),
        (VqVaeConfig { ema_decay: 1.0, ..VqVaeConfig::default() }, "ema_decay"),
        (VqVaeConfig { restart_every: 100_001, ..VqVaeConfig::default() }, "restart_every"),
        (VqVaeConfig { restart_threshold: 0.0, ..VqVaeConfig::default() }, "restart_threshold"),
        (VqVaeConfig { restart_threshold: f64::NAN, ..VqVaeConfig::default() }, "restart_threshold"),
    ] {
        assert!(config.validate().unwrap_err().contains(says), "{config:?}");
    }
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

#[test]
fn a_short_run_on_mnist_lowers_the_reconstruction_then_the_prior_learns_the_codes() {
    // The default network (28×28 to 7×7 × 16-d, K = 64, EMA) at batch 32: 200 steps of stage 1,
    // then 150 of the prior. An untrained decoder's Bernoulli NLL of a grey MNIST image is about
    // 784 ln 2 = 543 nats (logits near 0: σ(0) = ½ for every pixel, whatever its grey). The
    // uniform prior's NLL of a code map is 49 ln 64 = 203.8 nats, and a prior that has learnt
    // only how often each code is used is below it whenever the codes are not used equally
    // (49 ln of their perplexity). The bounds are loose: no reference run stands behind them.
    let data = load_images(ImageDatasetId::Mnist, Some(&mnist_dir())).unwrap();
    let config = VqVaeConfig { autoencoder_steps: 200, ..VqVaeConfig::default() };
    let mut family = VqVaeFamily::new(config, &Device::flex(), 0).unwrap();
    let uniform = family.uniform_prior_nll();
    assert!((uniform - 49.0 * 64f64.ln()).abs() < 1e-9);
    let (n, d) = (32, 784);
    let mut rng = Rng::new(1);
    let mut recon = Vec::new();
    let mut prior = Vec::new();
    let mut restarts = 0.0;
    for step in 0..350 {
        let s = rng.below(data.train.len() - n);
        let batch = Batch { x: &data.train.pixels[s * d..(s + n) * d], n, dims: &[1, 28, 28], labels: &data.train.labels[s..s + n] };
        let terms = family.train_step(&batch).unwrap();
        assert!(terms.iter().all(|t| t.1.is_finite()), "step {step}: {terms:?}");
        assert_eq!(terms[5], ("stage".to_string(), if step < 200 { 1.0 } else { 2.0 }));
        // The restarts (every 100 steps by default) are a running total, constant in stage 2.
        assert_eq!(terms[6].0, "codes restarted (total)");
        assert!(terms[6].1 >= restarts && (step < 200 || terms[6].1 == restarts), "step {step}: {terms:?}");
        restarts = terms[6].1;
        if step < 200 {
            recon.push(terms[0].1);
        } else {
            prior.push(terms[4].1);
        }
    }
    let (first, last) = (mean(&recon[..5]), mean(&recon[180..]));
    assert!(last < 0.75 * first, "reconstruction {first:.1} nats (first 5 steps) to {last:.1} (last 20)");
    let usage = family.usage();
    assert!(usage.perplexity > 2.0 && usage.vectors == 350 * 32 * 49, "{usage:?}");
    assert_eq!(family.progress().restarts as f64, restarts);
    let (first, last) = (mean(&prior[..5]), mean(&prior[130..]));
    assert!(last < first && last < 0.9 * uniform, "prior NLL {first:.1} (first 5 steps) to {last:.1} (last 20); uniform {uniform:.1}");

    // The bound on the test images: finite and below 0, both its parts being log-probabilities of
    // discrete outcomes (a code map, a binary image).
    let test = &data.test.pixels[..50 * d];
    let bound = family.log_bound(test, 50).unwrap();
    assert!(bound.iter().all(|&b| b.is_finite() && b < 0.0), "{bound:?}");
    let Samples::Images(samples) = family.sample(4, 1, None).unwrap() else { panic!("images") };
    assert!(samples.pixels.iter().all(|p| (0.0..=1.0).contains(p)));
    let closed = family.close_usage_window();
    assert_eq!(closed.vectors, usage.vectors);
    assert_eq!(family.usage().vectors, 0, "a new window opens");
    assert_eq!(family.perplexity_history().len(), 1);
}

fn genlab() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_genlab"));
    cmd.arg("--device").arg("cpu");
    cmd
}

#[test]
fn genlab_trains_then_samples_a_vqvae() {
    let out = temp_dir("cli");
    let small = ["--hidden", "16", "--latent-dim", "4", "--codebook", "16", "--channels", "16", "--layers", "1"];
    let train = |extra: &[&str], out: &std::path::Path| {
        let mut cmd = genlab();
        cmd.args(["train", "--family", "vqvae", "--dataset", "mnist", "--steps", "30", "--batch-size", "16"]);
        cmd.args(extra).arg("--out").arg(out).arg("--data-dir").arg(mnist_dir()).output().unwrap()
    };
    let first: Vec<&str> = small.iter().copied().chain(["--autoencoder-steps", "20"]).collect();
    let run = train(&first, &out);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(stderr.contains("VQ-VAE 28×28"), "the model is described: {stderr}");
    let csv = std::fs::read_to_string(out.join("losses.csv")).unwrap();
    let header = "step,reconstruction (nats/image),quantisation error (EMA codebook),commitment (β-weighted),code perplexity,\
                  prior NLL (nats/code map),stage,codes restarted (total)\n";
    assert!(csv.starts_with(header), "{csv}");
    assert_eq!(csv.lines().count(), 31, "a row a step, through both stages");
    for file in ["samples.png", "autoencoder.bpk", "prior.bpk", "config.json", "progress.json"] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("config.json")).unwrap()).unwrap();
    assert_eq!(json["config"]["progress"], serde_json::json!({ "stage": "prior", "autoencoder": 20, "prior": 10, "restarts": 0 }));

    let png = out.join("more.png");
    let run = genlab().args(["sample", "--n", "4", "--seed", "3", "--checkpoint"]).arg(&out).arg("--out").arg(&png).output().unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let img = image::open(&png).unwrap();
    // A 2×2 grid of 28-pixel images with 1-pixel gaps, scaled 3× (as the DBN's test reads it).
    assert_eq!((img.width(), img.height()), ((2 * 29 + 1) * 3, (2 * 29 + 1) * 3));

    // A codebook outside 16-512, and a flag the family does not take, are refused by name.
    let refused = train(&["--codebook", "8"], &out.with_extension("small"));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && stderr.contains("--codebook") && stderr.contains("at least 16"), "{stderr}");
    let refused = train(&["--restart-every", "100001"], &out.with_extension("restarts"));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && stderr.contains("--restart-every") && stderr.contains("100000"), "{stderr}");
    let refused = train(&["--timesteps", "10"], &out.with_extension("timesteps"));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && stderr.contains("--timesteps") && stderr.contains("--codebook"), "{stderr}");
    let _ = std::fs::remove_dir_all(&out);
}

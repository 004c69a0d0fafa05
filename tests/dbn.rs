//! The deep belief network (Hinton, Osindero & Teh 2006) against a 6-4-3 stack worked by hand:
//! each layer's free energy is its RBM's energy marginalised over every hidden state, for the
//! binary states of its units and for the probabilities the layer below gives it; the data the
//! second RBM trains on is σ(x W₁ + c₁) of the binarized batch, and its update is the RBM
//! family's CD update on exactly that; the greedy schedule trains one layer at a time and never
//! touches a frozen one again; a higher layer's filters are the columns of W₁·W₂; checkpoints
//! keep every layer and the schedule; `genlab train --family dbn` then `genlab sample` work.

use std::process::Command;

use burn::prelude::*;
use genlab::models::dbn::{DbnConfig, DbnFamily};
use genlab::models::load_family;
use genlab::models::rbm::{cd_update, free_energy};
use genlab::train::{Batch, Family, KnobValue, Samples};
use genlab::views::Model;
use genlab::views::stack::{LayerState, StackView};

mod common;
use common::mnist_dir;

/// One RBM of the hand-made stack: W [V][H], b [V], c [H].
struct Layer {
    w: Vec<Vec<f64>>,
    b: Vec<f64>,
    c: Vec<f64>,
}

/// The 6-4-3 stack: small enough to enumerate every state of every layer. The values are
/// arbitrary, of both signs, and no two alike.
fn layers() -> [Layer; 2] {
    let first = Layer {
        w: (0..6).map(|i| (0..4).map(|j| ((i * 4 + j) % 7) as f64 * 0.2 - 0.6 + 0.01 * i as f64).collect()).collect(),
        b: (0..6).map(|i| 0.1 * i as f64 - 0.25).collect(),
        c: (0..4).map(|j| 0.15 - 0.1 * j as f64).collect(),
    };
    let second = Layer {
        w: (0..4).map(|i| (0..3).map(|j| ((i * 3 + j) % 5) as f64 * 0.3 - 0.6 + 0.02 * j as f64).collect()).collect(),
        b: (0..4).map(|i| 0.1 * i as f64 - 0.2).collect(),
        c: (0..3).map(|j| 0.05 * j as f64 - 0.05).collect(),
    };
    [first, second]
}

fn config(persistent: bool, steps_per_layer: usize) -> DbnConfig {
    DbnConfig { width: 3, height: 2, hidden: vec![4, 3], steps_per_layer, k: 1, persistent, learning_rate: 0.1 }
}

/// The stack above as a DBN.
fn machine(persistent: bool, steps_per_layer: usize) -> DbnFamily {
    let flat = |l: &Layer| -> (Vec<f32>, Vec<f32>, Vec<f32>) {
        let w = l.w.iter().flatten().map(|&x| x as f32).collect();
        (w, l.b.iter().map(|&x| x as f32).collect(), l.c.iter().map(|&x| x as f32).collect())
    };
    let parameters = layers().iter().map(flat).collect();
    DbnFamily::from_parameters(config(persistent, steps_per_layer), parameters, &Device::flex()).unwrap()
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// E(v, h) = −bᵀv − cᵀh − vᵀWh.
fn energy(layer: &Layer, v: &[f64], h: &[f64]) -> f64 {
    let mut e = -v.iter().zip(&layer.b).map(|(x, b)| x * b).sum::<f64>() - h.iter().zip(&layer.c).map(|(x, c)| x * c).sum::<f64>();
    for (i, vi) in v.iter().enumerate() {
        for (j, hj) in h.iter().enumerate() {
            e -= vi * layer.w[i][j] * hj;
        }
    }
    e
}

/// Every binary state of `n` units, state k having unit i = bit i of k.
fn states(n: usize) -> Vec<Vec<f64>> {
    (0..1usize << n).map(|k| (0..n).map(|i| ((k >> i) & 1) as f64).collect()).collect()
}

/// p(h = 1 | v) = σ(c + vW), written out.
fn up_by_hand(layer: &Layer, v: &[f64]) -> Vec<f64> {
    (0..layer.c.len()).map(|j| sigmoid(layer.c[j] + v.iter().enumerate().map(|(i, x)| x * layer.w[i][j]).sum::<f64>())).collect()
}

fn tensor(rows: &[Vec<f64>]) -> Tensor<2> {
    let values: Vec<f32> = rows.iter().flatten().map(|&x| x as f32).collect();
    Tensor::from_data(TensorData::new(values, [rows.len(), rows[0].len()]), &Device::flex())
}

fn read<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.try_into_vec_as::<f32>().unwrap()
}

/// Uniform draws handed out in order, each of the shape asked for.
fn fixed_draws(draws: Vec<Vec<f64>>) -> impl FnMut([usize; 2]) -> Tensor<2> {
    let mut draws = draws.into_iter();
    move |shape| {
        let values: Vec<f32> = draws.next().expect("a draw").into_iter().map(|v| v as f32).collect();
        assert_eq!(values.len(), shape[0] * shape[1], "a draw of shape {shape:?}");
        Tensor::from_data(TensorData::new(values, shape), &Device::flex())
    }
}

fn images(family: &mut DbnFamily, batch: &[f32], n: usize, steps: usize) -> Vec<Vec<(String, f64)>> {
    let labels = vec![0u8; n];
    (0..steps).map(|_| family.train_step(&Batch { x: batch, n, dims: &[1, 2, 3], labels: &labels }).unwrap()).collect()
}

/// Eight 6-pixel images: the top row, the bottom row, the left column pair, and so on.
fn patterns() -> Vec<f32> {
    let rows: [[f32; 6]; 4] = [[1., 1., 1., 0., 0., 0.], [0., 0., 0., 1., 1., 1.], [1., 1., 0., 1., 1., 0.], [0., 1., 1., 0., 1., 1.]];
    (0..8).flat_map(|k| rows[k % 4]).collect()
}

#[test]
fn each_layers_free_energy_is_its_energy_marginalised_over_the_hidden_states() {
    let family = machine(true, 10);
    let stack = family.machines();
    let layers = layers();
    for (l, layer) in layers.iter().enumerate() {
        let (v, h) = (layer.b.len(), layer.c.len());
        // Every binary state of the layer's visible units; for layer 2 also the real-valued
        // data it trains on, p(x₁ = 1 | x₀) of every 6-pixel image: F(v) = −log Σ_h e^{−E(v, h)}
        // holds for any v.
        let mut vs = states(v);
        if l == 1 {
            vs.extend(states(6).iter().map(|x| up_by_hand(&layers[0], x)));
        }
        let f = read(free_energy(&stack.layers[l], tensor(&vs)));
        for (k, state) in vs.iter().enumerate() {
            let terms: Vec<f64> = states(h).iter().map(|hs| -energy(layer, state, hs)).collect();
            let max = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let brute = -(max + terms.iter().map(|t| (t - max).exp()).sum::<f64>().ln());
            assert!((f[k] as f64 - brute).abs() < 1e-4, "layer {}, v = {state:?}: F = {}, −log Σ_h e^−E = {brute}", l + 1, f[k]);
        }
    }
}

#[test]
fn the_second_layer_trains_on_the_first_layers_probabilities_of_the_batch() {
    let mut family = machine(false, 10);
    // Grey values: binarized at 0.5 before anything sees them.
    let x: Vec<f32> = vec![0.9, 0.2, 0.7, 0.4, 1.0, 0.0, 0.1, 0.6, 0.3, 0.8, 0.5, 0.55, 1.0, 1.0, 0.0, 0.0, 1.0, 0.51];
    let binary: Vec<Vec<f64>> = x.chunks(6).map(|r| r.iter().map(|&p| if p > 0.5 { 1.0 } else { 0.0 }).collect()).collect();
    assert_eq!(family.layer_data(&x, 3).unwrap(), binary.iter().flatten().map(|&p| p as f32).collect::<Vec<_>>(), "layer 1: the pixels");
    assert!(family.move_to_next_layer());
    let data = family.layer_data(&x, 3).unwrap();
    let by_hand: Vec<Vec<f64>> = binary.iter().map(|v| up_by_hand(&layers()[0], v)).collect();
    assert_eq!(data.len(), 3 * 4, "3 images × 4 units of layer 1");
    for (k, (got, want)) in data.iter().zip(by_hand.iter().flatten()).enumerate() {
        assert!((*got as f64 - want).abs() < 1e-6, "image {}, unit {}: {got} vs σ(c₁ + x W₁) = {want}", k / 4, k % 4);
    }

    // One update of layer 2 from the images equals the RBM family's CD-1 update on the
    // hand-computed data, with the same draws: h₀ (3 × 3), then v₁ (3 × 4).
    let draws = vec![vec![0.3, 0.9, 0.5, 0.6, 0.2, 0.7, 0.1, 0.8, 0.4], vec![0.5, 0.5, 0.1, 0.9, 0.2, 0.7, 0.6, 0.3, 0.8, 0.4, 0.95, 0.05]];
    let x0: Vec<f32> = binary.iter().flatten().map(|&p| p as f32).collect();
    let x0 = Tensor::<2>::from_data(TensorData::new(x0, [3, 6]), &Device::flex());
    let stack = family.machines();
    let (seen, step) = stack.update_layer(1, x0, None, 1, 0.1, &mut fixed_draws(draws.clone()));
    let reference = cd_update(&stack.layers[1], tensor(&by_hand), None, 1, 0.1, &mut fixed_draws(draws));
    assert_eq!(seen.dims(), [3, 4]);
    let (w, w_ref) = (read(step.rbm.weights.val()), read(reference.rbm.weights.val()));
    assert!(w.iter().zip(&w_ref).all(|(a, b)| (a - b).abs() < 1e-6), "{w:?} vs {w_ref:?}");
    let (c, c_ref) = (read(step.rbm.hidden_bias.val()), read(reference.rbm.hidden_bias.val()));
    assert!(c.iter().zip(&c_ref).all(|(a, b)| (a - b).abs() < 1e-6), "{c:?} vs {c_ref:?}");
    assert_ne!(w, read(stack.layers[1].weights.val()), "the update moved W₂");
}

#[test]
fn greedy_training_freezes_each_layer_once_the_next_one_starts() {
    let mut family = machine(true, 5);
    let x = patterns();
    let parameters = |f: &DbnFamily, l: usize| {
        let rbm = &f.machines().layers[l];
        [read(rbm.weights.val()), read(rbm.visible_bias.val()), read(rbm.hidden_bias.val())]
    };
    let initial_top = parameters(&family, 1);
    let first = images(&mut family, &x, 8, 5);
    assert!(first.iter().all(|terms| terms[2] == ("layer in training".to_string(), 1.0)), "{first:?}");
    assert_eq!(parameters(&family, 1), initial_top, "layer 2 waits while layer 1 trains");
    let trained = parameters(&family, 0);
    assert_eq!(family.layer_status().iter().map(|l| l.state).collect::<Vec<_>>(), [LayerState::Training, LayerState::Waiting]);

    let second = images(&mut family, &x, 8, 5);
    assert!(second.iter().all(|terms| terms[2].1 == 2.0 && terms.iter().all(|t| t.1.is_finite())), "{second:?}");
    assert_eq!(parameters(&family, 0), trained, "layer 1's W, b and c are bit for bit what they were");
    assert_ne!(parameters(&family, 1), initial_top, "layer 2 trained");
    assert_eq!((family.greedy().layer, family.greedy().steps.clone()), (1, vec![5, 5]));
    assert_eq!(family.layer_status().iter().map(|l| l.state).collect::<Vec<_>>(), [LayerState::Trained, LayerState::Training]);

    // The top layer keeps training past its turn; fewer updates per layer never goes back down.
    family.set_knob("steps_per_layer", KnobValue::Whole(1)).unwrap();
    images(&mut family, &x, 8, 2);
    assert_eq!((family.greedy().layer, family.greedy().steps.clone()), (1, vec![5, 7]));
    assert_eq!(parameters(&family, 0), trained);
    assert!(family.stack().unwrap().next_layer().is_err(), "there is no layer above the top");
}

#[test]
fn a_higher_layers_filters_are_the_columns_of_w1_w2_and_the_views_are_reproducible() {
    let mut family = machine(true, 10);
    let layers = layers();
    let filters = family.layer_filters(1, 2).unwrap();
    assert_eq!((filters.n, filters.width, filters.height), (2, 3, 2));
    for j in 0..2 {
        // Column j of W₁·W₂, on its own symmetric scale: 0.5 + 0.5 x / max |x|.
        let column: Vec<f64> = (0..6).map(|i| (0..4).map(|m| layers[0].w[i][m] * layers[1].w[m][j]).sum()).collect();
        let scale = column.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        for (i, x) in column.iter().enumerate() {
            let want = 0.5 + 0.5 * x / scale;
            assert!((filters.image(j)[i] as f64 - want).abs() < 1e-5, "unit {j}, pixel {i}: {} vs {want}", filters.image(j)[i]);
        }
    }
    assert_eq!(family.layer_filters(0, 8).unwrap().n, 4, "at most the layer's units");
    assert!(family.layer_filters(2, 1).is_err() && family.sample_at_depth(2, 1, 0).is_err(), "a 2-RBM stack has layers 0 and 1");

    // Samples from either depth and Gibbs chains: the same seed, the same images.
    for top in 0..2 {
        let a = family.sample_at_depth(top, 4, 7).unwrap();
        assert_eq!((a.n, a.pixels.len()), (4, 24));
        assert!(a.pixels.iter().all(|p| (0.0..=1.0).contains(p)));
        assert_eq!(a, family.sample_at_depth(top, 4, 7).unwrap());
    }
    family.move_to_next_layer();
    let view = family.gibbs().unwrap();
    let chain = view.gibbs_chain(None, 4, 20, 5, 9).unwrap();
    assert_eq!(chain.len(), 5, "the start and every 5th of 20 steps");
    assert_eq!(chain, view.gibbs_chain(None, 4, 20, 5, 9).unwrap());
    let x = patterns();
    assert_eq!(view.gibbs_chain(Some(&x[..24]), 4, 3, 1, 9).unwrap().len(), 4);
    assert_eq!(family.sample(5, 3, None).unwrap(), family.sample(5, 3, None).unwrap());
}

#[test]
fn checkpoints_keep_every_layer_and_where_training_stands() {
    let config = DbnConfig { width: 4, height: 4, hidden: vec![8, 4], steps_per_layer: 3, ..DbnConfig::default() };
    let mut family = DbnFamily::new(config, &Device::flex(), 5).unwrap();
    let x: Vec<f32> =
        (0..16).flat_map(|k| (0..16).map(move |p| if (k % 2 == 0 && p % 4 < 2) || (k % 2 == 1 && p < 8) { 1.0 } else { 0.0 })).collect();
    let labels = vec![0u8; 16];
    for _ in 0..5 {
        family.train_step(&Batch { x: &x, n: 16, dims: &[1, 4, 4], labels: &labels }).unwrap();
    }
    assert_eq!((family.greedy().layer, family.greedy().steps.clone()), (1, vec![3, 2]));
    let dir = std::env::temp_dir().join(format!("genlab-test-dbn-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    family.save(&dir).unwrap();
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("config.json")).unwrap()).unwrap();
    assert_eq!(json["family"], "dbn");
    assert_eq!(json["config"]["greedy"], serde_json::json!({ "layer": 1, "steps": [3, 2] }));
    assert_eq!(json["config"]["hidden"], serde_json::json!([8, 4]));

    let mut loaded = load_family(&dir, &Device::flex()).unwrap();
    assert_eq!(loaded.family_name(), "dbn");
    assert_eq!(loaded.sample(6, 11, None).unwrap(), family.sample(6, 11, None).unwrap());
    let Samples::Images(batch) = loaded.sample(6, 11, None).unwrap() else { panic!("images") };
    assert_eq!((batch.n, batch.width, batch.height), (6, 4, 4));
    let layers = loaded.stack().unwrap().layer_status();
    assert_eq!(layers.iter().map(|l| (l.state, l.steps)).collect::<Vec<_>>(), [(LayerState::Trained, 3), (LayerState::Training, 2)]);
    let again = DbnFamily::load(&dir, &Device::flex()).unwrap();
    for l in 0..2 {
        let (a, b) = (&again.machines().layers[l], &family.machines().layers[l]);
        assert_eq!(read(a.weights.val()), read(b.weights.val()), "layer {}'s W", l + 1);
        assert_eq!(read(a.hidden_bias.val()), read(b.hidden_bias.val()), "layer {}'s c", l + 1);
    }

    // A schedule that does not fit the stack is refused, naming the file and the field.
    for greedy in
        [serde_json::json!({ "layer": 2, "steps": [3, 2] }), serde_json::json!({ "layer": 0, "steps": [3] }), serde_json::json!("x")]
    {
        let mut edited = json.clone();
        edited["config"]["greedy"] = greedy.clone();
        std::fs::write(dir.join("config.json"), serde_json::to_vec(&edited).unwrap()).unwrap();
        let err = load_family(&dir, &Device::flex()).err().unwrap_or_else(|| panic!("{greedy} was taken"));
        assert!(err.contains("config.json") && err.contains("greedy"), "{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn genlab_train_then_sample() {
    let out = std::env::temp_dir().join(format!("genlab-cli-dbn-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let genlab = || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_genlab"));
        cmd.arg("--device").arg("cpu");
        cmd
    };
    let train = |extra: &[&str], out: &std::path::Path| {
        let mut cmd = genlab();
        cmd.args(["train", "--family", "dbn", "--dataset", "mnist", "--steps", "20", "--batch-size", "16", "--hidden", "16"]);
        cmd.args(extra).arg("--out").arg(out).arg("--data-dir").arg(mnist_dir()).output().unwrap()
    };
    let status = train(&["--layers", "2"], &out);
    let stderr = String::from_utf8_lossy(&status.stderr);
    assert!(status.status.success(), "{stderr}");
    assert!(stderr.contains("binarized at 0.5") && stderr.contains("784-16-16"), "{stderr}");
    let csv = std::fs::read_to_string(out.join("losses.csv")).unwrap();
    assert!(csv.starts_with("step,reconstruction error per unit,free-energy gap F(data) − F(chains),layer in training\n"), "{csv}");
    assert_eq!(csv.lines().count(), 21);
    for file in ["samples.png", "model.bpk", "config.json", "progress.json"] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("config.json")).unwrap()).unwrap();
    assert_eq!(json["config"]["greedy"], serde_json::json!({ "layer": 0, "steps": [20, 0] }), "20 steps of the first layer's 2,000");

    let png = out.join("more.png");
    let status = genlab().args(["sample", "--n", "4", "--seed", "3", "--checkpoint"]).arg(&out).arg("--out").arg(&png).output().unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let img = image::open(&png).unwrap();
    // 2×2 grid of 28-pixel images with 1-pixel gaps, scaled 3×.
    assert_eq!((img.width(), img.height()), ((2 * 29 + 1) * 3, (2 * 29 + 1) * 3));

    // A stack the family does not build, and a flag it does not take, are refused by name.
    let refused = train(&["--layers", "9"], &out.with_extension("nine"));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && stderr.contains("--layers") && stderr.contains("at most 4"), "{stderr}");
    let refused = train(&["--latent-dim", "4"], &out.with_extension("latent"));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && stderr.contains("--latent-dim") && stderr.contains("--layers"), "{stderr}");
    let _ = std::fs::remove_dir_all(&out);
}

//! The character model: causality (no output depends on a later token), the loss falls below
//! the corpus' unigram entropy in a short run, seeded generation is reproducible, checkpoints
//! round-trip, and bad text files get a message that names them.

use std::sync::Arc;
use std::time::Duration;

use burn::prelude::*;
use genlab::data::text::{TextData, builtin_corpus, load_text_file};
use genlab::models::charlm::model::one_hot_tokens;
use genlab::models::charlm::{CharLmConfig, CharLmFamily, SamplingSettings};
use genlab::models::load_family;
use genlab::rng::Rng;
use genlab::train::{Batch, Command, Event, Family, KnobValue, Samples, TrainData, WorkerOptions, spawn};
use genlab::views::Model;

fn tiny(vocab: Vec<char>) -> CharLmConfig {
    CharLmConfig { vocab, block_size: 8, d_model: 16, heads: 2, layers: 2, ..CharLmConfig::default() }
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("genlab-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn no_prediction_depends_on_a_later_token() {
    let family = CharLmFamily::new(tiny("abcde".chars().collect()), &Device::flex(), 3).unwrap();
    let device = family.training_device().clone();
    let net = family.network().unwrap();
    let (t, v) = (8, 5);
    let ids: Vec<u32> = (0..t as u32).map(|i| (i * 3 + 1) % v as u32).collect();
    let x = one_hot_tokens(&ids, 1, t, v, &device).require_grad();
    // A fixed random projection of each position's logits, so every logit takes part.
    let mut rng = Rng::new(5);
    let r =
        Tensor::<3>::from_data(TensorData::new((0..t * v).map(|_| rng.range(-1.0, 1.0) as f32).collect::<Vec<_>>(), [1, t, v]), &device);
    for i in 0..t {
        let out = net.forward(x.clone()).logits * r.clone();
        let grads = out.slice([0..1, i..i + 1, 0..v]).sum().backward();
        let g = x.grad(&grads).expect("a gradient for the input").try_into_vec_as::<f32>().unwrap(); // [1, T, V]
        for j in i + 1..t {
            assert!(g[j * v..(j + 1) * v].iter().all(|&gj| gj == 0.0), "position {i} depends on the later position {j}");
        }
        for j in 0..=i {
            assert!(g[j * v..(j + 1) * v].iter().any(|&gj| gj != 0.0), "position {i} ignores position {j}");
        }
    }
}

#[test]
fn attention_rows_sum_to_one_and_never_look_ahead() {
    let mut family = CharLmFamily::new(tiny("abcde".chars().collect()), &Device::flex(), 3).unwrap();
    let view = family.tokens().unwrap();
    let next = view.next_token(&[0, 1, 2, 3, 4, 0]).unwrap();
    assert_eq!(next.logits.len(), 5);
    assert_eq!(next.attention.len(), 2);
    for layer in &next.attention {
        assert_eq!(layer.len(), 2);
        for head in layer {
            for i in 0..6 {
                let row = &head[i * 6..(i + 1) * 6];
                assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
                assert!(row[i + 1..].iter().all(|&w| w == 0.0), "row {i} attends to the future: {row:?}");
            }
        }
    }
    // Longer contexts are cropped to the block size.
    let next = view.next_token(&[1; 20]).unwrap();
    assert_eq!(next.context.len(), 8);
}

#[test]
fn loss_falls_below_the_unigram_entropy_in_a_short_run() {
    let text = Arc::new(builtin_corpus());
    // assets/text/README.md: 3.3128 nats/char over the whole file (the training split here).
    let unigram = text.unigram_entropy();
    assert!((unigram - 3.31).abs() < 0.02, "{unigram}");
    let config = CharLmConfig {
        vocab: text.vocab.clone(),
        block_size: 32,
        d_model: 64,
        heads: 4,
        layers: 2,
        learning_rate: 3e-3,
        ..CharLmConfig::default()
    };
    let family = CharLmFamily::new(config, &Device::flex(), 0).unwrap();
    let device = Device::flex();
    let family: Box<dyn Model> = Box::new(family);
    let worker = spawn(
        family,
        TrainData::Text { text: text.clone(), window: 33 },
        WorkerOptions { batch_size: 32, ..WorkerOptions::default() },
        Box::new(move |d| load_family(d, &device)),
        None,
    );
    worker.send(Command::Step(250));
    let mut last = Vec::new();
    loop {
        match worker.recv_timeout(Duration::from_secs(120)).expect("the worker answers") {
            Event::Losses { terms, .. } => {
                assert_eq!(terms[0].0, "cross-entropy (nats/char)");
                last.push(terms[0].1);
            }
            Event::Paused { reason: None } => break,
            Event::Error(e) | Event::Paused { reason: Some(e) } => panic!("{e}"),
            _ => {}
        }
    }
    let end = last[last.len() - 20..].iter().sum::<f64>() / 20.0;
    assert!(end < unigram - 0.3, "after 250 steps the loss is {end:.3} nats/char, the unigram entropy {unigram:.3}");
    // The held-out text agrees.
    worker.send(Command::Ask(genlab::views::likelihood::likelihood(32, 1)));
    loop {
        match worker.recv_timeout(Duration::from_secs(120)).expect("the worker answers") {
            Event::Answer(answer) => {
                let rows = answer.downcast::<genlab::views::likelihood::Likelihoods>().expect("a likelihood").rows;
                assert!(rows[0].exact && rows[0].nll_nats < unigram, "{rows:?}");
                assert_eq!(rows[0].examples, 32 * 32);
                break;
            }
            Event::Error(e) => panic!("{e}"),
            _ => {}
        }
    }
    worker.stop();
}

#[test]
fn seeded_generation_is_reproducible_and_checkpoints_round_trip() {
    let text = TextData::from_text(&"the cat sat on the mat. ".repeat(60), "test").unwrap();
    let mut family = CharLmFamily::new(tiny(text.vocab.clone()), &Device::flex(), 1).unwrap();
    let x: Vec<f32> = text.train[..4 * 9].iter().map(|&t| t as f32).collect();
    for _ in 0..5 {
        family.train_step(&Batch { x: &x, n: 4, dims: &[9], labels: &[0; 4] }).unwrap();
    }
    family.set_knob("sample_length", KnobValue::Whole(40)).unwrap();
    let a = family.sample(2, 7, None).unwrap();
    assert_eq!(a, family.sample(2, 7, None).unwrap());
    assert_ne!(a, family.sample(2, 8, None).unwrap());
    let Samples::Text(texts) = &a else { panic!("text") };
    assert!(texts.iter().all(|t| t.chars().count() == 40));
    let settings = SamplingSettings { temperature: 0.7, top_k: 3, top_p: 0.9 };
    let view = family.tokens().unwrap();
    let drawn = view.generate(&[1, 2], 30, &settings, 4).unwrap();
    assert_eq!(drawn, view.generate(&[1, 2], 30, &settings, 4).unwrap());
    assert!(drawn.iter().all(|d| d.probability > 0.0 && d.probability <= 1.0));

    let dir = temp_dir("charlm");
    family.save(&dir).unwrap();
    let mut loaded = load_family(&dir, &Device::flex()).unwrap();
    assert_eq!(loaded.family_name(), "charlm");
    assert_eq!(loaded.tokens().unwrap().vocab(), text.vocab);
    assert_eq!(loaded.sample(2, 7, None).unwrap(), a, "the sampling settings and length travel with the checkpoint");
    let before = family.tokens().unwrap().next_token(&[3, 1, 4]).unwrap();
    assert_eq!(loaded.tokens().unwrap().next_token(&[3, 1, 4]).unwrap(), before);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_text_files_are_explained() {
    let dir = temp_dir("charlm-files");
    let cases: [(&str, &[u8], &str); 4] = [
        ("empty.txt", b"", "the file is empty"),
        ("binary.txt", b"PK\x03\x04\x00\x00abc", "binary"),
        ("latin1.txt", b"caf\xe9 au lait, encore un caf\xe9", "not UTF-8"),
        ("short.txt", b"just a few words", "at least 1000"),
    ];
    for (name, bytes, expected) in cases {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        let err = load_text_file(&path).unwrap_err();
        assert!(err.contains(name) && err.contains(expected), "{name}: {err}");
    }
    let missing = load_text_file(&dir.join("missing.txt")).unwrap_err();
    assert!(missing.contains("missing.txt") && missing.contains("cannot read"), "{missing}");
    let ok = dir.join("ok.txt");
    std::fs::write(&ok, "Ünïcödé text, twice over. ".repeat(60).replace(". ", ".\r\n")).unwrap();
    let text = load_text_file(&ok).unwrap();
    assert!(text.vocab.contains(&'Ü') && !text.vocab.contains(&'\r'));
    let _ = std::fs::remove_dir_all(&dir);
}

//! Hostile inputs (issue 17): random and mutated bytes thrown at every reader of a user's
//! files — IDX (raw and gzip), text, feature CSV, a checkpoint's config.json and model.bpk.
//! Each must return a value or an error, never panic, and a returned value must be
//! consistent (an IDX array as long as its dimensions say, finite features, tokens inside the
//! vocabulary).
//!
//! Bounded memory: inputs whose header or size claims far more than they hold must be refused
//! without the allocation being tried. A failed allocation aborts the whole test process (it
//! is not a panic that `catch_unwind` could catch), so those tests returning at all is the
//! check; for the gzip bomb, where inflating would succeed on a large machine, the rise of the
//! process's peak resident memory is measured too (Linux).
//!
//! No proptest: a dependency costs build time on the 2-core CI machine. Each case draws from
//! genlab's own seeded `Rng`, one seed per case, and a failure lists the seeds that panicked
//! so that a case can be replayed.

use std::io::Write as _;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};

use burn::tensor::Device;
use genlab::data::idx::{encode_idx, parse_idx, read_idx};
use genlab::data::text::{MAX_VOCAB, TextData, load_text_file};
use genlab::limits::files::IDX_BYTES;
use genlab::metrics::Features;
use genlab::models::load_family;
use genlab::models::vae::{VaeConfig, VaeFamily};
use genlab::rng::Rng;
use genlab::train::Family;
use serde_json::{Value, json};

/// Runs `case` with `Rng::new(seed)` for seeds `0..cases`, then fails naming every seed whose
/// case panicked (in the reader, or in a check of what it returned).
fn never_panics(reader: &str, cases: u64, mut case: impl FnMut(&mut Rng)) {
    let mut panicked = Vec::new();
    for seed in 0..cases {
        if std::panic::catch_unwind(AssertUnwindSafe(|| case(&mut Rng::new(seed)))).is_err() {
            panicked.push(seed);
        }
    }
    assert!(panicked.is_empty(), "{reader} panicked on {} of {cases} cases, seeds {panicked:?}", panicked.len());
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("genlab-hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn random_bytes(rng: &mut Rng, max_len: usize) -> Vec<u8> {
    let n = rng.below(max_len + 1);
    (0..n).map(|_| rng.next_u64() as u8).collect()
}

/// 1–4 random edits: a bit flipped, a byte replaced, a 32-bit field (either byte order) set to
/// an extreme as a size in a header would be, the end cut off, a run deleted, bytes appended.
fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(4) {
        let len = bytes.len();
        match rng.below(6) {
            0 if len > 0 => {
                let i = rng.below(len);
                bytes[i] ^= 1u8 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                bytes[i] = rng.next_u64() as u8;
            }
            2 if len >= 4 => {
                let i = rng.below(len - 3);
                let v = [u32::MAX, 0x8000_0000, 0x7FFF_FFFF, 0x0001_0000, 0, 1][rng.below(6)];
                let field = if rng.below(2) == 0 { v.to_be_bytes() } else { v.to_le_bytes() };
                bytes[i..i + 4].copy_from_slice(&field);
            }
            3 => bytes.truncate(rng.below(len + 1)),
            4 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below(len - i);
                bytes.drain(i..i + n).for_each(drop);
            }
            _ => {
                let n = 1 + rng.below(64);
                bytes.extend((0..n).map(|_| rng.next_u64() as u8));
            }
        }
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

// ---------------------------------------------------------------------------------------------
// IDX, raw and gzip

#[test]
fn the_idx_reader_never_panics_on_mutated_or_random_bytes() {
    never_panics("parse_idx", 600, |rng| {
        let ndim = 1 + rng.below(3);
        let dims: Vec<usize> = (0..ndim).map(|_| rng.below(6)).collect();
        let data: Vec<u8> = (0..dims.iter().product::<usize>()).map(|_| rng.next_u64() as u8).collect();
        let mut bytes = encode_idx(&dims, &data);
        match rng.below(4) {
            // The IDX bytes themselves, mutated.
            0 => mutate(rng, &mut bytes),
            // Mutated IDX inside a sound gzip stream.
            1 => {
                mutate(rng, &mut bytes);
                bytes = gzip(&bytes);
            }
            // A sound IDX in a mutated gzip stream (header, deflate blocks, CRC, length).
            2 => {
                bytes = gzip(&bytes);
                mutate(rng, &mut bytes);
            }
            // Noise, half of it behind the gzip magic number.
            _ => {
                let noise = random_bytes(rng, 64);
                bytes = if rng.below(2) == 0 { [&[0x1f_u8, 0x8b][..], noise.as_slice()].concat() } else { noise };
            }
        }
        let expected = 1 + rng.below(3);
        if let Ok(array) = parse_idx(&bytes, expected) {
            assert_eq!(array.dims.len(), expected);
            assert_eq!(array.dims.iter().product::<usize>(), array.data.len(), "dimensions {:?}", array.dims);
        }
    });
}

#[test]
fn idx_headers_claiming_huge_arrays_are_refused() {
    // Each header claims from 47 MB (full MNIST's training images) to 2^96 bytes and is
    // followed by 3 bytes; raw or gzip-wrapped, the reader must say so without allocating the claim.
    let claims: [[usize; 3]; 4] = [[u32::MAX as usize; 3], [1 << 16, 1 << 16, 1 << 16], [1 << 15, 1 << 8, 1 << 8], [60_000, 28, 28]];
    for dims in claims {
        let file = encode_idx(&dims, &[1, 2, 3]);
        for (bytes, form) in [(file.clone(), "raw"), (gzip(&file), "gzip")] {
            assert!(parse_idx(&bytes, 3).is_err(), "{form} IDX claiming {dims:?} was accepted");
        }
    }
}

/// Bits into bytes, least significant bit first (RFC 1951 §3.1.1).
struct BitWriter {
    out: Vec<u8>,
    acc: u32,
    used: u32,
}

impl BitWriter {
    fn bits(&mut self, value: u32, count: u32) {
        self.acc |= value << self.used;
        self.used += count;
        while self.used >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.used -= 8;
        }
    }

    /// A Huffman code: deflate packs codes from their most significant bit (§3.1.1).
    fn code(&mut self, code: u32, len: u32) {
        self.bits(code.reverse_bits() >> (32 - len), len);
    }

    /// A literal byte in the fixed code of RFC 1951 §3.2.6: 0–143 in 8 bits from 0x30,
    /// 144–255 in 9 bits from 0x190.
    fn literal(&mut self, byte: u8) {
        if byte <= 143 { self.code(0x30 + byte as u32, 8) } else { self.code(0x190 + byte as u32 - 144, 9) }
    }
}

/// A gzip file that inflates to `prefix` and then `zeros` zero bytes: one fixed-Huffman block
/// of back-references of length 258 at distance 1 (symbol 285 in 8 bits, distance code 0 in
/// 5), so 13 bits per 258 bytes. The CRC and length trailer are left zero: a reader that
/// inflates the stream to its end finds them wrong, one that stops at its cap never gets there.
/// (Checked against Python's zlib: `decompressobj(-15)` of the deflate part gives `prefix` and
/// the zeros, nothing more.)
fn gzip_bomb(prefix: &[u8], zeros: u64) -> Vec<u8> {
    // Magic, method 8 (deflate), no flags, no time, no extra flags, unknown OS (RFC 1952 §2.3).
    let mut w = BitWriter { out: vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff], acc: 0, used: 0 };
    w.bits(1, 1); // BFINAL: the only block
    w.bits(1, 2); // BTYPE 01: the fixed codes
    for &b in prefix {
        w.literal(b);
    }
    w.literal(0); // the zero that the first back-reference copies
    for _ in 0..(zeros - 1) / 258 {
        w.code(0xC5, 8); // length 258: symbol 285 = 0xC0 + (285 − 280)
        w.bits(0, 5); // distance 1
    }
    for _ in 0..(zeros - 1) % 258 {
        w.literal(0);
    }
    w.code(0, 7); // end of block: symbol 256
    if w.used > 0 {
        w.out.push(w.acc as u8);
    }
    w.out.extend([0u8; 8]);
    w.out
}

/// The process's peak resident memory (VmHWM in /proc/self/status), bytes; `None` off Linux.
fn peak_resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse::<u64>().ok().map(|kib| kib * 1024)
}

#[test]
fn a_gzip_bomb_is_refused_within_the_idx_cap() {
    // 2 GiB of zeros from 14 MB of gzip, behind the header of full MNIST's 60,000 training
    // images (47 MB). Inflated whole it would hold twice the cap on an inflated IDX file
    // (limits::files::IDX_BYTES, 1 GiB); a reader may stop after the 47 MB its header
    // describes, or at the cap, but no later.
    let header = encode_idx(&[60_000, 28, 28], &[]);
    let bomb = gzip_bomb(&header, 2 << 30);
    assert!(bomb.len() < 16 << 20, "the bomb is {} bytes", bomb.len());
    let before = peak_resident_bytes();
    assert!(parse_idx(&bomb, 3).is_err(), "2 GiB of data is not the 47 MB the header describes");
    match (before, peak_resident_bytes()) {
        (Some(before), Some(after)) => {
            // The cap, and room for what a reader holds beside it (buffers, the decoder).
            let rise = after.saturating_sub(before);
            assert!(
                rise < IDX_BYTES + (768 << 20),
                "reading a 2 GiB gzip bomb raised peak memory by {} MiB; the IDX cap is {} MiB",
                rise >> 20,
                IDX_BYTES >> 20
            );
        }
        _ => eprintln!("peak memory not measured: no /proc/self/status here"),
    }
}

// ---------------------------------------------------------------------------------------------
// Text

/// A random string of one flavour: lowercase letters, printable ASCII with control characters,
/// or any Unicode scalar value.
fn random_text(rng: &mut Rng, max_chars: usize) -> String {
    let n = rng.below(max_chars + 1);
    let flavour = rng.below(4);
    (0..n)
        .map(|_| match (flavour, rng.below(8)) {
            (0, _) => (b'a' + rng.below(26) as u8) as char,
            (1, 0) => char::from_u32(rng.below(0x20) as u32).unwrap_or('\0'),
            (1, _) => (b' ' + rng.below(95) as u8) as char,
            _ => char::from_u32(rng.below(0x11_0000) as u32).unwrap_or('\u{FFFD}'),
        })
        .collect()
}

#[test]
fn text_never_panics_on_random_strings_or_files() {
    never_panics("TextData::from_text", 300, |rng| {
        let text = random_text(rng, 3000);
        if let Ok(data) = TextData::from_text(&text, "random text") {
            assert!(!data.vocab.is_empty() && data.vocab.len() <= MAX_VOCAB, "{} characters", data.vocab.len());
            assert_eq!(data.train.len() + data.test.len(), text.chars().count());
            assert!(data.train.iter().chain(&data.test).all(|&t| (t as usize) < data.vocab.len()));
        }
    });
    let dir = temp_dir("text");
    let corpus = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/text/corpus.txt")).unwrap();
    let path = dir.join("case.txt");
    never_panics("load_text_file", 200, |rng| {
        let mut bytes = match rng.below(3) {
            0 => random_bytes(rng, 4096),
            1 => random_text(rng, 3000).into_bytes(),
            _ => {
                let start = rng.below(corpus.len() - 4000);
                corpus[start..start + 1000 + rng.below(3000)].to_vec()
            }
        };
        mutate(rng, &mut bytes);
        std::fs::write(&path, &bytes).unwrap();
        let _ = load_text_file(&path);
    });
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn files_of_a_terabyte_are_refused_without_reading_them() {
    // A sparse file: 1 TiB long, no disk used. Every reader of a user's file must refuse it by
    // its size (or a capped read), never by trying to hold it.
    let dir = temp_dir("terabyte");
    let path = dir.join("huge.txt");
    let file = std::fs::File::create(&path).unwrap();
    if let Err(e) = file.set_len(1 << 40) {
        eprintln!("skipped: this file system cannot hold a sparse 1 TiB file ({e})");
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    drop(file);
    assert!(load_text_file(&path).is_err(), "text");
    assert!(Features::read_csv(&path).is_err(), "feature CSV");
    assert!(read_idx(&path, 3).is_err(), "IDX");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------------------
// Feature CSV

/// Fields a spreadsheet or a hand-edited file may hold besides ordinary numbers.
const ODD_FIELDS: [&str; 24] = [
    "0",
    "-0",
    "1e308",
    "1e400",
    "-1e400",
    "1e-400",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "infinity",
    "",
    " ",
    "abc",
    "0x10",
    "+3",
    "-",
    ".",
    "\u{feff}1",
    "\"1\"",
    "1_000",
    "١",
    "123456789012345678901234567890",
    "1e",
];

#[test]
fn the_feature_csv_reader_never_panics_on_random_or_mutated_text() {
    never_panics("Features::parse_csv", 500, |rng| {
        let mut text = String::new();
        if rng.below(3) == 0 {
            text.push('\u{feff}'); // a byte-order mark, as spreadsheets write
        }
        if rng.below(2) == 0 {
            text.push_str("f0,f1,f2\n");
        }
        let width = 1 + rng.below(5);
        for _ in 0..rng.below(12) {
            // Now and then a ragged row.
            let n = if rng.below(6) == 0 { rng.below(8) } else { width };
            let row: Vec<String> = (0..n)
                .map(|_| {
                    if rng.below(3) == 0 {
                        ODD_FIELDS[rng.below(ODD_FIELDS.len())].to_string()
                    } else {
                        (rng.normal() * 10f64.powi(rng.below(40) as i32 - 20)).to_string()
                    }
                })
                .collect();
            text += &row.join(",");
            text += ["\n", "\r\n", "\r", ",\n"][rng.below(4)];
        }
        if rng.below(4) == 0 {
            let mut bytes = text.into_bytes();
            mutate(rng, &mut bytes);
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        if let Ok(features) = Features::parse_csv(&text, "random.csv") {
            assert!(!features.is_empty() && features.dim() >= 1);
            assert_eq!(features.data().len(), features.len() * features.dim());
            assert!(features.data().iter().all(|v| v.is_finite()));
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Checkpoints: config.json and model.bpk

/// A tiny VAE checkpoint in `dir` (8×8 images, 8 hidden units): its config file as JSON and
/// its weight file's bytes.
fn tiny_checkpoint(dir: &Path) -> (Value, Vec<u8>) {
    let config = VaeConfig { width: 8, height: 8, hidden: 8, latent_dim: 2, ..VaeConfig::default() };
    let family = VaeFamily::new(config, &Device::flex(), 0).unwrap();
    family.save(dir).unwrap();
    assert!(load_family(dir, &Device::flex()).is_ok(), "the checkpoint as written loads");
    let json: Value = serde_json::from_slice(&std::fs::read(dir.join("config.json")).unwrap()).unwrap();
    (json, std::fs::read(dir.join("model.bpk")).unwrap())
}

fn write_checkpoint(dir: &Path, config: &[u8], weights: &[u8]) {
    std::fs::write(dir.join("config.json"), config).unwrap();
    std::fs::write(dir.join("model.bpk"), weights).unwrap();
}

/// Values a hand-edited or corrupted config may hold: sizes past any memory, negatives,
/// fractions, extremes, NaN and infinity as strings (JSON has no NaN), wrong types.
fn hostile_value(rng: &mut Rng) -> Value {
    let pool = [
        json!(u64::MAX),
        json!(1u64 << 40),
        json!(1u64 << 32),
        json!(u32::MAX),
        json!(-1),
        json!(i64::MIN),
        json!(0),
        json!(0.5),
        json!(-0.0),
        json!(1e308),
        json!(-1e308),
        json!(1e-310),
        json!("NaN"),
        json!("inf"),
        json!("8"),
        json!(""),
        json!(null),
        json!(true),
        json!(false),
        json!([]),
        json!([8, 8]),
        json!({}),
        json!({ "width": 8 }),
    ];
    pool[rng.below(pool.len())].clone()
}

/// 1–3 edits to a checkpoint's config: a field of `config` replaced by a hostile value or
/// deleted, now and then the family name or the whole `config` replaced.
fn mutate_config(rng: &mut Rng, json: &mut Value) {
    for _ in 0..1 + rng.below(3) {
        match rng.below(12) {
            0 => json["family"] = hostile_value(rng),
            1 => json["config"] = hostile_value(rng),
            _ => {
                let Some(config) = json.get_mut("config").and_then(Value::as_object_mut) else { return };
                let keys: Vec<String> = config.keys().cloned().collect();
                if keys.is_empty() {
                    return;
                }
                let key = keys[rng.below(keys.len())].clone();
                if rng.below(5) == 0 {
                    config.remove(&key);
                } else {
                    config.insert(key, hostile_value(rng));
                }
            }
        }
    }
}

#[test]
fn checkpoint_loading_never_panics_on_mutated_config_or_weights() {
    let dir = temp_dir("checkpoint");
    let (config, weights) = tiny_checkpoint(&dir);
    let device = Device::flex();
    let config_bytes = serde_json::to_vec_pretty(&config).unwrap();

    // The VAE's config and weights under every other family's name: each family reads what it
    // can of the config and must refuse the weights, or load, but not panic.
    let families =
        ["autoencoder", "gan", "diffusion", "flow-matching", "pixelcnn", "charlm", "flow", "rbm", "dbn", "gmmn", "no such family"];
    let mut failed = Vec::new();
    for name in families {
        let mut json = config.clone();
        json["family"] = json!(name);
        write_checkpoint(&dir, &serde_json::to_vec(&json).unwrap(), &weights);
        if std::panic::catch_unwind(AssertUnwindSafe(|| load_family(&dir, &device))).is_err() {
            failed.push(name);
        }
    }
    assert!(failed.is_empty(), "loading a VAE checkpoint as {failed:?} panicked");

    // Where the weight file's header and CBOR metadata (names, dtypes, shapes, offsets) end:
    // 10 header bytes, the last four the metadata's length (burn-pack 0.22, base.rs).
    let metadata_end = 10 + u32::from_le_bytes([weights[6], weights[7], weights[8], weights[9]]) as usize;
    never_panics("load_family", 160, |rng| {
        let (mut config_file, mut weight_file) = (config_bytes.clone(), weights.clone());
        match rng.below(4) {
            0 => {
                let mut json = config.clone();
                mutate_config(rng, &mut json);
                config_file = serde_json::to_vec(&json).unwrap();
            }
            1 => mutate(rng, &mut config_file),
            2 => {
                let data = weight_file.split_off(metadata_end.min(weight_file.len()));
                mutate(rng, &mut weight_file);
                weight_file.extend(data);
            }
            _ => mutate(rng, &mut weight_file),
        }
        write_checkpoint(&dir, &config_file, &weight_file);
        let _ = load_family(&dir, &device);
    });
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn configs_claiming_huge_networks_are_refused_before_allocating() {
    // Each asks for a layer of at least 2^32 × 8 weights (128 GiB of f32) or more; building it
    // would abort the process, so the config must be refused first.
    let dir = temp_dir("huge-config");
    let (config, weights) = tiny_checkpoint(&dir);
    let device = Device::flex();
    let cases = [
        ("width", json!(1u64 << 32)),
        ("height", json!(1u64 << 32)),
        ("width", json!(u64::MAX)),
        ("hidden", json!(1u64 << 32)),
        ("hidden", json!(u64::MAX)),
        ("latent_dim", json!(1u64 << 40)),
        ("num_classes", json!(1u64 << 32)),
    ];
    let mut wrong = Vec::new();
    for (field, value) in cases {
        let mut json = config.clone();
        json["config"][field] = value.clone();
        if field == "num_classes" {
            json["config"]["conditional"] = json!(true);
        }
        write_checkpoint(&dir, &serde_json::to_vec(&json).unwrap(), &weights);
        match std::panic::catch_unwind(AssertUnwindSafe(|| load_family(&dir, &device))) {
            Ok(Err(_)) => {}
            Ok(Ok(_)) => wrong.push(format!("{field} = {value} loaded")),
            Err(_) => wrong.push(format!("{field} = {value} panicked")),
        }
    }
    assert!(wrong.is_empty(), "{wrong:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

//! Evaluation results cached beside the checkpoint they describe, keyed by a fingerprint of
//! the checkpoint's files, the evaluation options and the data measured against: re-saving
//! the checkpoint (or training it further), other options, another data folder or changed
//! data files each change the fingerprint, and the cached result is ignored.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::EvalOptions;
use super::report::EvalReport;
use super::run::{checkpoint_data_dir, checkpoint_dataset};
use crate::data::images::{IdxDataset, find_idx_files};
use crate::data::{DatasetId, ImageDatasetId};
use crate::limits::{files::JSON_BYTES, read_file_capped};
use crate::train::checkpoint::write_atomic;

pub const CACHE_FILE: &str = "eval-cache.json";

/// The most files of an image folder the data fingerprint looks at (far more than the
/// 100,000 images a folder may give).
const MAX_FINGERPRINT_FILES: usize = 1_000_000;

#[derive(Serialize, Deserialize)]
struct CacheEntry {
    fingerprint: String,
    report: EvalReport,
}

/// FNV-1a over the names and bytes of the checkpoint's own files (not the cache, nor the
/// previews `genlab train` writes beside them), over the options, and over `data` (what
/// `data_key` says about the data measured against).
pub fn fingerprint(dir: &Path, options: &EvalOptions, data: &str) -> Result<String, String> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: cannot list the checkpoint ({e})", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            !(name == CACHE_FILE || name.starts_with('.') || name.ends_with(".png") || name.ends_with(".csv"))
        })
        .collect();
    entries.sort();
    let mut hash = Fnv::default();
    for path in entries {
        hash.write(path.file_name().map(|n| n.as_encoded_bytes()).unwrap_or_default());
        // Streamed: a large file beside the checkpoint costs time, not memory.
        let mut file = std::fs::File::open(&path).map_err(|e| format!("{}: cannot read ({e})", path.display()))?;
        let mut buffer = vec![0u8; 1 << 16];
        loop {
            let read = file.read(&mut buffer).map_err(|e| format!("{}: cannot read ({e})", path.display()))?;
            if read == 0 {
                break;
            }
            hash.write(&buffer[..read]);
        }
    }
    hash.write(serde_json::to_string(options).unwrap_or_default().as_bytes());
    hash.write(data.as_bytes());
    Ok(format!("{:016x}", hash.0))
}

/// The 64-bit FNV-1a hash: a fingerprint, not a defence against tampering.
pub fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    let mut hash = Fnv::default();
    for b in bytes {
        hash.byte(b);
    }
    hash.0
}

/// FNV-1a fed in pieces.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn byte(&mut self, b: u8) {
        self.0 = (self.0 ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }

    fn write(&mut self, bytes: &[u8]) {
        bytes.iter().for_each(|&b| self.byte(b));
    }
}

/// What an evaluation of the checkpoint in `dir` measures against, as a key: the dataset
/// (the options' override, else the one the run recorded), the data folder (`data_dir` when
/// one is given, else the run's own, as `run::evaluate` chooses) by its canonical path, and
/// the name, size and modification time of every data file that evaluation loads. Built-in
/// and embedded data are keyed by name and genlab's version, which ships them.
pub fn data_key(dir: &Path, options: &EvalOptions, data_dir: Option<&Path>) -> String {
    let dataset = match checkpoint_dataset(dir, options) {
        Ok(dataset) => dataset,
        // The evaluation will fail with the reason; nothing to key.
        Err(_) => return "no dataset recorded".into(),
    };
    // Canonical, so two spellings of one folder give one key.
    let folder = checkpoint_data_dir(dir, data_dir).map(|f| std::fs::canonicalize(&f).unwrap_or(f));
    let mut key = format!("{dataset:?}");
    let builtin = || format!(" built into genlab {}", env!("CARGO_PKG_VERSION"));
    match (dataset, folder) {
        // Points drawn from the options' seed, which the options key already holds.
        (DatasetId::Toy(_), _) => {}
        (DatasetId::Images(ImageDatasetId::Shapes), _) | (DatasetId::Images(_), None) | (DatasetId::Text, None) => key += &builtin(),
        (DatasetId::Images(id), Some(folder)) => {
            key += &folder_words(&folder);
            let files = match id {
                ImageDatasetId::Mnist => find_idx_files(&folder, IdxDataset::Mnist),
                ImageDatasetId::Fashion => find_idx_files(&folder, IdxDataset::Fashion),
                ImageDatasetId::Shapes | ImageDatasetId::Folder => None,
            };
            match files {
                Some(files) => {
                    for file in [&files.train_images, &files.train_labels, &files.test_images, &files.test_labels] {
                        key += &file_words(file);
                    }
                }
                // An image folder (or IDX files not where genlab looks): every file under it.
                None => key += &tree_words(&folder),
            }
        }
        (DatasetId::Text, Some(file)) => {
            key += &folder_words(&file);
            key += &file_words(&file);
        }
    }
    key
}

/// A folder (or file), already canonical.
fn folder_words(path: &Path) -> String {
    format!(" from {}", path.display())
}

/// A file's name, size and modification time (nanoseconds since 1970), or that it is missing.
fn file_words(path: &Path) -> String {
    match std::fs::metadata(path) {
        Ok(meta) => {
            let modified = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
            format!("|{}:{}:{modified}", path.display(), meta.len())
        }
        Err(_) => format!("|{}:missing", path.display()),
    }
}

/// `file_words` of every file under `folder` (sorted, at most `MAX_FINGERPRINT_FILES`),
/// hashed to keep the key short.
fn tree_words(folder: &Path) -> String {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.filter_map(Result::ok) {
            if files.len() >= MAX_FINGERPRINT_FILES {
                break;
            }
            match entry.file_type() {
                Ok(t) if t.is_dir() => pending.push(entry.path()),
                Ok(t) if t.is_file() => files.push(entry.path()),
                _ => {}
            }
        }
    }
    files.sort();
    let mut hash = Fnv::default();
    for file in &files {
        hash.write(file_words(file).as_bytes());
    }
    format!("|{} files:{:016x}", files.len(), hash.0)
}

/// The cached report when the checkpoint, the options and the data are unchanged; the data
/// is the checkpoint's own (see `load_with_data` for a data folder given by the user).
pub fn load(dir: &Path, options: &EvalOptions) -> Option<EvalReport> {
    load_with_data(dir, options, None)
}

/// The cached report when the checkpoint, the options and the data (`data_dir` as given to
/// the evaluation, else the folder the run recorded) are unchanged.
pub fn load_with_data(dir: &Path, options: &EvalOptions, data_dir: Option<&Path>) -> Option<EvalReport> {
    let bytes = read_file_capped(&dir.join(CACHE_FILE), JSON_BYTES).ok()?;
    let entry: CacheEntry = serde_json::from_slice(&bytes).ok()?;
    let data = data_key(dir, options, data_dir);
    (entry.fingerprint == fingerprint(dir, options, &data).ok()?).then_some(entry.report)
}

/// Caches `report`, measured on the checkpoint's own data (see `store_with_data`).
pub fn store(dir: &Path, options: &EvalOptions, report: &EvalReport) -> Result<(), String> {
    store_with_data(dir, options, None, report)
}

/// Caches `report`, measured on `data_dir` as given to the evaluation (else the folder the
/// run recorded).
pub fn store_with_data(dir: &Path, options: &EvalOptions, data_dir: Option<&Path>, report: &EvalReport) -> Result<(), String> {
    let data = data_key(dir, options, data_dir);
    let entry = CacheEntry { fingerprint: fingerprint(dir, options, &data)?, report: report.clone() };
    let json = serde_json::to_vec_pretty(&entry).map_err(|e| e.to_string())?;
    write_atomic(&dir.join(CACHE_FILE), &json)
}

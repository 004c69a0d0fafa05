//! Evaluation results cached beside the checkpoint they describe, keyed by a fingerprint of
//! the checkpoint's files and the evaluation options: re-saving the checkpoint (or training
//! it further) changes the fingerprint and the cached result is ignored.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::report::EvalReport;
use super::EvalOptions;
use crate::train::checkpoint::write_atomic;

pub const CACHE_FILE: &str = "eval-cache.json";

#[derive(Serialize, Deserialize)]
struct CacheEntry {
    fingerprint: String,
    report: EvalReport,
}

/// FNV-1a over the names and bytes of the checkpoint's own files (not the cache, nor the
/// previews `genlab train` writes beside them), and over the options.
pub fn fingerprint(dir: &Path, options: &EvalOptions) -> Result<String, String> {
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
    let mut bytes = Vec::new();
    for path in entries {
        bytes.extend_from_slice(path.file_name().map(|n| n.as_encoded_bytes()).unwrap_or_default());
        bytes.extend(std::fs::read(&path).map_err(|e| format!("{}: cannot read ({e})", path.display()))?);
    }
    bytes.extend(serde_json::to_string(options).unwrap_or_default().bytes());
    Ok(format!("{:016x}", fnv1a(bytes)))
}

/// The 64-bit FNV-1a hash: a fingerprint, not a defence against tampering.
pub fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| (hash ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

/// The cached report when the checkpoint and options are unchanged.
pub fn load(dir: &Path, options: &EvalOptions) -> Option<EvalReport> {
    let text = std::fs::read_to_string(dir.join(CACHE_FILE)).ok()?;
    let entry: CacheEntry = serde_json::from_str(&text).ok()?;
    (entry.fingerprint == fingerprint(dir, options).ok()?).then_some(entry.report)
}

pub fn store(dir: &Path, options: &EvalOptions, report: &EvalReport) -> Result<(), String> {
    let entry = CacheEntry { fingerprint: fingerprint(dir, options)?, report: report.clone() };
    let json = serde_json::to_vec_pretty(&entry).map_err(|e| e.to_string())?;
    write_atomic(&dir.join(CACHE_FILE), &json)
}

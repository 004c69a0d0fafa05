//! Checkpoint directories: the family's weights and config JSON plus the trainer's progress,
//! written so that a crash mid-save never leaves a half-written checkpoint in place.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::family::Family;
use crate::data::DatasetId;

/// Where training stood when the checkpoint was written.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub step: u64,
    pub samples_seen: u64,
    /// The data the run trained on (absent in checkpoints from before it was recorded).
    #[serde(default)]
    pub dataset: Option<DatasetId>,
    /// The data folder it was loaded from (none: the embedded or built-in data).
    #[serde(default)]
    pub data_dir: Option<PathBuf>,
}

pub const CONFIG_FILE: &str = "config.json";
pub const PROGRESS_FILE: &str = "progress.json";

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so
/// readers see the old file or the new one, never a torn one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: cannot create the folder ({e})", dir.display()))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|e| format!("{}: cannot write ({e})", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("{}: cannot replace the file ({e})", path.display())
    })
}

/// Saves a whole checkpoint directory: built beside `dir` under a temporary name, then swapped
/// in with renames; the previous checkpoint is removed only once the new one is in place.
pub fn save(family: &dyn Family, progress: &Progress, dir: &Path) -> Result<(), String> {
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| format!("{}: cannot create the folder ({e})", parent.display()))?;
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "checkpoint".into());
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| format!("{}: cannot create the folder ({e})", tmp.display()))?;
    let written = family.save(&tmp).and_then(|()| {
        let json = serde_json::to_vec_pretty(progress).map_err(|e| e.to_string())?;
        write_atomic(&tmp.join(PROGRESS_FILE), &json)
    });
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    let had_old = dir.exists();
    if had_old {
        std::fs::rename(dir, &old).map_err(|e| format!("{}: cannot move the old checkpoint aside ({e})", dir.display()))?;
    }
    if let Err(e) = std::fs::rename(&tmp, dir) {
        if had_old {
            let _ = std::fs::rename(&old, dir);
        }
        return Err(format!("{}: cannot put the new checkpoint in place ({e})", dir.display()));
    }
    if had_old {
        let _ = std::fs::remove_dir_all(&old);
    }
    Ok(())
}

pub fn read_progress(dir: &Path) -> Result<Progress, String> {
    let path = dir.join(PROGRESS_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: cannot read ({e})", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: not valid progress JSON ({e})", path.display()))
}

/// Reads a checkpoint's `config.json` as JSON, with the file named in any error.
pub fn read_config(dir: &Path) -> Result<serde_json::Value, String> {
    let path: PathBuf = dir.join(CONFIG_FILE);
    if !dir.is_dir() {
        return Err(format!("{}: no such checkpoint folder", dir.display()));
    }
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: cannot read ({e})", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: not valid JSON ({e})", path.display()))
}

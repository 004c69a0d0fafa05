//! Checkpoint directories: the family's weights and config JSON plus the trainer's progress.
//! A new folder appears whole in one rename. Over an existing checkpoint the files move in one
//! by one (weights, config, progress last), so a crash in that short window can leave new
//! weights beside the old config: loading then refuses it with a message (the weights are
//! checked against the config), never loads it wrongly.

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

/// Weight files the families write; with `config.json` and `progress.json` they are the
/// checkpoint proper. Everything else in a checkpoint folder (losses.csv, samples.png,
/// eval-cache.json, a user's notes) is left alone by a save.
pub const WEIGHT_FILES: [&str; 5] = ["model.bpk", "denoiser.bpk", "denoiser-ema.bpk", "generator.bpk", "discriminator.bpk"];

/// What `--out` (or a save dialog's folder) names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutFolder {
    /// Nothing there yet, or an empty folder: the checkpoint is written as it is.
    New,
    /// A genlab checkpoint: a save replaces its checkpoint files and keeps the others.
    Checkpoint,
}

/// Whether `dir` holds a genlab checkpoint: a `config.json` naming a family and a
/// `progress.json`, both as genlab writes them.
pub fn is_checkpoint(dir: &Path) -> bool {
    let config = read_json_capped(&dir.join(CONFIG_FILE));
    let family = config.as_ref().ok().and_then(|c| c.get("family")?.as_str().map(str::to_owned));
    family.is_some() && read_progress(dir).is_ok()
}

fn read_json_capped(path: &Path) -> Result<serde_json::Value, String> {
    let bytes = crate::limits::read_file_capped(path, crate::limits::files::JSON_BYTES)?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{}: not valid JSON ({e})", path.display()))
}

/// Checks that a checkpoint may be written to `dir` without touching anything genlab did
/// not write: `dir` must be new, empty, or a genlab checkpoint. Called before a run starts,
/// so a refused folder costs nothing.
pub fn check_out_folder(dir: &Path) -> Result<OutFolder, String> {
    let meta = match std::fs::metadata(dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(OutFolder::New),
        Err(e) => return Err(format!("{}: cannot look at this folder ({e})", dir.display())),
    };
    if !meta.is_dir() {
        return Err(format!("{}: this is a file, not a folder; a checkpoint is a folder (pick a new name)", dir.display()));
    }
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: cannot list this folder ({e})", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if names.is_empty() {
        return Ok(OutFolder::New);
    }
    if is_checkpoint(dir) {
        return Ok(OutFolder::Checkpoint);
    }
    names.sort();
    let shown: Vec<&str> = names.iter().take(4).map(String::as_str).collect();
    let more = if names.len() > 4 { format!(" and {} more", names.len() - 4) } else { String::new() };
    Err(format!(
        "{}: this folder holds files genlab did not write ({}{more}); genlab writes a checkpoint \
         only into a new or empty folder or over an earlier genlab checkpoint, and never \
         deletes other files. Pick a new folder name.",
        dir.display(),
        shown.join(", ")
    ))
}

/// Saves a checkpoint into `dir`: the family's files and `progress.json` are written complete
/// into a hidden folder beside `dir`, then moved into place one file at a time (each move is
/// an atomic rename), weights first and `progress.json` last. Files of `dir` that are not
/// part of the checkpoint stay. Leftovers of an interrupted save are cleaned up first.
pub fn save<M: Family + ?Sized>(family: &M, progress: &Progress, dir: &Path) -> Result<(), String> {
    let kind = check_out_folder(dir)?;
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| format!("{}: cannot create the folder ({e})", parent.display()))?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| format!("{}: name a folder for the checkpoint (not \".\" or \"..\")", dir.display()))?;
    clean_leftovers(parent, &name);
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
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
    // A folder that does not exist yet appears whole, in one rename; into an existing one (empty,
    // or a checkpoint) the files move one by one, so the folder itself is never replaced.
    let moved = if kind == OutFolder::New && !dir.exists() {
        std::fs::rename(&tmp, dir).map_err(|e| format!("{}: cannot put the checkpoint in place ({e})", dir.display()))
    } else {
        replace_files(&tmp, dir)
    };
    let _ = std::fs::remove_dir_all(&tmp);
    moved
}

/// Moves the new checkpoint's files from `tmp` into `dir`, weights first, config next,
/// progress last; weight files of the old checkpoint that the new one lacks (an EMA copy
/// that was turned off) are removed, as genlab wrote them.
fn replace_files(tmp: &Path, dir: &Path) -> Result<(), String> {
    let mut files: Vec<String> = std::fs::read_dir(tmp)
        .map_err(|e| format!("{}: cannot list the new checkpoint ({e})", tmp.display()))?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let rank = |n: &str| match n {
        PROGRESS_FILE => 2,
        CONFIG_FILE => 1,
        _ => 0,
    };
    files.sort_by_key(|n| (rank(n), n.clone()));
    for file in &files {
        std::fs::rename(tmp.join(file), dir.join(file))
            .map_err(|e| format!("{}: cannot put the new file in place ({e})", dir.join(file).display()))?;
    }
    for stale in WEIGHT_FILES.iter().filter(|w| !files.iter().any(|f| f == *w)) {
        let _ = std::fs::remove_file(dir.join(stale));
    }
    Ok(())
}

/// Removes the hidden `.NAME.tmp-PID` folders an interrupted save of `name` left in `parent`,
/// when their process is gone and they hold nothing but checkpoint files. `.NAME.old-PID`
/// folders of earlier genlab versions are never touched: one may hold the only copy of a
/// checkpoint. Whether a process is gone is read from /proc, so elsewhere nothing is removed.
fn clean_leftovers(parent: &Path, name: &str) {
    if !cfg!(target_os = "linux") {
        return;
    }
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for entry in entries.filter_map(Result::ok) {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = file_name.strip_prefix(&format!(".{name}.tmp-")) else { continue };
        let Ok(pid) = pid.parse::<u32>() else { continue };
        if pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let path = entry.path();
        if path.is_dir() && only_checkpoint_files(&path) {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

fn only_checkpoint_files(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    entries.filter_map(Result::ok).all(|e| {
        let n = e.file_name().to_string_lossy().into_owned();
        let is_file = e.file_type().is_ok_and(|t| t.is_file());
        is_file
            && (n == CONFIG_FILE
                || n == PROGRESS_FILE
                || WEIGHT_FILES.contains(&n.as_str())
                || ["losses.csv", "samples.png", "samples.txt", "eval-cache.json"].contains(&n.as_str())
                // write_atomic's own temporary files: `.FILE.tmp-PID`.
                || (n.starts_with('.') && n.contains(".tmp-")))
    })
}

/// Reads a checkpoint's `progress.json` (at most `limits::files::JSON_BYTES`), with the file
/// named in any error.
pub fn read_progress(dir: &Path) -> Result<Progress, String> {
    let path = dir.join(PROGRESS_FILE);
    let bytes = crate::limits::read_file_capped(&path, crate::limits::files::JSON_BYTES)?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{}: not valid progress JSON ({e})", path.display()))
}

/// Reads a checkpoint's `config.json` as JSON (at most `limits::files::JSON_BYTES`, checked
/// before it is read), with the file named in any error.
pub fn read_config(dir: &Path) -> Result<serde_json::Value, String> {
    let path: PathBuf = dir.join(CONFIG_FILE);
    if !dir.is_dir() {
        return Err(format!("{}: no such checkpoint folder", dir.display()));
    }
    let bytes = crate::limits::read_file_capped(&path, crate::limits::files::JSON_BYTES)?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{}: not valid JSON ({e})", path.display()))
}

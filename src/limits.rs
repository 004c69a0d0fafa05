//! One place for the bounds on what a user, a file or a checkpoint may ask genlab to hold.
//! Every number from the command line, a config file or a file header goes through these
//! before anything is allocated; a value out of range is refused with a message naming the
//! value, the limit and where the limit comes from. Nothing is clamped silently.

use std::io::Read;
use std::path::Path;
use std::sync::OnceLock;

/// The most memory one request (a tensor, a file, a batch of samples) may ask for: half of
/// this machine's physical memory, so a refused value is always one that would not fit.
pub fn memory_budget_bytes() -> u64 {
    static BUDGET: OnceLock<u64> = OnceLock::new();
    *BUDGET.get_or_init(|| physical_memory_bytes().map_or(4 << 30, |total| (total / 2).max(1 << 30)))
}

/// `MemTotal` of /proc/meminfo (Linux); `None` elsewhere.
fn physical_memory_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// The budget in words for a message, e.g. "11.7 GiB (half of this machine's memory)".
pub fn budget_words() -> String {
    format!("{:.1} GiB (half of this machine's memory)", memory_budget_bytes() as f64 / (1u64 << 30) as f64)
}

/// Refuses `count` elements of `bytes_each` bytes when they would not fit in the budget.
/// `what` names the request for the message ("--n 10000000 samples of 28×28 pixels").
pub fn check_alloc(what: &str, count: u128, bytes_each: u128) -> Result<(), String> {
    let bytes = count.saturating_mul(bytes_each);
    if bytes > memory_budget_bytes() as u128 {
        return Err(format!("{what} would need {} but genlab allows one request at most {}", bytes_words(bytes), budget_words()));
    }
    Ok(())
}

/// A size for people: whole MiB or GiB when it is one (the caps), else with three decimals
/// so that a size just over a cap never reads the same as the cap.
fn bytes_words(bytes: u128) -> String {
    const MIB: u128 = 1 << 20;
    const GIB: u128 = 1 << 30;
    match bytes {
        b if b >= GIB && b % GIB == 0 => format!("{} GiB", b / GIB),
        b if b >= GIB => format!("{:.3} GiB", b as f64 / GIB as f64),
        b if b % MIB == 0 => format!("{} MiB", b / MIB),
        b => format!("{:.3} MiB", b as f64 / MIB as f64),
    }
}

/// An integer that must lie in `min..=max`; `name` is how the user wrote it ("--hidden").
pub fn check_range(name: &str, value: usize, min: usize, max: usize) -> Result<usize, String> {
    if value < min {
        return Err(format!("{name} {value} is too small: it must be at least {min}"));
    }
    if value > max {
        return Err(format!("{name} {value} is too large: genlab accepts at most {max}"));
    }
    Ok(value)
}

/// A real number that must be finite and lie in `min..=max`.
pub fn check_real(name: &str, value: f64, min: f64, max: f64) -> Result<f64, String> {
    if !value.is_finite() {
        return Err(format!("{name} {value} is not a finite number"));
    }
    if value < min || value > max {
        return Err(format!("{name} {value} is out of range: it must lie between {min} and {max}"));
    }
    Ok(value)
}

/// Reads at most `cap` bytes from `reader`; more is an error naming `what` and the cap, found
/// without reading (or inflating) more than `cap + 1` bytes.
pub fn read_capped(reader: impl Read, cap: u64, what: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    reader.take(cap.saturating_add(1)).read_to_end(&mut out).map_err(|e| format!("{what}: cannot read ({e})"))?;
    if out.len() as u64 > cap {
        return Err(format!("{what}: larger than {}, the most genlab reads from such a file", bytes_words(cap as u128)));
    }
    Ok(out)
}

/// Reads a whole file of at most `cap` bytes (checked on the file's size first when it has
/// one, and while reading for pipes and devices such as /dev/zero).
pub fn read_file_capped(path: &Path, cap: u64) -> Result<Vec<u8>, String> {
    let what = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| format!("{what}: cannot open ({e})"))?;
    if let Ok(meta) = file.metadata()
        && meta.is_file()
        && meta.len() > cap
    {
        return Err(format!(
            "{what}: {} is larger than {}, the most genlab reads from such a file",
            bytes_words(meta.len() as u128),
            bytes_words(cap as u128)
        ));
    }
    read_capped(file, cap, &what)
}

/// Caps on files genlab reads, by kind.
pub mod files {
    /// An IDX file after decompression: full MNIST's training images are 47 MB; 1 GiB leaves
    /// room for larger IDX sets without letting a 2 MB gzip bomb ask for gigabytes.
    pub const IDX_BYTES: u64 = 1 << 30;
    /// A text file for the character model: 64 MiB of text is far more than it learns from.
    pub const TEXT_BYTES: u64 = 64 << 20;
    /// A feature CSV for `genlab metrics`.
    pub const CSV_BYTES: u64 = 512 << 20;
    /// A checkpoint's config.json / progress.json / eval-cache.json.
    pub const JSON_BYTES: u64 = 16 << 20;
    /// One image file in a user's image folder.
    pub const IMAGE_BYTES: u64 = 64 << 20;
}

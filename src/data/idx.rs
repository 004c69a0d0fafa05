//! Reader for the IDX format of MNIST and Fashion-MNIST (LeCun et al., "THE MNIST DATABASE",
//! file format section): a 4-byte magic `0 0 type ndim`, `ndim` big-endian u32 sizes, then
//! the data. Files may be gzip-compressed; that is detected from the content, not the name.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// An unsigned-byte IDX array: its dimensions and its bytes in row-major order.
#[derive(Clone, Debug, PartialEq)]
pub struct IdxArray {
    pub dims: Vec<usize>,
    pub data: Vec<u8>,
}

/// What was wrong with an IDX file, with the file named.
#[derive(Debug)]
pub struct IdxError {
    pub path: PathBuf,
    pub problem: String,
}

impl fmt::Display for IdxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.problem)
    }
}

impl std::error::Error for IdxError {}

const IDX_TYPE_U8: u8 = 0x08;
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
/// Larger than any real IDX file; guards against a corrupt header asking for terabytes.
const MAX_ELEMENTS: usize = 1 << 31;

/// Reads an IDX file (raw or gzip) and checks that it holds `expected_ndim` dimensions.
pub fn read_idx(path: &Path, expected_ndim: usize) -> Result<IdxArray, IdxError> {
    let fail = |problem: String| IdxError { path: path.to_path_buf(), problem };
    let raw = std::fs::read(path).map_err(|e| fail(format!("cannot read the file ({e})")))?;
    parse_idx(&raw, expected_ndim).map_err(fail)
}

/// Parses IDX bytes (raw or gzip); the error says what is wrong, without the file name.
pub fn parse_idx(raw: &[u8], expected_ndim: usize) -> Result<IdxArray, String> {
    let bytes = if raw.starts_with(&GZIP_MAGIC) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(raw)
            .read_to_end(&mut out)
            .map_err(|e| format!("corrupt gzip stream ({e}); the download may be incomplete"))?;
        out
    } else {
        raw.to_vec()
    };
    if bytes.len() < 4 {
        return Err(format!("too short to be an IDX file ({} bytes)", bytes.len()));
    }
    if bytes[0] != 0 || bytes[1] != 0 {
        return Err(format!(
            "not an IDX file: the magic number starts with {:#04x} {:#04x}, expected 0x00 0x00",
            bytes[0], bytes[1]
        ));
    }
    if bytes[2] != IDX_TYPE_U8 {
        return Err(format!(
            "unsupported IDX element type {:#04x}: genlab reads unsigned bytes (0x08)",
            bytes[2]
        ));
    }
    let ndim = bytes[3] as usize;
    if ndim != expected_ndim {
        return Err(format!(
            "has {ndim} dimensions, expected {expected_ndim} ({})",
            if expected_ndim == 1 { "a label file" } else { "an image file" }
        ));
    }
    let header_len = 4 + 4 * ndim;
    if bytes.len() < header_len {
        return Err(format!("truncated header: {} bytes, the header needs {header_len}", bytes.len()));
    }
    let dims: Vec<usize> = (0..ndim)
        .map(|i| {
            let b = &bytes[4 + 4 * i..8 + 4 * i];
            u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize
        })
        .collect();
    let count = dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d)).filter(|&n| n <= MAX_ELEMENTS);
    let Some(count) = count else {
        return Err(format!("implausible dimensions {dims:?}"));
    };
    let body = &bytes[header_len..];
    if body.len() < count {
        return Err(format!(
            "truncated: dimensions {dims:?} need {count} data bytes but only {} are present",
            body.len()
        ));
    }
    if body.len() > count {
        return Err(format!(
            "{} unexpected bytes after the {count} data bytes that dimensions {dims:?} describe",
            body.len() - count
        ));
    }
    Ok(IdxArray { dims, data: body.to_vec() })
}

/// Encodes bytes as an uncompressed IDX file (used to write test fixtures and exports).
pub fn encode_idx(dims: &[usize], data: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, IDX_TYPE_U8, dims.len() as u8];
    for &d in dims {
        out.extend_from_slice(&(d as u32).to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_small_array() {
        let bytes = encode_idx(&[2, 2, 3], &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        let arr = parse_idx(&bytes, 3).unwrap();
        assert_eq!(arr.dims, vec![2, 2, 3]);
        assert_eq!(arr.data[11], 12);
    }

    #[test]
    fn rejects_bad_magic_truncation_and_trailing_bytes() {
        let mut bytes = encode_idx(&[3], &[1, 2, 3]);
        assert!(parse_idx(&bytes[..bytes.len() - 1], 1).unwrap_err().contains("truncated"));
        bytes.push(9);
        assert!(parse_idx(&bytes, 1).unwrap_err().contains("unexpected bytes"));
        let mut wrong = encode_idx(&[3], &[1, 2, 3]);
        wrong[0] = 0x42;
        assert!(parse_idx(&wrong, 1).unwrap_err().contains("magic"));
        let wrong_type = [0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0];
        assert!(parse_idx(&wrong_type, 1).unwrap_err().contains("element type"));
        assert!(parse_idx(&encode_idx(&[3], &[1, 2, 3]), 3).unwrap_err().contains("dimensions"));
    }
}

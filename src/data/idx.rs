//! Reader for the IDX format of MNIST and Fashion-MNIST (LeCun et al., "THE MNIST DATABASE",
//! file format section): a 4-byte magic `0 0 type ndim`, `ndim` big-endian u32 sizes, then
//! the data. Files may be gzip-compressed; that is detected from the content, not the name.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::limits;

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
/// Room reserved up front for the data: all of full MNIST's training images (47 MB) in one
/// go, while a header that lies about its size costs no more than this before the data runs out.
const INITIAL_RESERVE: u64 = 64 << 20;

/// Reads an IDX file (raw or gzip) and checks that it holds `expected_ndim` dimensions. The
/// file is streamed: its header is checked before any data is read, and no more than the data
/// the header describes plus one byte is read (or inflated).
pub fn read_idx(path: &Path, expected_ndim: usize) -> Result<IdxArray, IdxError> {
    let fail = |problem: String| IdxError { path: path.to_path_buf(), problem };
    let file = std::fs::File::open(path).map_err(|e| fail(format!("cannot read the file ({e})")))?;
    read_idx_from(std::io::BufReader::new(file), expected_ndim).map_err(fail)
}

/// Parses IDX bytes (raw or gzip); the error says what is wrong, without the file name.
pub fn parse_idx(raw: &[u8], expected_ndim: usize) -> Result<IdxArray, String> {
    read_idx_from(raw, expected_ndim)
}

/// Reads IDX from a stream (raw or gzip, told apart by the gzip magic bytes); the error says
/// what is wrong, without the file name.
pub fn read_idx_from(mut reader: impl Read, expected_ndim: usize) -> Result<IdxArray, String> {
    let mut head = [0u8; 2];
    let got = read_full(&mut reader, &mut head).map_err(|e| format!("cannot read ({e})"))?;
    let rest = (&head[..got]).chain(reader);
    if head[..got] == GZIP_MAGIC {
        // Multi-member: gzip files may be concatenations of members (`cat a.gz b.gz`), and
        // gzip(1) reads them as one stream; a single-member decoder would stop after the first.
        read_idx_stream(flate2::read::MultiGzDecoder::new(rest), expected_ndim, true)
    } else {
        read_idx_stream(rest, expected_ndim, false)
    }
}

/// The IDX layout on the (decompressed) stream: header, checks, then exactly the data.
fn read_idx_stream(mut stream: impl Read, expected_ndim: usize, gzip: bool) -> Result<IdxArray, String> {
    let io_problem = |e: std::io::Error| {
        if gzip { format!("corrupt gzip stream ({e}); the download may be incomplete") } else { format!("cannot read ({e})") }
    };
    let mut magic = [0u8; 4];
    let got = read_full(&mut stream, &mut magic).map_err(io_problem)?;
    if got < 4 {
        return Err(format!("too short to be an IDX file ({got} bytes)"));
    }
    if magic[0] != 0 || magic[1] != 0 {
        return Err(format!("not an IDX file: the magic number starts with {:#04x} {:#04x}, expected 0x00 0x00", magic[0], magic[1]));
    }
    if magic[2] != IDX_TYPE_U8 {
        return Err(format!("unsupported IDX element type {:#04x}: genlab reads unsigned bytes (0x08)", magic[2]));
    }
    let ndim = magic[3] as usize;
    if ndim != expected_ndim {
        return Err(format!(
            "has {ndim} dimensions, expected {expected_ndim} ({})",
            if expected_ndim == 1 { "a label file" } else { "an image file" }
        ));
    }
    let header_len = 4 + 4 * ndim;
    let mut sizes = vec![0u8; 4 * ndim];
    let got = read_full(&mut stream, &mut sizes).map_err(io_problem)?;
    if got < sizes.len() {
        return Err(format!("truncated header: {} bytes, the header needs {header_len}", 4 + got));
    }
    let dims: Vec<usize> = sizes.chunks_exact(4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize).collect();
    let count = data_bytes(&dims)?;

    let mut data = Vec::with_capacity(count.min(INITIAL_RESERVE) as usize);
    stream.by_ref().take(count).read_to_end(&mut data).map_err(io_problem)?;
    if (data.len() as u64) < count {
        return Err(format!(
            "truncated: dimensions {dims:?} need {count} data bytes but only {} are present{}",
            data.len(),
            if gzip { " after decompression; the download may be incomplete" } else { "" }
        ));
    }
    // One byte more tells a longer file; reading it also makes the gzip decoder check the
    // stream's CRC and length trailer.
    let mut extra = [0u8; 1];
    if read_full(&mut stream, &mut extra).map_err(io_problem)? > 0 {
        return Err(format!(
            "unexpected bytes after the {count} data bytes that dimensions {dims:?} describe \
             (the file is longer than its header says)"
        ));
    }
    Ok(IdxArray { dims, data })
}

/// The number of data bytes `dims` describe, refused before anything is read when it exceeds
/// what genlab reads from one IDX file or the memory budget (a corrupt or hostile header).
fn data_bytes(dims: &[usize]) -> Result<u64, String> {
    let cap = limits::files::IDX_BYTES;
    let count = dims.iter().try_fold(1u128, |acc, &d| acc.checked_mul(d as u128));
    match count {
        Some(n) if n <= cap as u128 => {
            limits::check_alloc(&format!("the data of dimensions {dims:?}"), n, 1)?;
            Ok(n as u64)
        }
        _ => Err(format!(
            "dimensions {dims:?} describe {} data bytes, more than the {} MiB genlab reads from one IDX file \
             (a corrupt header?)",
            count.map_or("over 2^128".to_string(), |n| n.to_string()),
            cap >> 20
        )),
    }
}

/// Fills `buf` as far as the stream allows; returns how many bytes were read (less than
/// `buf.len()` only at the end of the stream).
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
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

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn gzip_headers_are_checked_before_their_data_is_inflated() {
        // Claims full MNIST's 60000×28×28 training images but holds 1,000 bytes of them.
        let short = gzip(&encode_idx(&[60000, 28, 28], &[7; 1000]));
        let err = parse_idx(&short, 3).unwrap_err();
        assert!(err.contains("truncated") && err.contains("47040000") && err.contains("1000"), "{err}");
        // 2.4 GB claimed over a megabyte of zeros (a 1 KB file): refused from the header alone.
        let bomb = gzip(&encode_idx(&[60000, 200, 200], &vec![0; 1 << 20]));
        let err = parse_idx(&bomb, 3).unwrap_err();
        assert!(err.contains("2400000000") && err.contains("1024 MiB"), "{err}");
        let overflow = encode_idx(&[u32::MAX as usize; 3], &[]);
        assert!(parse_idx(&overflow, 3).unwrap_err().contains("more than"));
    }

    #[test]
    fn reads_no_more_than_the_data_and_one_byte() {
        // Ten data bytes, then a megabyte the header does not describe, incompressible (an LCG),
        // so the compressed stream is as long as the data.
        let mut state = 1u32;
        let noise: Vec<u8> = (0..1 << 20)
            .map(|_| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (state >> 24) as u8
            })
            .collect();
        let long = encode_idx(&[10], &[&[1u8; 10][..], &noise[..]].concat());
        let header_and_data = 4 + 4 + 10;
        let mut raw = std::io::Cursor::new(&long);
        assert!(read_idx_from(&mut raw, 1).unwrap_err().contains("unexpected bytes"));
        assert_eq!(raw.position(), header_and_data + 1);
        let compressed = gzip(&long);
        let mut zipped = std::io::Cursor::new(&compressed);
        assert!(read_idx_from(&mut zipped, 1).unwrap_err().contains("unexpected bytes"));
        // The decoder reads ahead by a few buffers (measured: 64 KiB), not the whole 1 MiB stream.
        assert!(zipped.position() < 256 << 10 && compressed.len() > 1 << 19, "{} of {}", zipped.position(), compressed.len());
    }

    #[test]
    fn multi_member_gzip_is_one_stream_and_trailing_data_is_refused() {
        let idx = encode_idx(&[3], &[1, 2, 3]);
        // `cat a.gz b.gz`: gzip(1) reads both members as one file.
        let multi = [gzip(&idx[..6]), gzip(&idx[6..])].concat();
        assert_eq!(parse_idx(&multi, 1).unwrap(), IdxArray { dims: vec![3], data: vec![1, 2, 3] });
        let longer = gzip(&[&idx[..], &[9u8][..]].concat());
        assert!(parse_idx(&longer, 1).unwrap_err().contains("unexpected bytes"));
        let junk_after = [gzip(&idx), b"junk".to_vec()].concat();
        assert!(parse_idx(&junk_after, 1).unwrap_err().contains("gzip"));
        let whole = gzip(&idx);
        let err = parse_idx(&whole[..whole.len() - 4], 1).unwrap_err();
        assert!(err.contains("gzip"), "a stream cut inside its trailer: {err}");
    }
}

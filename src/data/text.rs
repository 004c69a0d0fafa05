//! Text for the character model: the built-in corpus (assets/text, public domain) or the
//! user's own .txt file, split into a vocabulary of characters and train/test token streams.

use std::path::Path;

use crate::limits;

/// The built-in corpus: Shakespeare's plays as collected in karpathy/char-rnn's
/// tinyshakespeare (public domain; source and attribution in assets/text/README.md).
const BUILTIN: &str = include_str!("../../assets/text/corpus.txt");

/// More distinct characters than this is not the kind of text a character model here learns.
pub const MAX_VOCAB: usize = 512;
/// Characters a file needs at least: enough for a few training windows and a test split.
pub const MIN_CHARS: usize = 1000;
/// The last tenth of the text is held out as the test set.
const TEST_FRACTION: f64 = 0.1;

#[derive(Clone, Debug, PartialEq)]
pub struct TextData {
    /// Where the text came from, for people.
    pub source: String,
    /// Every distinct character, sorted; a token is an index into this.
    pub vocab: Vec<char>,
    pub train: Vec<u32>,
    pub test: Vec<u32>,
}

impl TextData {
    /// Splits `text` into vocabulary and token streams; `source` names it in messages.
    pub fn from_text(text: &str, source: &str) -> Result<Self, String> {
        let chars: Vec<char> = text.chars().collect();
        if chars.is_empty() {
            return Err(format!("{source}: the file is empty"));
        }
        if chars.len() < MIN_CHARS {
            return Err(format!(
                "{source}: only {} characters; a character model needs at least {MIN_CHARS} to learn anything",
                chars.len()
            ));
        }
        // Sorted and distinct, without a second copy of the text (a file may hold 64 MiB).
        let vocab: Vec<char> = chars.iter().copied().collect::<std::collections::BTreeSet<char>>().into_iter().collect();
        if vocab.len() > MAX_VOCAB {
            return Err(format!(
                "{source}: {} distinct characters (at most {MAX_VOCAB}): this does not look like ordinary text",
                vocab.len()
            ));
        }
        let ids: Vec<u32> = chars.iter().map(|c| vocab.binary_search(c).unwrap_or(0) as u32).collect();
        let split = ((1.0 - TEST_FRACTION) * ids.len() as f64) as usize;
        let mut train = ids;
        let test = train.split_off(split);
        Ok(Self { source: source.to_string(), vocab, train, test })
    }

    /// Token ids of `text`; characters outside the vocabulary are left out.
    pub fn encode(&self, text: &str) -> Vec<u32> {
        encode(&self.vocab, text)
    }

    /// Entropy of the training text's character frequencies, nats per character: the loss of
    /// the best model that ignores context.
    pub fn unigram_entropy(&self) -> f64 {
        let mut counts = vec![0usize; self.vocab.len()];
        for &t in &self.train {
            counts[t as usize] += 1;
        }
        let n = self.train.len() as f64;
        counts.iter().filter(|&&c| c > 0).map(|&c| c as f64 / n).map(|p| -p * p.ln()).sum()
    }
}

/// Token ids of `text` in `vocab` (sorted); unknown characters are left out.
pub fn encode(vocab: &[char], text: &str) -> Vec<u32> {
    text.chars().filter_map(|c| vocab.binary_search(&c).ok().map(|i| i as u32)).collect()
}

/// The text of token ids; ids outside the vocabulary become '?'.
pub fn decode(vocab: &[char], ids: &[u32]) -> String {
    ids.iter().map(|&i| vocab.get(i as usize).copied().unwrap_or('?')).collect()
}

pub fn builtin_corpus() -> TextData {
    TextData::from_text(BUILTIN, "Shakespeare (built in, public domain)").expect("the built-in corpus is valid text")
}

/// Reads a .txt file of at most `limits::files::TEXT_BYTES`; empty, binary, non-UTF-8 and
/// oversized files (or endless ones such as /dev/zero) get a message naming the file and why.
pub fn load_text_file(path: &Path) -> Result<TextData, String> {
    let name = path.display().to_string();
    if let Err(e) = std::fs::metadata(path) {
        return Err(format!("{name}: cannot read ({e})"));
    }
    let bytes = limits::read_file_capped(path, limits::files::TEXT_BYTES)?;
    if bytes.is_empty() {
        return Err(format!("{name}: the file is empty"));
    }
    let head = &bytes[..bytes.len().min(64 * 1024)];
    if head.contains(&0) {
        return Err(format!("{name}: this looks like a binary file (it contains zero bytes), not text"));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        format!("{name}: not UTF-8 text (invalid byte at offset {}); save it as UTF-8 and try again", e.utf8_error().valid_up_to())
    })?;
    let control = text.chars().filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')).count();
    if control * 100 > text.chars().count() {
        return Err(format!("{name}: more than 1 % control characters: this does not look like text"));
    }
    // One line ending: a model should not spend capacity on \r.
    TextData::from_text(&text.replace("\r\n", "\n"), &name)
}

//! How much of the codebook is in use: counts of each code over a window of training steps
//! (closed by whoever reads it, the GUI at each preview), and the perplexity of every closed
//! window. A codebook whose perplexity stays far below K has dead codes: vectors no encoder
//! output is nearest to, which neither the codebook loss nor the moving averages ever move
//! (the "index collapse" that later work, e.g. Roy et al. 2018, sets out to avoid); stage 1
//! restarts them at encoder outputs (`restarts.rs`, with its own window), and the loss term
//! `train::RESTARTS_TERM` counts the restarts.

use crate::views::codes::CodeUsage;

use super::quantizer::{code_counts, perplexity};

/// The most closed windows kept: past it every other one is dropped, so the history spans the
/// whole run at half the resolution.
const MAX_HISTORY: usize = 2000;

#[derive(Clone, Debug)]
pub struct Usage {
    counts: Vec<u64>,
    from_step: u64,
    history: Vec<(u64, f64)>,
}

impl Usage {
    /// An empty window over `k` codes.
    pub fn new(k: usize) -> Self {
        Self { counts: vec![0; k], from_step: 0, history: Vec::new() }
    }

    /// Counts the codes one step picked.
    pub fn add(&mut self, codes: &[u32]) {
        let k = self.counts.len();
        for (total, add) in self.counts.iter_mut().zip(code_counts(codes, k)) {
            *total += add;
        }
    }

    /// The window so far, read at training step `step`.
    pub fn window(&self, step: u64) -> CodeUsage {
        let vectors = self.counts.iter().sum();
        CodeUsage {
            counts: self.counts.clone(),
            vectors,
            perplexity: perplexity(&self.counts),
            dead: self.counts.iter().filter(|&&c| c == 0).count(),
            from_step: self.from_step,
            to_step: step,
        }
    }

    /// The window so far; it joins the history (when it saw any vector) and a new one opens.
    pub fn close(&mut self, step: u64) -> CodeUsage {
        let window = self.window(step);
        if window.vectors > 0 {
            self.history.push((step, window.perplexity));
            if self.history.len() > MAX_HISTORY {
                self.history = self.history.iter().copied().step_by(2).collect();
            }
        }
        self.counts.iter_mut().for_each(|c| *c = 0);
        self.from_step = step;
        window
    }

    pub fn history(&self) -> &[(u64, f64)] {
        &self.history
    }
}

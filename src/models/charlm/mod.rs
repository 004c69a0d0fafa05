//! A character-level language model: a small decoder-only transformer (Vaswani et al. 2017;
//! the GPT layout of Radford et al. 2019 as written in nanoGPT) over the characters of a text,
//! with temperature, top-k and top-p sampling.

pub mod attention;
pub mod block;
pub mod config;
pub mod entry;
pub mod family;
pub mod model;
pub mod sampling;

pub use config::CharLmConfig;
pub use family::CharLmFamily;
pub use model::CharTransformer;
pub use sampling::{SamplingSettings, draw, next_token_distribution, softmax_with_temperature, top_k_filter, top_p_filter};

pub use entry::{ENTRY, KIND};

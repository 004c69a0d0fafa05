//! The codebook view (VQ-VAEs): images to maps of discrete codes and back, how much of the
//! codebook is in use, each code drawn as an image, and the two training stages (the
//! autoencoder with its codebook, then the prior over code maps).

use serde::{Deserialize, Serialize};

use super::{Model, ask, ask_every_preview};
use crate::train::{FamilyResult, ImageBatch, PreviewQuestion, Question};

/// Which part of a two-stage model trains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Stage 1: the encoder, the codebook and the decoder.
    Autoencoder,
    /// Stage 2: the prior over code maps; the autoencoder is frozen.
    Prior,
}

impl Stage {
    pub fn label(self) -> &'static str {
        match self {
            Stage::Autoencoder => "stage 1: autoencoder and codebook",
            Stage::Prior => "stage 2: prior over code maps (autoencoder frozen)",
        }
    }

    /// 1 or 2, as the loss term "stage" reports it.
    pub fn number(self) -> u8 {
        match self {
            Stage::Autoencoder => 1,
            Stage::Prior => 2,
        }
    }
}

/// Code maps: one code per cell of a `width × height` grid, cells in raster order, one map per
/// image.
#[derive(Clone, Debug, PartialEq)]
pub struct CodeMaps {
    pub width: usize,
    pub height: usize,
    pub maps: Vec<Vec<u32>>,
}

/// How the codebook was used over a window of training steps (since the last time the window
/// was closed, e.g. the last preview).
#[derive(Clone, Debug, PartialEq)]
pub struct CodeUsage {
    /// How often each code was the nearest one, code 0 first.
    pub counts: Vec<u64>,
    /// Vectors quantised in the window (the sum of `counts`).
    pub vectors: u64,
    /// exp(−Σ_k p_k log p_k) of the codes' frequencies p_k: K when every code is used equally,
    /// 1 when one code takes everything; 0 for an empty window.
    pub perplexity: f64,
    /// Codes never used in the window (all of them for an empty window).
    pub dead: usize,
    /// The model's training steps when the window opened and when it was read.
    pub from_step: u64,
    pub to_step: u64,
}

/// Models that quantise onto a learned codebook (VQ-VAE).
pub trait CodebookView {
    /// K, the number of codes.
    fn codebook_size(&self) -> usize;

    /// (width, height) of a code map.
    fn grid(&self) -> (usize, usize);

    /// (width, height) of the images.
    fn image_size(&self) -> (usize, usize);

    fn stage(&self) -> Stage;

    /// Training steps each stage has had: (autoencoder, prior).
    fn stage_steps(&self) -> (u64, u64);

    /// Each of the `n` images `x` (grey, `n × width × height`) as its map of nearest codes.
    fn encode(&mut self, x: &[f32], n: usize) -> FamilyResult<CodeMaps>;

    /// Images decoded from code maps (each `grid` cells, codes below K): the decoder's means.
    fn decode(&mut self, maps: &[Vec<u32>]) -> FamilyResult<ImageBatch>;

    /// `encode` then `decode`.
    fn reconstruct(&mut self, x: &[f32], n: usize) -> FamilyResult<ImageBatch> {
        let maps = self.encode(x, n)?;
        self.decode(&maps.maps)
    }

    /// K images, image k the decoding of a map filled with code k.
    fn code_images(&mut self) -> FamilyResult<ImageBatch>;

    /// The codebook's use since the window was last closed.
    fn usage(&self) -> CodeUsage;

    /// The codebook's use since the window was last closed; closes it (its perplexity joins the
    /// history) and opens the next one.
    fn close_usage_window(&mut self) -> CodeUsage;

    /// (training step, perplexity) of every closed window, oldest first (thinned evenly when long).
    fn perplexity_history(&self) -> Vec<(u64, f64)>;

    /// Ends stage 1 now: the next step trains the prior. An error once the prior trains.
    fn next_stage(&mut self) -> FamilyResult<()>;
}

fn codebook_of(model: &mut dyn Model) -> Result<&mut dyn CodebookView, String> {
    model.codebook().ok_or_else(|| "this model has no codebook".to_string())
}

/// Test images, their code maps and their reconstructions (decoded from those maps).
#[derive(Clone, Debug, PartialEq)]
pub struct TestCodes {
    pub inputs: ImageBatch,
    pub labels: Vec<u8>,
    pub codes: CodeMaps,
    pub reconstructions: ImageBatch,
}

fn test_codes(view: &mut dyn CodebookView, inputs: ImageBatch, labels: Vec<u8>) -> FamilyResult<TestCodes> {
    let codes = view.encode(&inputs.pixels, inputs.n)?;
    let reconstructions = view.decode(&codes.maps)?;
    Ok(TestCodes { inputs, labels, codes, reconstructions })
}

/// The first `n` test images as code maps, with their reconstructions.
pub fn encode_test_images(n: usize) -> Question<dyn Model> {
    ask(move |model, context| {
        let indices: Vec<usize> = (0..n.min(context.test_len())).collect();
        let (inputs, labels) = context.test_images(&indices).ok_or("code maps need images")?;
        test_codes(codebook_of(model)?, inputs, labels)
    })
}

/// `n` images `x` (the drawing pad's) as code maps.
pub fn encode_images(x: Vec<f32>, n: usize) -> Question<dyn Model> {
    ask(move |model, _| codebook_of(model)?.encode(&x, n))
}

/// Decoded code maps; `tag` is the asker's, to match answers to requests.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodedCodes {
    pub tag: u64,
    pub images: ImageBatch,
}

/// Decodes code maps (a tab's edited map, say).
pub fn decode(tag: u64, maps: Vec<Vec<u32>>) -> Question<dyn Model> {
    ask(move |model, _| Ok(DecodedCodes { tag, images: codebook_of(model)?.decode(&maps)? }))
}

/// Every code drawn as an image, at a training step.
#[derive(Clone, Debug, PartialEq)]
pub struct CodeImages {
    pub step: u64,
    pub images: ImageBatch,
}

/// The decoding of a map filled with each code in turn.
pub fn code_images() -> Question<dyn Model> {
    ask(|model, context| {
        let step = context.step;
        Ok(CodeImages { step, images: codebook_of(model)?.code_images()? })
    })
}

/// The codebook's use so far in the open window, without closing it.
pub fn usage() -> Question<dyn Model> {
    ask(|model, _| Ok(codebook_of(model)?.usage()))
}

/// Ends stage 1 now; the answer is the stage afterwards.
pub fn next_stage() -> Question<dyn Model> {
    ask(|model, _| {
        let view = codebook_of(model)?;
        view.next_stage()?;
        Ok(view.stage())
    })
}

/// A codebook model at a preview: its stage, the window of use that this preview closes, the
/// perplexity of every window so far, and the first test images as codes.
#[derive(Clone, Debug, PartialEq)]
pub struct CodebookPicture {
    pub step: u64,
    pub stage: Stage,
    pub stage_steps: (u64, u64),
    pub usage: CodeUsage,
    pub perplexity_history: Vec<(u64, f64)>,
    /// None when the run has no test images.
    pub test: Option<TestCodes>,
}

/// With every preview (codebook models only): closes the usage window, so the counts of each
/// picture are those since the previous preview, and encodes the first `n` test images.
pub fn picture_every_preview(n: usize) -> PreviewQuestion<dyn Model> {
    ask_every_preview(move |model, context| {
        let indices: Vec<usize> = (0..n.min(context.test_len())).collect();
        let images = if indices.is_empty() { None } else { context.test_images(&indices) };
        let step = context.step;
        let view = model.codebook()?;
        let usage = view.close_usage_window();
        let test = match images {
            Some((inputs, labels)) => match test_codes(view, inputs, labels) {
                Ok(codes) => Some(codes),
                Err(e) => return Some(Err(e)),
            },
            None => None,
        };
        Some(Ok(CodebookPicture {
            step,
            stage: view.stage(),
            stage_steps: view.stage_steps(),
            usage,
            perplexity_history: view.perplexity_history(),
            test,
        }))
    })
}

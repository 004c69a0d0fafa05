//! Out-of-distribution detection with a model's likelihood: score sets of images by their
//! negative log-likelihood and ask how well that tells them from the model's own test set.
//!
//! Likelihood models are known to fail at this in a particular way: they give simple images
//! (MNIST under a Fashion-MNIST model, SVHN under a CIFAR-10 model, a constant image) *higher*
//! likelihood than their own data (Nalisnick et al. 2019, "Do deep generative models know what
//! they don't know?"). Beside the raw score this module reports the remedy of Serrà et al. 2020
//! ("Input complexity and out-of-distribution detection with likelihood-based generative
//! models", ICLR): subtract the image's complexity, estimated by a lossless compressor,
//!
//!   S(x) = −log₂ p(x) − L(x),   L(x) = the length in bits of x compressed,
//!
//! a likelihood ratio between the model and a universal image coder (Serrà et al. write both
//! terms per dimension; every image here has the same size, so totals rank alike). They try PNG,
//! JPEG2000 and FLIF as the coder and report mainly FLIF, the strongest; genlab uses PNG (the
//! `image` crate's encoder at its best compression, adaptive filtering), the one of the three
//! it can write with its own dependencies. L(x) must code the image the model scores: the
//! 8-bit image, or for a likelihood of binarized images (the PixelCNN's) the binarized one.
//!
//! Every score follows `metrics::auroc`'s convention: higher = more anomalous.
//!
//! The parts: `sets` (the sets of images and how each is made or loaded), `options` (what a
//! run compares, checked before anything loads), `likelihood` (the family's likelihood over a
//! set, in batches), `complexity` (L(x) and S(x) per image, a set's means and extremes),
//! `report` (the scores, AUROCs and ROC curves, as a table or CSV) and `score` (the two entry
//! points, `score_sets` and `score_images`).

mod complexity;
mod likelihood;
mod options;
mod report;
mod score;
mod sets;

pub use options::{DEFAULT_EXAMPLES, MAX_EXAMPLES, MAX_SETS, OodOptions, check_options};
pub use report::{CSV_HEADER, EXTREMES, ExampleScore, Extremes, OodReport, SetScores};
pub use score::{LIKELIHOOD_FAMILIES, score_images, score_sets};
pub use sets::OodSet;

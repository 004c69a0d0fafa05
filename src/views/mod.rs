//! The views a family offers besides training and sampling — a latent space, a likelihood, a
//! two-player game, a denoising run, pixel-by-pixel and next-token sampling, a witness
//! function, a flow's layers, Gibbs chains, a codebook, a sampling run through a latent
//! space — and the questions that reach them.
//!
//! The trainer knows only `train::Family`. Everything that holds a model for a person (the
//! GUI, the command line, evaluation) holds a `Box<dyn Model>`: a family plus a getter per
//! view. A view is a trait in its own file here, with the questions a client sends through
//! `Command::Ask` and the typed answers that come back; a new view adds a file here and one
//! getter below, and nothing under `src/train/` changes.

pub mod codes;
pub mod denoising;
pub mod flow;
pub mod game;
pub mod gibbs;
pub mod inpaint;
pub mod latent;
pub mod latent_chain;
pub mod likelihood;
pub mod pixels;
pub mod stack;
pub mod straightness;
pub mod tokens;
pub mod witness;

use std::any::Any;

use crate::train::{Answer, Context, Family, PreviewQuestion, Question};

pub use codes::CodebookView;
pub use denoising::{DenoisingView, LossBucket, Trajectory, TrajectoryStep};
pub use flow::FlowView;
pub use game::{GameSnapshot, GameView, Player};
pub use gibbs::GibbsView;
pub use inpaint::Inpainter;
pub use latent::LatentModel;
pub use latent_chain::LatentChainView;
pub use likelihood::{LikelihoodModel, LogLikelihood};
pub use pixels::PixelView;
pub use stack::StackView;
pub use tokens::{DrawnToken, NextToken, SamplingSettings, TokenView};
pub use witness::WitnessView;

/// A family and the views it offers; each getter is `None` for a family without that view.
pub trait Model: Family {
    /// The latent-space view, for families that have one (autoencoders, VAEs, a GAN's G).
    fn latent(&mut self) -> Option<&mut dyn LatentModel> {
        None
    }

    /// The likelihood view, for families with an exact log-likelihood or a bound on it.
    fn likelihood(&mut self) -> Option<&mut dyn LikelihoodModel> {
        None
    }

    /// The two-player view, for GANs on 2-D data (the GAN lab).
    fn game(&mut self) -> Option<&mut dyn GameView> {
        None
    }

    /// The denoising view, for diffusion models (the step-through and the 2-D noise field).
    fn denoising(&mut self) -> Option<&mut dyn DenoisingView> {
        None
    }

    /// The pixel-by-pixel view, for autoregressive image models (PixelCNN).
    fn pixels(&mut self) -> Option<&mut dyn PixelView> {
        None
    }

    /// The next-token view, for autoregressive text models (the character model).
    fn tokens(&mut self) -> Option<&mut dyn TokenView> {
        None
    }

    /// The witness view, for kernel-trained generators on 2-D data (GMMN).
    fn witness(&mut self) -> Option<&mut dyn WitnessView> {
        None
    }

    /// The flow view: exact densities and the transform layer by layer (normalizing flows).
    fn flow(&mut self) -> Option<&mut dyn FlowView> {
        None
    }

    /// The Boltzmann-machine view: hidden units' filters and Gibbs chains (RBM).
    fn gibbs(&mut self) -> Option<&mut dyn GibbsView> {
        None
    }

    /// The layer-stack view: which layer trains, each layer's units in pixels, samples from
    /// each depth (DBN).
    fn stack(&mut self) -> Option<&mut dyn StackView> {
        None
    }

    /// The inpainting view: filling in the hidden part of images (PixelCNN, VAE, RBM, diffusion).
    fn inpainter(&mut self) -> Option<&mut dyn Inpainter> {
        None
    }

    /// The codebook view: images as maps of discrete codes and back, the codebook's use, the
    /// training stages (VQ-VAE).
    fn codebook(&mut self) -> Option<&mut dyn CodebookView> {
        None
    }

    /// The latent chain view: a sampling run followed through an autoencoder's latent space
    /// (latent diffusion).
    fn latent_chain(&mut self) -> Option<&mut dyn LatentChainView> {
        None
    }
}

/// A question for a model whose answer is a `T`: `work` runs on the worker thread between
/// steps, and the client receives the `T` (or the error sentence).
pub fn ask<T: Any + Send>(work: impl FnOnce(&mut dyn Model, &mut Context) -> Result<T, String> + Send + 'static) -> Question<dyn Model> {
    Box::new(move |model, context| work(model, context).map(|answer| Box::new(answer) as Answer))
}

/// A question asked with every preview whose answer is a `T`; `work` returns `None` when it
/// does not apply to the model of the moment (a checkpoint of another kind may be loaded).
pub fn ask_every_preview<T: Any + Send>(
    mut work: impl FnMut(&mut dyn Model, &mut Context) -> Option<Result<T, String>> + Send + 'static,
) -> PreviewQuestion<dyn Model> {
    Box::new(move |model, context| work(model, context).map(|r| r.map(|answer| Box::new(answer) as Answer)))
}

/// The questions the GUI asks with every preview while a model trains: reconstructions of the
/// first test images (models with an encoder) and the loss by timestep (diffusion models).
pub fn preview_questions() -> Vec<PreviewQuestion<dyn Model>> {
    vec![latent::reconstructions_every_preview(8), denoising::loss_by_t_every_preview()]
}

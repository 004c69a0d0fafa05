//! The GAN family's views: the image GAN's latent space (decoding is generation; there is no
//! encoder) and the 2-D game the GAN lab draws (D over the plane, G's pull, one player's step).

use burn::prelude::*;

use super::GanFamily;
use crate::models::points::{pairs, rows};
use crate::models::weights::read_back;
use crate::train::{Batch, FamilyResult, ImageBatch, LossTerms};
use crate::views::{GameView, LatentModel, Player};

use super::super::config::GanArch;

impl crate::views::Model for GanFamily {
    fn latent(&mut self) -> Option<&mut dyn LatentModel> {
        (self.config.arch == GanArch::Dcgan).then_some(self as &mut dyn LatentModel)
    }

    fn game(&mut self) -> Option<&mut dyn GameView> {
        (self.config.arch == GanArch::Mlp && self.config.data_dim == 2).then_some(self as &mut dyn GameView)
    }
}

/// The image GAN's latent space: decoding is generation; there is no encoder.
impl LatentModel for GanFamily {
    fn latent_dim(&self) -> usize {
        self.config.latent_dim
    }

    fn conditional(&self) -> bool {
        self.config.conditional
    }

    fn has_encoder(&self) -> bool {
        false
    }

    fn encode(&mut self, _x: &[f32], _n: usize, _labels: &[u8]) -> FamilyResult<Vec<f32>> {
        Err("a GAN has no encoder: it can only map latent points to images".into())
    }

    fn decode(&mut self, z: &[f32], n: usize, labels: &[u8]) -> FamilyResult<ImageBatch> {
        if z.len() != n * self.config.latent_dim {
            return Err(format!("{} latent values for {n} images of latent dimension {}", z.len(), self.config.latent_dim));
        }
        let labels = if labels.len() == n { labels.to_vec() } else { vec![0; n] };
        let pixels = self.generate(z.to_vec(), n, &labels)?;
        Ok(ImageBatch { n, width: self.config.width, height: self.config.height, pixels })
    }
}

impl GameView for GanFamily {
    fn latent_dim(&self) -> usize {
        self.config.latent_dim
    }

    fn critic_field(&mut self, points: &[[f32; 2]]) -> FamilyResult<Vec<f32>> {
        let device = self.device.clone().without_autodiff();
        read_back(self.shown(self.discriminator()?.valid().forward(rows(points, &device), None)))
    }

    fn generator_pull(&mut self, z: &[f32], n: usize) -> FamilyResult<(Vec<[f32; 2]>, Vec<[f32; 2]>)> {
        if z.len() != n * self.config.latent_dim {
            return Err(format!("{} latent values for {n} points of dimension {}", z.len(), self.config.latent_dim));
        }
        let points = self.generate(z.to_vec(), n, &[])?;
        // Each fake point as a leaf of its own: the gradient of the summed loss with respect to
        // point i is ∂ℓ_i/∂x_i (a mean would scale it by 1/n).
        let x = Tensor::<2>::from_data(TensorData::new(points.clone(), [n, 2]), &self.device).require_grad();
        let loss = self.config.objective.g_loss(self.discriminator()?.forward(x.clone(), None)).mul_scalar(n as f64);
        let grads = loss.backward();
        let gx = x.grad(&grads).ok_or("the discriminator gave no gradient for the generator's points")?;
        let pull: Vec<f32> = read_back(gx)?.iter().map(|g| -g).collect();
        Ok((pairs(&points), pairs(&pull)))
    }

    fn step_player(&mut self, batch: &Batch, player: Player) -> FamilyResult<LossTerms> {
        let terms = match player {
            Player::Discriminator => {
                let d = self.d_step(self.real(batch)?, batch.labels)?;
                let label = if self.config.objective.is_probabilistic() { "D" } else { "critic" };
                vec![("D loss".into(), d[0] as f64), (format!("{label}(real)"), d[1] as f64), (format!("{label}(fake)"), d[2] as f64)]
            }
            Player::Generator => vec![("G loss".into(), self.g_step(batch.labels)? as f64)],
        };
        Ok(terms)
    }
}

//! The tabs, in the order the tab bar shows them: one per family, each in its shell
//! (`super::shell`), then the Compare and Density tabs. A new family adds a file and a line.

pub mod charlm;
pub mod compare;
pub mod dbn;
pub mod density;
pub mod diffusion;
pub mod flow;
pub mod flow_matching;
pub mod gan;
pub mod gmmn;
pub mod latent_diffusion;
pub mod pixelcnn;
pub mod rbm;
pub mod vae;
pub mod vqvae;

use super::tab::Tab;

pub fn all_tabs() -> Vec<Box<dyn Tab>> {
    vec![
        Box::new(vae::VaeTab::vae()),
        Box::new(vae::VaeTab::autoencoder()),
        Box::new(gan::GanTab::tab()),
        Box::new(diffusion::DiffusionTab::tab()),
        Box::new(flow_matching::FlowMatchingTab::tab()),
        Box::new(latent_diffusion::LatentDiffusionTab::tab()),
        Box::new(pixelcnn::PixelCnnTab::tab()),
        Box::new(charlm::CharLmTab::tab()),
        Box::new(flow::FlowTab::tab()),
        Box::new(rbm::RbmTab::tab()),
        Box::new(dbn::DbnTab::tab()),
        Box::new(gmmn::GmmnTab::tab()),
        Box::new(vqvae::VqVaeTab::tab()),
        Box::new(compare::CompareTab::default()),
        Box::new(density::DensityTab::default()),
    ]
}

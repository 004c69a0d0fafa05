//! The family tabs, in the order the tab bar shows them. A new family adds a file and a line.

pub mod charlm;
pub mod compare;
pub mod diffusion;
pub mod flow;
pub mod gan;
pub mod gmmn;
pub mod pixelcnn;
pub mod rbm;
pub mod vae;

use super::tab::Tab;

pub fn all_tabs() -> Vec<Box<dyn Tab>> {
    vec![Box::new(vae::VaeTab::default()), Box::new(vae::VaeTab::autoencoder()), Box::new(gan::GanTab::default()),
        Box::new(diffusion::DiffusionTab::default()),
        Box::new(pixelcnn::PixelCnnTab::default()),
        Box::new(charlm::CharLmTab::default()),
        Box::new(flow::FlowTab::default()),
        Box::new(rbm::RbmTab::default()),
        Box::new(gmmn::GmmnTab::default()),
        Box::new(compare::CompareTab::default())]
}

//! PixelCNN (van den Oord et al. 2016, "Pixel Recurrent Neural Networks" §3.5): an
//! autoregressive model of binarized images, p(x) = Π_i p(x_i | x_<i) in raster order, each
//! factor a Bernoulli whose logit comes from masked convolutions that only see earlier pixels.
//! The likelihood is exact; sampling is one network pass per pixel.

pub mod config;
pub mod entry;
pub mod family;
pub mod inpaint;
pub mod masked_conv;
pub mod model;
pub mod receptive_field;

pub use config::{BINARIZE_THRESHOLD, PixelCnnConfig};
pub use family::PixelCnnFamily;
pub use masked_conv::{MaskType, mask};
pub use model::PixelCnn;
pub use receptive_field::visible_pixels;

pub use entry::{ENTRY, KIND};

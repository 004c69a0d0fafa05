//! `genlab sample`: draw from a checkpoint into a PNG grid.

use std::path::PathBuf;

use clap::Args;

use crate::device::ComputeDevice;
use crate::export::{save_grid_png, save_scatter_png};
use crate::models::load_family;
use crate::train::Samples;

#[derive(Args, Debug, Clone)]
pub struct SampleArgs {
    /// A checkpoint folder written by `genlab train` or the GUI.
    #[arg(long)]
    pub checkpoint: PathBuf,
    #[arg(long, default_value_t = 64)]
    pub n: usize,
    /// Output PNG file.
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// For a class-conditional model: the class to draw (e.g. a digit).
    #[arg(long)]
    pub label: Option<u8>,
}

pub fn run(args: &SampleArgs, device: &ComputeDevice) -> Result<(), String> {
    if args.n == 0 {
        return Err("--n must be at least 1".into());
    }
    let mut family = load_family(&args.checkpoint, &device.device)?;
    match family.sample(args.n, args.seed, args.label)? {
        Samples::Images(batch) => {
            let cols = (args.n as f64).sqrt().ceil() as usize;
            save_grid_png(&batch, cols, 3, &args.out)?;
        }
        Samples::Points(points) => save_scatter_png(&points, &[], 480, &args.out)?,
    }
    println!("{}", args.out.display());
    Ok(())
}

//! `genlab metrics`: FID, precision, recall, density and coverage of two feature files, so
//! other implementations can be checked against genlab's.

use std::path::PathBuf;

use clap::Args;

use crate::limits;
use crate::metrics::{Features, frechet_distance, prdc};

#[derive(Args, Debug, Clone)]
pub struct MetricsArgs {
    /// Real features: CSV, one sample per row (an optional header line).
    #[arg(long)]
    pub real: PathBuf,
    /// Generated features, same format and dimension.
    #[arg(long)]
    pub fake: PathBuf,
    /// Neighbours for precision, recall, density and coverage: at least 1 and less than the
    /// number of rows in each file.
    #[arg(long, default_value_t = 5)]
    pub k: usize,
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &MetricsArgs) -> Result<(), String> {
    let real = Features::read_csv(&args.real)?;
    let fake = Features::read_csv(&args.fake)?;
    if real.dim() != fake.dim() {
        return Err(format!(
            "{} has {} values per row but {} has {}: both files must hold features of the same dimension",
            args.real.display(),
            real.dim(),
            args.fake.display(),
            fake.dim()
        ));
    }
    // Each sample's ball reaches its k-th nearest other sample, so both files need k + 1 rows.
    let fewest = real.len().min(fake.len());
    if fewest < 2 {
        return Err(format!(
            "{} real and {} generated samples: precision, recall, density and coverage need at least 2 rows in each file",
            real.len(),
            fake.len()
        ));
    }
    limits::check_range("--k", args.k, 1, fewest - 1)
        .map_err(|e| format!("{e} (k must be less than the number of rows in each file: {} real, {} generated)", real.len(), fake.len()))?;
    let fid = frechet_distance(&real, &fake)?;
    let prdc = prdc(&real, &fake, args.k)?;
    let results = [
        ("FID", fid.distance),
        ("precision", prdc.precision),
        ("recall", prdc.recall),
        ("density", prdc.density),
        ("coverage", prdc.coverage),
    ];
    if let Some((name, value)) = results.iter().find(|(_, v)| !v.is_finite()) {
        return Err(format!(
            "{name} came out {value}: the features are too large or too spread for 64-bit arithmetic; \
             rescale both files (for example divide every value by the same constant)"
        ));
    }
    if let Some(w) = &fid.warning {
        eprintln!("genlab: warning: {w}");
    }
    if args.json {
        let json = serde_json::json!({
            "n_real": real.len(), "n_fake": fake.len(), "dim": real.dim(), "k": args.k,
            "fid": fid.distance, "precision": prdc.precision, "recall": prdc.recall,
            "density": prdc.density, "coverage": prdc.coverage, "fid_warning": fid.warning,
        });
        println!("{json}");
    } else {
        println!("{} real and {} generated samples, {} dimensions, k = {}", real.len(), fake.len(), real.dim(), args.k);
        println!("FID        {:.6}", fid.distance);
        println!("precision  {:.6}", prdc.precision);
        println!("recall     {:.6}", prdc.recall);
        println!("density    {:.6}", prdc.density);
        println!("coverage   {:.6}", prdc.coverage);
    }
    Ok(())
}

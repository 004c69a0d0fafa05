//! Pairwise squared Euclidean distances as matrix products, a block of rows at a time.
//!
//! ‖a − b‖² = ‖a‖² + ‖b‖² − 2 a·b, so a block of distances is one GEMM (nalgebra hands it to
//! `matrixmultiply`) plus two broadcasts. Blocks keep memory at `BLOCK_ROWS × m` values
//! instead of n × m (10k × 10k f64 would be 800 MB), and run in parallel on rayon's pool.

use nalgebra::DMatrix;
use rayon::prelude::*;

use super::Features;

/// Rows of `a` per block: 256 × 10 000 f64 = 20 MB per block in flight.
const BLOCK_ROWS: usize = 256;

/// Squared norms of each row.
fn row_norms(f: &Features) -> Vec<f64> {
    (0..f.len()).map(|i| f.row(i).iter().map(|v| v * v).sum()).collect()
}

/// For each block of rows of `a`, calls `visit(first_row, block)` where `block` is a
/// column-major `rows × b.len()` matrix of squared distances (clamped at 0), and collects
/// the results in block order.
pub fn map_distance_blocks<T, F>(a: &Features, b: &Features, visit: F) -> Vec<T>
where
    T: Send,
    F: Fn(usize, &DMatrix<f64>) -> T + Sync,
{
    assert_eq!(a.dim(), b.dim(), "callers check dimensions first");
    let d = a.dim();
    // Row-major n × d data is column-major d × n: b's samples become columns without a copy.
    let bt = DMatrix::from_column_slice(d, b.len(), b.data()); // [D, M]
    let norms_a = row_norms(a);
    let norms_b = row_norms(b);
    let starts: Vec<usize> = (0..a.len()).step_by(BLOCK_ROWS).collect();
    starts
        .into_par_iter()
        .map(|start| {
            let rows = BLOCK_ROWS.min(a.len() - start);
            let block_a = DMatrix::from_row_slice(rows, d, &a.data()[start * d..(start + rows) * d]); // [R, D]
            let mut dist = block_a * &bt; // [R, M]: a·b
            let na = &norms_a[start..start + rows];
            for (j, nb) in norms_b.iter().enumerate() {
                for (cell, na) in dist.column_mut(j).iter_mut().zip(na) {
                    *cell = (na + nb - 2.0 * *cell).max(0.0);
                }
            }
            visit(start, &dist)
        })
        .collect()
}

/// The distance from each row of `f` to its k-th nearest *other* row (prdc's radius: the
/// (k+1)-th smallest distance counting the zero distance to itself).
pub fn kth_neighbour_radii(f: &Features, k: usize) -> Vec<f64> {
    map_distance_blocks(f, f, |start, block| {
        // Transposed once so that each row's distances are contiguous.
        let by_row = block.transpose(); // [M, R]
        let mut out = Vec::with_capacity(block.nrows());
        let mut row = vec![0.0; block.ncols()];
        for r in 0..block.nrows() {
            let m = block.ncols();
            row.copy_from_slice(&by_row.as_slice()[r * m..(r + 1) * m]);
            // The point itself is at distance 0 (up to rounding); make that exact.
            row[start + r] = 0.0;
            let (_, kth, _) = row.select_nth_unstable_by(k, f64::total_cmp);
            out.push(kth.sqrt());
        }
        out
    })
    .concat()
}

#!/usr/bin/env python3
"""The same FID + precision/recall/density/coverage computation as `genlab bench --metrics`,
done by the reference libraries: pytorch-fid's calculate_frechet_distance on numpy means and
covariances, and prdc.compute_prdc (k = 5). Reads real.csv and fake.csv written by
`genlab bench --metrics --write-features DIR` and prints one JSON line.

Needs: pip install numpy scipy scikit-learn prdc pytorch-fid (pytorch-fid imports torch).
"""
import contextlib
import json
import os
import sys
import time

import numpy as np
from prdc import compute_prdc

try:
    from pytorch_fid.fid_score import calculate_frechet_distance

    fid_impl = "pytorch-fid"
except ImportError:  # pytorch-fid needs torch; fall back to its formula with scipy's sqrtm
    from scipy import linalg

    fid_impl = "scipy sqrtm (pytorch-fid's formula; pytorch-fid not installed)"

    def calculate_frechet_distance(mu1, sigma1, mu2, sigma2, eps=1e-6):
        covmean, _ = linalg.sqrtm(sigma1.dot(sigma2), disp=False)
        if not np.isfinite(covmean).all():
            offset = np.eye(sigma1.shape[0]) * eps
            covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
        covmean = covmean.real
        diff = mu1 - mu2
        return diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean)


def main():
    folder = sys.argv[1]
    real = np.loadtxt(os.path.join(folder, "real.csv"), delimiter=",")
    fake = np.loadtxt(os.path.join(folder, "fake.csv"), delimiter=",")
    t = time.perf_counter()
    fid = calculate_frechet_distance(real.mean(0), np.cov(real, rowvar=False), fake.mean(0), np.cov(fake, rowvar=False))
    fid_s = time.perf_counter() - t
    t = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):  # prdc prints the set sizes
        m = compute_prdc(real_features=real, fake_features=fake, nearest_k=5)
    prdc_s = time.perf_counter() - t
    print(json.dumps({
        "implementation": f"{fid_impl} + prdc", "n": len(real), "dim": real.shape[1],
        "fid": float(fid), "fid_seconds": fid_s, "precision": m["precision"], "recall": m["recall"],
        "density": m["density"], "coverage": m["coverage"], "prdc_seconds": prdc_s, "total_seconds": fid_s + prdc_s,
    }))


if __name__ == "__main__":
    main()

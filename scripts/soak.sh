#!/usr/bin/env bash
# The soak test (issue 17, tests/soak.rs). The real window — genlab's app, rendered through
# wgpu on Mesa lavapipe and clicked by its widgets' labels through egui_kittest — trains the
# VAE, the GAN and the diffusion model in turn for an hour, switching tabs and datasets
# (MNIST <-> Shapes, the 8-Gaussian ring <-> images), saving and loading a checkpoint after
# every phase and evaluating the VAE's in the Compare tab. Every minute it records the
# process's resident memory (VmRSS) and the step count in a CSV; it fails when the RSS at the
# end exceeds the RSS at minute 10 by more than 10 % + 64 MiB (the reason is in the test).
#
# Not part of scripts/test.sh or CI: the test is #[ignore]d and takes an hour. Settings:
#   GENLAB_SOAK_MINUTES        how long (default 60; under 20 it is judged from the middle)
#   GENLAB_SOAK_PHASE_SECONDS  how long each tab trains per phase (default 40)
#   GENLAB_SOAK_CSV            where the per-minute figures go (default: a temporary folder,
#                              printed at the start and the end)
# Extra arguments go to the test binary.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
export WGPU_BACKEND="${WGPU_BACKEND:-vulkan}"
export GENLAB_SOAK_MINUTES="${GENLAB_SOAK_MINUTES:-60}"

soak=(cargo test --release --test soak -- --ignored --nocapture "$@")
if command -v xvfb-run >/dev/null 2>&1; then
  # The harness draws offscreen and needs no display; a virtual one costs nothing and keeps
  # anything that looks for $DISPLAY from reaching the user's screen.
  exec xvfb-run -a "${soak[@]}"
fi
exec "${soak[@]}"

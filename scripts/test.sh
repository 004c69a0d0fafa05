#!/usr/bin/env bash
# Installs what is needed, then runs every test on the CPU (flex backend; UI tests render
# through wgpu on Mesa lavapipe, no display needed). One profile (release) for everything.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
export WGPU_BACKEND="${WGPU_BACKEND:-vulkan}"
cargo test --release "$@"

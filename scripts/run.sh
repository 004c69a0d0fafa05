#!/usr/bin/env bash
# Installs what is needed, then opens genlab (on the embedded MNIST sample unless
# --data-dir points at IDX files). Extra arguments go to genlab, e.g. --device cpu.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
cargo run --release -- gui "$@"

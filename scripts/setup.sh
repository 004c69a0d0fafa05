#!/usr/bin/env bash
# Installs what genlab needs on a fresh Debian/Ubuntu machine: a Rust toolchain (if missing)
# and the system libraries for the window and for CPU rendering (Mesa's lavapipe Vulkan driver).
set -euo pipefail

packages=(mesa-vulkan-drivers libvulkan1 libxkbcommon-x11-0 libxcursor1 libxrandr2 libxi6 libx11-6
          libwayland-client0 libwayland-cursor0 libwayland-egl1 pkg-config build-essential curl ca-certificates)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "genlab setup: installing ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  [ -x "$HOME/.cargo/bin/cargo" ] || curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component rustfmt
  export PATH="$HOME/.cargo/bin:$PATH"
fi
# rustfmt, for `cargo fmt --check` (the minimal profile of an earlier rustup install lacks it).
if ! cargo fmt --version >/dev/null 2>&1 && command -v rustup >/dev/null 2>&1; then
  rustup component add rustfmt
fi

# One build directory outside the checkout, shared by the app, the tests and CI.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/genlab-target}"

#!/usr/bin/env bash
# Installs what building, running and testing Berth needs, from Debian, crates.io, PyPI and
# npm only (nothing downloads a binary or a browser from elsewhere). Idempotent: what is
# already there at the right version is kept.
#   scripts/install-deps.sh run    # enough to build and run Berth
#   scripts/install-deps.sh test   # everything the test suite uses too
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-test}"

CARGO_LEPTOS_VERSION=0.3.10   # 0.3.11's lock file needs rustc 1.96
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
phase() { printf '\n==> %s\n' "$*"; }

debian_packages=(binaryen pkg-config)
if [ "$what" = test ]; then
  debian_packages+=(chromium postgresql skopeo podman buildah fuse-overlayfs uidmap haproxy)
fi
missing=()
for p in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  phase "Debian packages: ${missing[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  phase "Rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  phase "cargo-leptos $CARGO_LEPTOS_VERSION (no_downloads: it uses wasm-bindgen and wasm-opt from PATH)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION\$\| $WASM_BINDGEN_VERSION "; then
  phase "wasm-bindgen-cli $WASM_BINDGEN_VERSION (must match the wasm-bindgen crate in Cargo.lock)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --locked
fi

if [ "$what" = test ]; then
  if [ ! -x .venv/bin/python ]; then
    phase "Python virtualenv for test clients (moto S3 server, python-gitlab)"
    python3 -m venv .venv
  fi
  if ! .venv/bin/python -c 'import moto, gitlab, requests, pytest' 2>/dev/null; then
    .venv/bin/pip install -q --disable-pip-version-check -r scripts/test-requirements.txt
  fi
  if [ ! -x end2end/node_modules/.bin/playwright ]; then
    phase "Playwright (npm; drives Debian's Chromium, downloads no browser)"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
fi

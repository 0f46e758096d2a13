#!/usr/bin/env bash
# Builds Berth (first run: installs the wasm target, cargo-leptos and wasm-bindgen-cli, then
# compiles) and runs it. Arguments go to `berth serve`, e.g. ./run.sh --listen 0.0.0.0:8080
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh run
# The front end first: the server binary embeds what it produces in target/site.
# Without binaryen's optimiser: Debian's version breaks the module (scripts/no-wasm-opt/).
PATH="$PWD/scripts/no-wasm-opt:$PATH" cargo leptos build --release --frontend-only
cargo build --release -p berth-server --bin berth
exec target/release/berth serve "$@"

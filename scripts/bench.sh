#!/usr/bin/env bash
# Benchmarks `vpcwatch check` against the local emulator behind a loopback proxy that
# delays every request (50 ms by default), and Prowler on the same account when it is
# installed. See scripts/bench.py for what is measured.
#
# Usage: scripts/bench.sh [bench.py options, e.g. --runs 5 --delay 0.05 --accounts 50]
# Needs python3 (with venv) and cargo. Builds the release binary (honours
# CARGO_TARGET_DIR); installs the emulator into .venv-moto on first run. Nothing talks
# to real AWS.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PY=$(python3 tests/emulator/install.py)
cargo build --release --bin vpcwatch
exec "$PY" scripts/bench.py --vpcwatch "${CARGO_TARGET_DIR:-target}/release/vpcwatch" "$@"

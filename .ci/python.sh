#!/usr/bin/env bash
# CI for the Python package: a virtual environment from the registries
# (.venv, git-ignored; DUPSCAN_VENV to move it), clippy of the bindings,
# `pip install .` as the README says (with maturin's dev profile, to build
# fast), then pytest. The tests compare with the command-line binary, which
# `cargo build` puts in target/debug.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${DUPSCAN_VENV:-.venv}"
python="${PYTHON:-python3}"

if ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    echo "== installing python3-venv (Debian)"
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq && $sudo apt-get install -y -qq python3-venv python3-pip
fi

if [ ! -x "$venv/bin/python" ]; then
    echo "== creating $venv"
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --upgrade pip
echo "== pip install -r python/requirements-ci.txt"
"$venv/bin/python" -m pip install -q -r python/requirements-ci.txt

export PYO3_PYTHON="$PWD/$venv/bin/python"

echo "== cargo clippy -p dupscan-python -- -D warnings"
cargo clippy --locked -p dupscan-python --all-targets -- -D warnings

echo "== cargo build (the binary the tests compare with)"
cargo build --locked

echo "== pip install . (maturin, dev profile)"
MATURIN_PEP517_ARGS="--profile dev --locked" "$venv/bin/python" -m pip install -q --force-reinstall --no-deps .

echo "== pytest python/tests"
"$venv/bin/python" -m pytest -q python/tests

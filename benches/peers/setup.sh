#!/usr/bin/env bash
# Creates the git-ignored virtual environment <repo>/.venv with the peer tools
# pinned in benches/peers/requirements.txt, and makes sure GNU time is
# installed at /usr/bin/time (compare.sh reads its peak RSS).
#
#   bash benches/peers/setup.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

if [ ! -x /usr/bin/time ]; then
    echo "setup: /usr/bin/time missing, installing Debian's time package" >&2
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -r "$here/requirements.txt"
.venv/bin/python - <<'PY'
from importlib.metadata import version
for name in ("datasketch", "rensa", "gaoya", "numpy", "scipy", "xxhash", "zstandard"):
    print(f"{name}=={version(name)}")
PY
echo "setup: ready: $root/.venv" >&2

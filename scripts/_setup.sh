# Shared set-up for scripts/demo and scripts/test (sourced, not run).
# Creates .venv with Python ≥ 3.11, installs the locked packages, and — for the
# tests — Debian's chromium and fonts-wqy-microhei.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ZHILIANG_VENV:-$ROOT/.venv}"

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "需要 root 权限安装系统软件包: $* (please run as root or install sudo)" >&2; return 1; fi
}

APT_UPDATED=""
apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "安装系统软件包 Installing Debian packages: ${missing[*]}" >&2
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

find_python() {
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "需要 Python 3.11 或更高版本 (Python ≥ 3.11 is required)" >&2; return 1
}

setup_venv() {  # $1: base | test
  local lock="$ROOT/requirements/$1.txt"
  local stamp="$VENV/.zhiliang-$1.sha256"
  local want
  want="$(cat "$lock" "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$VENV/bin/zhiliang" ]; then return 0; fi
  local py; py="$(find_python)"
  if [ ! -x "$VENV/bin/python" ]; then
    "$py" -m venv "$VENV" 2>/dev/null || { apt_install python3-venv; rm -rf "$VENV"; "$py" -m venv "$VENV"; }
  fi
  echo "安装 Python 依赖 Installing locked Python packages ($1)…" >&2
  # (some machines' pip configuration names local indexes that may be absent: hide those notices)
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes -r "$lock" 2> >(grep -v "^WARNING: Location" >&2)
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e "$ROOT" 2> >(grep -v "^WARNING: Location" >&2)
  echo "$want" > "$stamp"
}

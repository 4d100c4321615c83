#!/usr/bin/env bash
# Sets up a local virtual environment (.venv) with everything the app needs.
#   ./setup.sh          the app
#   ./setup.sh --test   the app and the test tools
# On Debian/Ubuntu, run as root (or with sudo available), it also installs the
# system libraries Qt needs to run without a screen and the tools the tests use.
set -euo pipefail
cd "$(dirname "$0")"
extra=""
[ "${1:-}" = "--test" ] && extra="[test]"

apt_pkgs="libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6 libglib2.0-0 libxkbcommon0 \
libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-image0 libxcb-randr0 libxcb-render-util0 \
libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0 libx11-xcb1 poppler-utils"
if command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then
  missing=""
  # Debian's own python3 makes virtual environments only with python3-venv.
  python3 -c "import ensurepip" >/dev/null 2>&1 || missing="python3-venv"
  for p in $apt_pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo="sudo"
    echo "安装系统库:$missing"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
  fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install -q -e ".$extra"

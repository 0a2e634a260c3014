#!/usr/bin/env bash
# Installs Debian's Chromium for the browser end-to-end tests (driven by playwright-core), if missing.
# Idempotent: does nothing when /usr/bin/chromium is already there. Never downloads a browser build.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
  echo "[browser] /usr/bin/chromium is missing and this user cannot install it: apt-get install chromium" >&2
  exit 1
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "[browser] installing Debian's chromium (first run only)..." >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-liberation >&2
/usr/bin/chromium --version >&2

#!/usr/bin/env bash
# Installs the tools the deployment tests validate deploy/ with, from Debian's packages, only if missing:
#
#   docker-compose   Debian's docker-compose (the Python one): `docker-compose -f deploy/docker-compose.yml
#                    config -q` parses and checks the production stack without a Docker engine
#   ShellCheck       lints the shell scripts of the deployment, the conventions and the git hooks
#
# Idempotent: does nothing (and runs no apt-get) when every tool is there. Runs apt-get as root, or through
# sudo otherwise. Prints the path of docker-compose on stdout; progress goes to stderr, prefixed [deploy].
set -euo pipefail

log() { printf '[deploy] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

missing=()
command -v docker-compose >/dev/null || missing+=(docker-compose)
command -v shellcheck >/dev/null || missing+=(shellcheck)

if [ "${#missing[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null || die "apt-get not found: install ${missing[*]} yourself"
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "${missing[*]} missing and this user cannot install it: apt-get install ${missing[*]}"
    sudo=(sudo)
  fi
  # Another apt-get (a parallel test run installing its engines) holds the lock for a while: wait for it.
  apt_options=(-o DPkg::Lock::Timeout=300 -qq)
  log "apt-get update"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_options[@]}" update >&2 ||
    die "apt-get update failed"
  log "apt-get install ${missing[*]} (first run only)"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_options[@]}" install -y --no-install-recommends \
    "${missing[@]}" >&2 || die "apt-get install ${missing[*]} failed"
fi

for tool in docker-compose shellcheck; do
  command -v "$tool" >/dev/null || die "$tool is still missing after installing it"
done
command -v docker-compose

#!/bin/sh
# Points git at the hooks this repository ships in .githooks/ (commit-msg: Conventional Commits;
# pre-commit: naming conventions), by setting core.hooksPath in the checkout's own config. `npm install`
# runs it (the `prepare` script).
#
# Never fails: outside a git checkout of this repository (a Docker build, `npm pack`, an install as a
# dependency), without git, or when core.hooksPath already names other hooks, it says why on stderr and
# changes nothing.
cd "$(dirname "$0")/.." || exit 0
HOOKS=.githooks

skip() {
  echo "[hooks] $*: git hooks not installed" >&2
  exit 0
}

command -v git >/dev/null 2>&1 || skip "git not found"
top="$(git rev-parse --show-toplevel 2>/dev/null)" || skip "not a git checkout"
[ "$top" = "$(pwd -P)" ] || skip "$(pwd -P) is not the top of its git checkout ($top)"
[ -d "$HOOKS" ] || skip "no $HOOKS folder"

current="$(git config --local --get core.hooksPath 2>/dev/null || true)"
[ "$current" = "$HOOKS" ] && exit 0
[ -z "$current" ] || skip "core.hooksPath is already set to $current (unset it to use $HOOKS)"
git config --local core.hooksPath "$HOOKS" || skip "git config failed"
echo "[hooks] core.hooksPath=$HOOKS: commit messages and file names are checked on commit" >&2
exit 0

#!/usr/bin/env bash
# Checks a git branch name against the project's branch rules (CONVENTIONS.md, "git branches"):
#
#   feature/stage<1-9>-<name>     feature/stage6-model-registry
#   experiment/<name>             experiment/hyperparameter-tuning
#   bugfix/<issue>-<description>  bugfix/123-memory-leak
#   hotfix/<issue>-<description>  hotfix/456-security-patch
#   docs/<type>                   docs/api-documentation
#   refactor/<target>-<purpose>   refactor/data-pipeline-optimization
#
# lowercase letters and digits, words joined by single hyphens: no uppercase, no underscores, no doubled,
# leading or trailing hyphen; main, master and develop are protected and never a working branch's name.
#
#   scripts/validate_branch_name.sh [<name>]     (no name: the branch checked out)
#
# Exit 0 when the name follows the rules, 1 with the rule it breaks on stderr, 2 on bad usage.
set -euo pipefail

usage() {
  echo "usage: $0 [<branch-name>]   (no name: the current branch)" >&2
  exit 2
}

[ "$#" -le 1 ] || usage
case "${1:-}" in -h | --help) usage ;; esac

if [ "$#" -eq 1 ]; then
  name="$1"
else
  name="$(git symbolic-ref --quiet --short HEAD 2>/dev/null)" || {
    echo "no branch name given and no branch is checked out (detached HEAD or not a git checkout)" >&2
    exit 2
  }
fi

fail() {
  printf 'invalid branch name "%s": %s\n' "$name" "$1" >&2
  echo "  valid: feature/stage<1-9>-<name>, experiment/<name>, bugfix/<issue>-<description>," \
    "hotfix/<issue>-<description>, docs/<type>, refactor/<target>-<purpose>" \
    "(e.g. feature/stage6-model-registry, bugfix/123-memory-leak)" >&2
  exit 1
}

WORDS='[a-z0-9]+(-[a-z0-9]+)*'

[ -n "$name" ] || fail "the name is empty"
case "$name" in
main | master | develop) fail "main, master and develop are protected branches, never a working branch's name" ;;
esac
[[ "$name" =~ [[:space:]] ]] && fail "no spaces"
[[ "$name" =~ [A-Z] ]] && fail "lowercase only (no uppercase letters)"
[[ "$name" == *_* ]] && fail "words are joined by hyphens, never underscores"
[[ "$name" == *--* ]] && fail "no doubled hyphens (--)"
[[ "$name" =~ (^|/)- || "$name" =~ -($|/) ]] && fail "no hyphen at the start or end of a word group"
[[ "$name" =~ ^[a-z0-9/-]+$ ]] || fail "only lowercase letters, digits, hyphens and one slash"
[[ "$name" == */* ]] || fail "a type prefix is required: feature/, experiment/, bugfix/, hotfix/, docs/ or refactor/"

type="${name%%/*}"
rest="${name#*/}"
[[ "$rest" == */* ]] && fail "one slash only: <type>/<name>"
case "$rest" in
main | master | develop) fail "main, master and develop are protected names, never a working branch's name" ;;
esac

case "$type" in
feature)
  [[ "$rest" =~ ^stage[1-9]-$WORDS$ ]] ||
    fail "feature branches are feature/stage<1-9>-<name>, the stage a single digit 1-9 (e.g. feature/stage4-cicd-pipeline)"
  ;;
experiment)
  [[ "$rest" =~ ^$WORDS$ ]] || fail "experiment branches are experiment/<name>"
  ;;
bugfix | hotfix)
  [[ "$rest" =~ ^[0-9]+-$WORDS$ ]] ||
    fail "$type branches are $type/<issue number>-<description> (e.g. $type/123-memory-leak)"
  ;;
docs)
  [[ "$rest" =~ ^$WORDS$ ]] || fail "documentation branches are docs/<type>"
  ;;
refactor)
  [[ "$rest" =~ ^[a-z0-9]+(-[a-z0-9]+)+$ ]] ||
    fail "refactor branches are refactor/<target>-<purpose>, at least two words (e.g. refactor/data-pipeline-optimization)"
  ;;
*)
  fail "unknown type \"$type\": use feature, experiment, bugfix, hotfix, docs or refactor"
  ;;
esac

echo "branch name ok: $name"

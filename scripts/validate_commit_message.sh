#!/usr/bin/env bash
# Checks a commit message against Conventional Commits as CONVENTIONS.md sets them:
#
#   <type>(<scope>)!: <summary>        scope and ! optional; a blank line before any body
#
#   type   feat, fix, docs, style, refactor, perf, test, build, ci, chore (and revert)
#   scope  lowercase words: a-z, 0-9 and . _ / , - (e.g. serving, tracking, deploy)
#
# Git's own messages pass as they are: merges ("Merge branch ..."), reverts ("Revert "...""), and
# fixup!/squash!/amend! commits for `git rebase --autosquash`. Lines starting with # and everything below
# git's scissors line are ignored, as git removes them.
#
#   scripts/validate_commit_message.sh <message-file>     (the commit-msg hook passes .git/COMMIT_EDITMSG)
#   scripts/validate_commit_message.sh -                  (the message on standard input)
#
# Exit 0 (silently) when the message follows the rules, 1 with the rule it breaks on stderr, 2 on bad usage.
set -euo pipefail

TYPES="feat fix docs style refactor perf test build ci chore revert"

[ "$#" -eq 1 ] || {
  echo "usage: $0 <message-file> | -" >&2
  exit 2
}
if [ "$1" = - ]; then
  raw="$(cat)"
else
  [ -r "$1" ] || {
    echo "$0: cannot read $1" >&2
    exit 2
  }
  raw="$(cat "$1")"
fi

# What git keeps: no comment lines, nothing from the scissors line on (`git commit -v`), no CR.
lines=()
while IFS= read -r line || [ -n "$line" ]; do
  line="${line%$'\r'}"
  [[ "$line" == "# ------------------------ >8 ------------------------"* ]] && break
  [[ "$line" == "#"* ]] && continue
  lines+=("$line")
done <<<"$raw"

# The summary is the first non-blank line.
first=-1
for index in "${!lines[@]}"; do
  if [[ "${lines[$index]}" =~ [^[:space:]] ]]; then
    first=$index
    break
  fi
done

fail() {
  echo "invalid commit message: $1" >&2
  [ "$first" -ge 0 ] && echo "  got:      ${lines[$first]}" >&2
  echo "  expected: <type>(<scope>): <summary>, e.g. \"feat(serving): hot-swap model on promotion\"" >&2
  echo "            type one of: ${TYPES// /, }; scope optional (see CONVENTIONS.md)" >&2
  exit 1
}

[ "$first" -ge 0 ] || fail "the message is empty"
subject="${lines[$first]}"

# Messages git writes itself.
if [[ "$subject" =~ ^Merge\  || "$subject" =~ ^Revert\ \" || "$subject" =~ ^(fixup|squash|amend)!\  ]]; then
  exit 0
fi

[[ "$subject" =~ ^[[:space:]] ]] && fail "the summary line must not start with whitespace"
[[ "$subject" =~ ^([A-Za-z]+) ]] || fail "the summary must start with a type"
type="${BASH_REMATCH[1]}"
case " $TYPES " in
*" $type "*) ;;
*)
  if case " $TYPES " in *" ${type,,} "*) true ;; *) false ;; esac then
    fail "the type is lowercase: \"${type,,}\", not \"$type\""
  fi
  fail "unknown type \"$type\""
  ;;
esac
rest="${subject#"$type"}"
if [[ "$rest" == "("* ]]; then
  [[ "$rest" =~ ^\(([^\)]*)\) ]] || fail "the scope is not closed: <type>(<scope>): <summary>"
  scope="${BASH_REMATCH[1]}"
  [[ "$scope" =~ ^[a-z0-9]+([._/,-][a-z0-9]+)*$ ]] ||
    fail "the scope \"$scope\" must be lowercase words (a-z, 0-9, joined by . _ / , -)"
  rest="${rest#"($scope)"}"
fi
rest="${rest#!}"
[[ "$rest" == ": "* ]] || fail "the type (and scope) must be followed by a colon and one space"
summary="${rest#: }"
[[ "$summary" =~ ^[^[:space:]] ]] || fail "the summary after \"$type: \" is empty or starts with whitespace"

# A body is separated from the summary by one blank line.
next=$((first + 1))
if [ "$next" -lt "${#lines[@]}" ] && [[ "${lines[$next]}" =~ [^[:space:]] ]]; then
  fail "leave a blank line between the summary and the body"
fi

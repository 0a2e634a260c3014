#!/usr/bin/env bash
# The threshold gate of the ML pipeline: checks the metrics of an evaluation report (the JSON that
# `mlops evaluate <version> --json` or `mlops train --json` prints) against absolute bars.
#
#   scripts/validate_model_metrics.sh <report.json> <rule>...       e.g. ndcg>=0.05 recall>=0.1
#
# A rule is <metric><op><number> with op one of >= > <= < (metric names as in the report's "metrics":
# ndcg, recall, precision, map, hit_rate, coverage, novelty, at the report's cut-off k). Prints a Markdown
# table of every rule (for $GITHUB_STEP_SUMMARY); exit 0 when all pass, 1 when one fails or a metric is
# missing, 2 on bad usage or an unreadable report.
set -euo pipefail

if [ "$#" -lt 2 ]; then
  echo "usage: $0 <report.json> <metric>(>=|>|<=|<)<number>..." >&2
  exit 2
fi

node - "$@" <<'EOF'
const { readFileSync } = require('node:fs');
const [file, ...rules] = process.argv.slice(2);
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (error) {
  console.error(`cannot read the evaluation report ${file}: ${error.message}`);
  process.exit(2);
}
const metrics = report.metrics ?? {};
const compare = { '>=': (a, b) => a >= b, '>': (a, b) => a > b, '<=': (a, b) => a <= b, '<': (a, b) => a < b };
const label = `${report.model ?? 'model'}${report.version === undefined ? '' : ` version ${report.version}`}`;
const lines = [`### Threshold gate: ${label} (k=${metrics.k ?? '?'})`, '', '| metric | rule | value | result |', '|---|---|---|---|'];
let failed = 0;
for (const rule of rules) {
  const match = /^([a-z_][a-z0-9_]*)(>=|<=|>|<)(-?\d+(?:\.\d+)?)$/.exec(rule);
  if (!match) {
    console.error(`bad rule "${rule}": expected <metric><op><number>, e.g. ndcg>=0.05`);
    process.exit(2);
  }
  const [, name, op, bar] = match;
  const value = metrics[name];
  const passed = typeof value === 'number' && compare[op](value, Number(bar));
  if (!passed) failed++;
  const shown = typeof value === 'number' ? value.toFixed(4) : 'missing';
  lines.push(`| ${name} | ${op} ${bar} | ${shown} | ${passed ? 'pass' : 'FAIL'} |`);
}
lines.push('', failed === 0 ? 'All thresholds passed.' : `${failed} of ${rules.length} thresholds failed.`);
console.log(lines.join('\n'));
process.exit(failed === 0 ? 0 : 1);
EOF

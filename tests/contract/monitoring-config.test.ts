import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type App, buildApp } from '../../src/server/index.js';
import { ServingService } from '../../src/serving/index.js';
import { contextOf, openTestPlatform, type TestPlatform } from '../helpers/platform.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const RULES_DIR = path.join(REPO, 'deploy/prometheus/rules');

interface Rule {
  alert: string;
  expr: string;
  annotations: { runbook?: string; summary?: string };
}

function alertRules(): Rule[] {
  return readdirSync(RULES_DIR)
    .filter((file) => file.endsWith('.yml'))
    .flatMap((file) => {
      const document = parse(readFileSync(path.join(RULES_DIR, file), 'utf8')) as {
        groups: { rules: Rule[] }[];
      };
      return document.groups.flatMap((group) => group.rules);
    });
}

function dashboardExpressions(): string[] {
  const dashboard = JSON.parse(
    readFileSync(path.join(REPO, 'deploy/grafana/dashboards/mlops-overview.json'), 'utf8'),
  ) as {
    uid: string;
    panels: { targets: { expr: string }[] }[];
  };
  expect(dashboard.uid).toBe('mlops-overview');
  return dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));
}

/** Metric names in PromQL: our own and Node's process metrics (functions and labels are not prefixed so). */
function metricNames(expression: string): string[] {
  return [...expression.matchAll(/\b((?:mlops|process|nodejs)_[a-zA-Z0-9_]+)/g)].map(
    (match) => match[1] as string,
  );
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchorsOf(markdown: string): Set<string> {
  return new Set(
    [...markdown.matchAll(/^#+\s+(.+)$/gm)].map((match) =>
      (match[1] as string)
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s-]/gu, '')
        .trim()
        .replace(/\s/g, '-'),
    ),
  );
}

describe('Prometheus rules and the Grafana dashboard against what /metrics exports', () => {
  let test: TestPlatform;
  let app: App;
  let exported: Set<string>;

  beforeAll(async () => {
    test = await openTestPlatform();
    app = await buildApp(test.platform, {
      serving: new ServingService(contextOf(test.platform), test.config.serving, test.platform.metrics),
    });
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    exported = new Set();
    for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      exported.add(name as string);
      if (type === 'histogram')
        for (const suffix of ['_bucket', '_sum', '_count']) exported.add(`${name}${suffix}`);
    }
  });
  afterAll(async () => {
    await app?.close();
    await test?.dispose();
  });

  it('every alert rule names exported metrics and a runbook section that exists', () => {
    const rules = alertRules();
    expect(rules.map((rule) => rule.alert)).toEqual(
      expect.arrayContaining(['MlopsHighErrorRatio', 'MlopsHighLatencyP95', 'MlopsNoModelLoaded']),
    );
    for (const rule of rules) {
      const names = metricNames(rule.expr);
      expect(names.length, rule.alert).toBeGreaterThan(0);
      expect(
        names.filter((name) => !exported.has(name)),
        rule.alert,
      ).toEqual([]);
      const [file, anchor] = (rule.annotations.runbook ?? '').split('#');
      const markdown = readFileSync(path.join(REPO, file ?? ''), 'utf8');
      expect(anchorsOf(markdown).has(anchor ?? ''), `${rule.alert} → ${rule.annotations.runbook}`).toBe(true);
    }
  });

  it('every dashboard panel queries exported metrics', () => {
    const expressions = dashboardExpressions();
    expect(expressions.length).toBeGreaterThanOrEqual(8);
    const unknown = expressions.flatMap(metricNames).filter((name) => !exported.has(name));
    expect(unknown).toEqual([]);
  });

  it('catches a rule that names a metric nobody exports', () => {
    expect(metricNames('rate(mlops_http_requestz_total[5m])').filter((name) => !exported.has(name))).toEqual([
      'mlops_http_requestz_total',
    ]);
  });
});

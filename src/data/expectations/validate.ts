import { sqlString, withDuckDb } from '../parquet.js';
import type { ExpectationSuite, Severity } from './expectation.js';

export interface ExpectationResult {
  expectation: string;
  column: string | null;
  severity: Severity;
  passed: boolean;
  expected: string;
  observed: string;
}

/** A validation report: `passed` is false when any critical expectation failed. */
export interface ValidationReport {
  dataset: string;
  passed: boolean;
  evaluated_at: string;
  results: ExpectationResult[];
}

/** Runs every expectation of `suite` on a Parquet file, with DuckDB, and reports each outcome. */
export async function validateParquet(
  file: string,
  suite: ExpectationSuite,
  now = new Date(),
): Promise<ValidationReport> {
  return withDuckDb(async (connection) => {
    await connection.run(`create view dataset as select * from read_parquet(${sqlString(file)})`);
    const results: ExpectationResult[] = [];
    for (const expectation of suite.expectations) {
      let outcome: { passed: boolean; observed: string };
      try {
        outcome = await expectation.evaluate(connection, 'dataset', now);
      } catch (error) {
        outcome = {
          passed: false,
          observed: `could not evaluate: ${(error as Error).message.split('\n')[0]}`,
        };
      }
      results.push({
        expectation: expectation.type,
        column: expectation.column ?? null,
        severity: expectation.severity,
        expected: expectation.expected,
        ...outcome,
      });
    }
    return {
      dataset: suite.dataset,
      passed: results.every((result) => result.passed || result.severity !== 'critical'),
      evaluated_at: now.toISOString(),
      results,
    };
  });
}

/** The report as lines for a terminal. */
export function formatReport(report: ValidationReport, versionId?: string): string {
  const failedCritical = report.results.filter(
    (result) => !result.passed && result.severity === 'critical',
  ).length;
  const warnings = report.results.filter((result) => !result.passed && result.severity === 'warning').length;
  const head = `${report.dataset}${versionId ? ` ${versionId.slice(0, 12)}` : ''}: ${report.passed ? 'PASSED' : 'FAILED'} (${report.results.length} expectations, ${failedCritical} critical failure(s), ${warnings} warning(s))`;
  const lines = report.results.map((result) => {
    const mark = result.passed ? 'ok  ' : result.severity === 'critical' ? 'FAIL' : 'warn';
    const target = result.column ? ` [${result.column}]` : '';
    return `  ${mark} ${result.expectation}${target}: expected ${result.expected}; observed ${result.observed}`;
  });
  return [head, ...lines].join('\n');
}

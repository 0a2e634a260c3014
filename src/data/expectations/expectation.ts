import type { DuckDBConnection } from '@duckdb/node-api';

export type Severity = 'critical' | 'warning';

/** One check on a table. `critical` failures fail the dataset; `warning` ones are reported only. */
export interface Expectation {
  /** e.g. `expect_column_values_to_not_be_null`, after Great Expectations' names. */
  type: string;
  column?: string;
  severity: Severity;
  /** What a pass means, in words: shown in reports. */
  expected: string;
  /** Evaluates on `table` (a view over the dataset); resolves with whether it held and what was seen. */
  evaluate(
    connection: DuckDBConnection,
    table: string,
    now: Date,
  ): Promise<{ passed: boolean; observed: string }>;
}

export interface ExpectationSuite {
  dataset: string;
  expectations: Expectation[];
}

export interface ExpectationOptions {
  severity?: Severity;
}

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

async function scalar(connection: DuckDBConnection, sql: string): Promise<unknown> {
  const reader = await connection.runAndReadAll(sql);
  return reader.getRowsJS()[0]?.[0];
}

/** The table has exactly these columns, with these DuckDB types. */
export function expectColumns(
  columns: Record<string, string>,
  options: ExpectationOptions = {},
): Expectation {
  const wanted = Object.entries(columns).map(([name, type]) => `${name} ${type}`);
  return {
    type: 'expect_table_columns_to_match_set',
    severity: options.severity ?? 'critical',
    expected: wanted.join(', '),
    async evaluate(connection, table) {
      const reader = await connection.runAndReadAll(`describe ${table}`);
      const actual = reader
        .getRowObjectsJS()
        .map((row) => `${String(row.column_name)} ${String(row.column_type)}`);
      const missing = wanted.filter((column) => !actual.includes(column));
      const extra = actual.filter((column) => !wanted.includes(column));
      const problems = [
        ...missing.map((column) => `missing ${column}`),
        ...extra.map((column) => `unexpected ${column}`),
      ];
      return {
        passed: problems.length === 0,
        observed: problems.length === 0 ? 'all columns present' : problems.join('; '),
      };
    },
  };
}

export function expectNotNull(column: string, options: ExpectationOptions = {}): Expectation {
  return {
    type: 'expect_column_values_to_not_be_null',
    column,
    severity: options.severity ?? 'critical',
    expected: 'no nulls',
    async evaluate(connection, table) {
      const nulls = Number(
        await scalar(connection, `select count(*) from ${table} where ${quote(column)} is null`),
      );
      return { passed: nulls === 0, observed: `${nulls} null(s)` };
    },
  };
}

export function expectBetween(
  column: string,
  min: number | null,
  max: number | null,
  options: ExpectationOptions = {},
): Expectation {
  const conditions = [
    ...(min === null ? [] : [`${quote(column)} < ${min}`]),
    ...(max === null ? [] : [`${quote(column)} > ${max}`]),
  ];
  return {
    type: 'expect_column_values_to_be_between',
    column,
    severity: options.severity ?? 'critical',
    expected: `between ${min ?? '-∞'} and ${max ?? '+∞'}`,
    async evaluate(connection, table) {
      const outside = Number(
        await scalar(connection, `select count(*) from ${table} where ${conditions.join(' or ') || 'false'}`),
      );
      const range =
        (
          await connection.runAndReadAll(`select min(${quote(column)}), max(${quote(column)}) from ${table}`)
        ).getRowsJS()[0] ?? [];
      return {
        passed: outside === 0,
        observed: `${outside} outside; min ${String(range[0])}, max ${String(range[1])}`,
      };
    },
  };
}

export function expectInSet(
  column: string,
  allowed: readonly string[],
  options: ExpectationOptions = {},
): Expectation {
  const list = allowed.map((value) => `'${value.replaceAll("'", "''")}'`).join(', ');
  return {
    type: 'expect_column_values_to_be_in_set',
    column,
    severity: options.severity ?? 'critical',
    expected: `one of ${allowed.join(', ')}`,
    async evaluate(connection, table) {
      const reader = await connection.runAndReadAll(
        `select distinct ${quote(column)} from ${table} where ${quote(column)} not in (${list}) limit 5`,
      );
      const bad = reader.getRowsJS().map((row) => String(row[0]));
      return {
        passed: bad.length === 0,
        observed: bad.length === 0 ? 'all allowed' : `unexpected: ${bad.join(', ')}`,
      };
    },
  };
}

export function expectUnique(columns: readonly string[], options: ExpectationOptions = {}): Expectation {
  const list = columns.map(quote).join(', ');
  return {
    type: 'expect_compound_columns_to_be_unique',
    column: columns.join(', '),
    severity: options.severity ?? 'critical',
    expected: 'no duplicates',
    async evaluate(connection, table) {
      const duplicates = Number(
        await scalar(
          connection,
          `select count(*) from (select ${list} from ${table} group by ${list} having count(*) > 1)`,
        ),
      );
      return { passed: duplicates === 0, observed: `${duplicates} duplicated value(s)` };
    },
  };
}

export function expectRowCount(
  min: number,
  max: number | null,
  options: ExpectationOptions = {},
): Expectation {
  return {
    type: 'expect_table_row_count_to_be_between',
    severity: options.severity ?? 'critical',
    expected: `between ${min} and ${max ?? '∞'} rows`,
    async evaluate(connection, table) {
      const rows = Number(await scalar(connection, `select count(*) from ${table}`));
      return { passed: rows >= min && (max === null || rows <= max), observed: `${rows} rows` };
    },
  };
}

/** The newest value of a timestamp column is at most `maxAgeDays` old. */
export function expectFresh(
  column: string,
  maxAgeDays: number,
  options: ExpectationOptions = {},
): Expectation {
  return {
    type: 'expect_column_max_to_be_recent',
    column,
    severity: options.severity ?? 'warning',
    expected: `newest value within ${maxAgeDays} days`,
    async evaluate(connection, table, now) {
      const newest = await scalar(connection, `select epoch_ms(max(${quote(column)})) from ${table}`);
      if (newest === null || newest === undefined) return { passed: false, observed: 'no values' };
      const ageDays = (now.getTime() - Number(newest)) / 86_400_000;
      return {
        passed: ageDays <= maxAgeDays,
        observed: `newest is ${new Date(Number(newest)).toISOString()} (${ageDays.toFixed(1)} days old)`,
      };
    },
  };
}

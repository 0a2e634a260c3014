import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import pg from 'pg';

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 2xx; fails if the server process exits first. Resolves with the wait in ms. */
export async function waitForServer(url: string, child: ChildProcess, timeoutMs = 120_000): Promise<number> {
  const started = performance.now();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the server exited (${child.exitCode})`);
    const isUp = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (isUp) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not become ready`);
}

/** Prints rows as a plain text table: the first column left-aligned, figures right-aligned. */
export function printTable<T>(
  columns: readonly (readonly [string, (row: T) => string])[],
  rows: readonly T[],
): void {
  const cells = [columns.map(([title]) => title), ...rows.map((row) => columns.map(([, cell]) => cell(row)))];
  const widths = columns.map((_, index) => Math.max(...cells.map((line) => (line[index] ?? '').length)));
  for (const line of cells)
    process.stdout.write(
      `${line.map((cell, index) => (index === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[index] ?? 0))).join('  ')}\n`,
    );
}

/**
 * A fresh database on the PostgreSQL server of `serverUrl` (named `mlops_bench_<what>_<pid>`), so a bench
 * never meets the records of an earlier run; `drop` removes it.
 */
export async function scratchDatabase(
  serverUrl: string,
  what: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `mlops_bench_${what}_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const dropper = new pg.Client({ connectionString: serverUrl });
      await dropper.connect();
      try {
        await dropper.query(`drop database if exists ${name} with (force)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll } from 'vitest';

const REPO = path.resolve(import.meta.dirname, '../..');
// The built command, as users run it (global-setup rebuilds it when a source is newer).
const CLI_ARGS = [path.join(REPO, 'dist/cli/main.js')];

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment a test gives the CLI: only what it sets plus PATH, so the developer's own variables never leak in. */
function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  // Demo data costs seconds per start and serving needs a trained model: tests that want them turn them on.
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    MLOPS_LOG_FORMAT: 'json',
    MLOPS_DEMO_DATA: 'false',
    MLOPS_SERVING: 'false',
    MLOPS_FEATURES_BOOTSTRAP: 'false',
    ...env,
  };
}

/** Runs `mlops <args>` from the sources to completion. */
export function runCli(args: string[], env: Record<string, string>, cwd = REPO): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI_ARGS, ...args], { env: cliEnv(env), cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface RunningCli {
  child: ChildProcessWithoutNullStreams;
  output(): string;
  /** Resolves when stdout+stderr match `pattern`; rejects if the process exits first or time runs out. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** Starts a long-running `mlops <args>` (like `up`) from the sources. */
/** Started processes still running: a test that fails half-way leaves no server behind its file. */
const running = new Set<ChildProcessWithoutNullStreams>();
afterAll(async () => {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          child.once('close', () => {
            clearTimeout(killer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
});

export function startCli(args: string[], env: Record<string, string>, cwd = REPO): RunningCli {
  const child = spawn(process.execPath, [...CLI_ARGS, ...args], { env: cliEnv(env), cwd });
  running.add(child);
  child.once('close', () => running.delete(child));
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(output)) {
            cleanup();
            resolve();
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${pattern}; output so far:\n${output}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        void exited.then((code) => {
          if (!pattern.test(output)) {
            cleanup();
            reject(new Error(`process exited (${code}) before ${pattern}; output:\n${output}`));
          }
        });
        check();
      });
    },
  };
}

/** A TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

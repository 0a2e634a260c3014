import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';

export const REPO = path.resolve(import.meta.dirname, '../..');

export interface ScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion (a repository script, git, a validator), never throwing on a failed exit. */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {},
): ScriptResult {
  const result = spawnSync(command, args, {
    cwd: options.cwd ?? REPO,
    input: options.input ?? '',
    env: options.env ?? process.env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Like `run`, without blocking this process (for a script that talks to a server running in it). */
export function runAsync(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? REPO, env: options.env ?? process.env });
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

/** Runs `bash scripts/<name> <args>` from the repository. */
export function runScript(
  name: string,
  args: string[],
  options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {},
): ScriptResult {
  return run('bash', [path.join(REPO, 'scripts', name), ...args], options);
}

let commandTree: Promise<Map<string, string[]>> | undefined;

/**
 * The real `mlops` command tree (each command with its subcommands), read from the program src/cli/main.ts
 * builds: its parse is held back while it is imported, so nothing runs.
 */
function mlopsCommandTree(): Promise<Map<string, string[]>> {
  commandTree ??= (async () => {
    const { Command } = await import('commander');
    const parse = Command.prototype.parseAsync;
    let program: InstanceType<typeof Command> | undefined;
    Command.prototype.parseAsync = async function (this: InstanceType<typeof Command>) {
      program = this;
      return this;
    };
    try {
      await import('../../src/cli/main.js');
    } finally {
      Command.prototype.parseAsync = parse;
    }
    if (program === undefined) throw new Error('src/cli/main.ts built no program');
    return new Map(
      program.commands.map((command) => [command.name(), command.commands.map((sub) => sub.name())] as const),
    );
  })();
  return commandTree;
}

/**
 * Checks command lines written for the `mlops` CLI (in workflows, compose files, manifests) against the real
 * CLI: the command exists and, for a command group (`data`, `models`...), so does the subcommand.
 * Each entry is the words after `mlops`; words past the command are arguments and are not checked.
 * Returns one problem per unknown command, none when all exist.
 */
export async function findUnknownMlopsCommands(lines: string[][]): Promise<string[]> {
  const tree = await mlopsCommandTree();
  const problems: string[] = [];
  for (const words of lines) {
    const [command, sub] = words;
    const shown = `mlops ${words.join(' ')}`;
    const subcommands = command === undefined ? undefined : tree.get(command);
    if (subcommands === undefined) {
      problems.push(`${shown}: no command "${command}" (mlops has ${[...tree.keys()].join(', ')})`);
    } else if (subcommands.length > 0 && (sub === undefined || !subcommands.includes(sub))) {
      problems.push(`${shown}: "${command}" has the subcommands ${subcommands.join(', ')}`);
    }
  }
  return problems;
}

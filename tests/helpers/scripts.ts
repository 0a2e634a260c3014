import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { runCli } from './cli.js';

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

/** Runs `bash scripts/<name> <args>` from the repository. */
export function runScript(
  name: string,
  args: string[],
  options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {},
): ScriptResult {
  return run('bash', [path.join(REPO, 'scripts', name), ...args], options);
}

/** The first word of each line of a help text's "Commands:" section (without `help`). */
function helpCommands(help: string): string[] {
  const section = help.split(/^Commands:$/m)[1];
  if (section === undefined) return [];
  const commands: string[] = [];
  for (const line of section.split('\n').slice(1)) {
    if (line.trim() === '') break;
    const match = /^ {2}([a-z][a-z-]*)/.exec(line);
    if (match?.[1] !== undefined && match[1] !== 'help') commands.push(match[1]);
  }
  return commands;
}

/**
 * Checks command lines written for the `mlops` CLI (in workflows, compose files, manifests) against the real
 * CLI's help: the command exists and, for a command group (`data`, `models`...), so does the subcommand.
 * Each entry is the words after `mlops`; words past the command are arguments and are not checked.
 * Returns one problem per unknown command, none when all exist.
 */
export async function findUnknownMlopsCommands(lines: string[][]): Promise<string[]> {
  const top = await runCli(['--help'], {});
  const commands = helpCommands(top.stdout);
  if (commands.length === 0) throw new Error(`mlops --help lists no command:\n${top.stdout}${top.stderr}`);
  const groups = [...new Set(lines.map((words) => words[0] ?? '').filter((word) => commands.includes(word)))];
  const children = new Map(
    await Promise.all(
      groups.map(
        async (group) => [group, helpCommands((await runCli([group, '--help'], {})).stdout)] as const,
      ),
    ),
  );
  const problems: string[] = [];
  for (const words of lines) {
    const [command, sub] = words;
    const shown = `mlops ${words.join(' ')}`;
    if (command === undefined || !commands.includes(command)) {
      problems.push(`${shown}: no command "${command}" (mlops has ${commands.join(', ')})`);
      continue;
    }
    const subcommands = children.get(command) ?? [];
    if (subcommands.length > 0 && (sub === undefined || !subcommands.includes(sub))) {
      problems.push(`${shown}: "${command}" has the subcommands ${subcommands.join(', ')}`);
    }
  }
  return problems;
}

import type { Command } from 'commander';
import { describeError } from '../../errors/index.js';
import type { ReadyResponse } from '../../server/routes/health-routes.js';
import { EXIT, reportFailure, serverUrl } from '../context.js';
import { formatTable } from '../table.js';

interface StatusOptions {
  url?: string;
  json?: boolean;
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('show the health of every component of a running platform (exit 1 when something is down)')
    .option('--url <url>', 'base URL of the platform (default from MLOPS_HOST and MLOPS_PORT)')
    .option('--json', 'print the /ready answer as JSON')
    .action(async (options: StatusOptions) => {
      process.exitCode = await runStatus(options);
    });
}

async function runStatus(options: StatusOptions): Promise<number> {
  let baseUrl: string;
  try {
    baseUrl = options.url ?? serverUrl();
  } catch (error) {
    return reportFailure(error);
  }
  let report: ReadyResponse;
  try {
    const response = await fetch(new URL('/ready', baseUrl), { signal: AbortSignal.timeout(10_000) });
    report = (await response.json()) as ReadyResponse;
  } catch (error) {
    const reason = describeError((error as { cause?: unknown }).cause ?? error);
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ status: 'down', url: baseUrl, detail: reason })}\n`);
    } else {
      process.stdout.write(
        `${formatTable(['component', 'status', 'detail'], [['server', 'DOWN', `nothing answers at ${baseUrl} (${reason}); start it with \`mlops up\``]])}\n`,
      );
    }
    return EXIT.FAILURE;
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const rows = report.components.map((component) => [
      component.name,
      component.status === 'up' ? 'up' : 'DOWN',
      component.backend,
      component.location,
      `${component.latency_ms} ms`,
      component.detail,
    ]);
    process.stdout.write(
      `${report.service} ${report.version} at ${baseUrl}: ${report.status.replace('_', ' ')}\n`,
    );
    process.stdout.write(
      `${formatTable(['component', 'status', 'backend', 'location', 'latency', 'detail'], rows)}\n`,
    );
  }
  return report.status === 'ready' ? EXIT.OK : EXIT.FAILURE;
}

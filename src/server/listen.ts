import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ConfigError, describeError } from '../errors/index.js';
import type { Platform } from '../platform/index.js';
import type { App } from './app.js';

export interface RunningServer {
  app: App;
  /** The address actually bound (the port is known even when 0 was asked for). */
  url: string;
  /** Stops taking requests, lets in-flight ones finish (up to the shutdown timeout), closes storage. */
  shutdown(reason: string): Promise<void>;
}

/**
 * Listens on the configured host and port. Shutdown is idempotent: it closes the app (in-flight requests
 * finish), then calls `afterClose` — by default closing the platform; a runtime stops its services there.
 */
export async function startServer(
  app: App,
  platform: Platform,
  options: { afterClose?: () => Promise<void> } = {},
): Promise<RunningServer> {
  const { host, port, shutdownTimeoutMs } = platform.config.server;
  const log = platform.logger.child({ component: 'SERVER', logger: 'mlops.server' });
  const address = await app.listen({ host, port });
  log.info({ action: 'LISTEN', url: address }, `listening on ${address}`);
  let extra: Server[] = [];
  try {
    extra = await listenOnExtraPorts(app, host, platform.config.server.extraPorts);
  } catch (error) {
    await app.close();
    throw error;
  }
  for (const server of extra) {
    const { port: bound } = server.address() as { port: number };
    log.info({ action: 'LISTEN', port: bound }, `also answering on port ${bound}`);
  }

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      const startedAt = Date.now();
      log.info({ action: 'SHUTDOWN', reason }, `shutting down (${reason}): finishing in-flight requests`);
      app.mlopsShutdown.isShuttingDown = true;
      for (const server of extra) server.close();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), shutdownTimeoutMs);
        timer.unref();
      });
      const outcome = await Promise.race([app.close().then(() => 'closed' as const), timedOut]).catch(
        (error: unknown) => {
          log.error({ action: 'SHUTDOWN', err: error }, `closing the server failed: ${describeError(error)}`);
          return 'failed' as const;
        },
      );
      clearTimeout(timer);
      if (outcome === 'timeout') {
        log.warn(
          { action: 'SHUTDOWN', timeout_ms: shutdownTimeoutMs },
          'in-flight requests did not finish in time',
        );
        app.server.closeAllConnections();
        for (const server of extra) server.closeAllConnections();
      }
      await (options.afterClose ?? (() => platform.close()))();
      log.info({ action: 'SHUTDOWN', duration_ms: Date.now() - startedAt }, 'stopped cleanly');
    })();
    return stopping;
  };
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${(app.server.address() as { port: number }).port}`;
  return { app, url, shutdown };
}

/**
 * The same app on more ports (MLOPS_EXTRA_PORTS), so commands written for the seed guide's separate
 * services (Airflow on 8080, the PyTorch API on 8001, Feast on 6566, MLflow on 5000) reach it unchanged.
 * A port already taken stops the start with a clear message and closes what was opened.
 */
async function listenOnExtraPorts(app: App, host: string, ports: readonly number[]): Promise<Server[]> {
  const servers: Server[] = [];
  for (const port of ports) {
    // The app's own request handler: every hook, route and error mapping applies on these ports too.
    const route = app.routing as unknown as (request: IncomingMessage, response: ServerResponse) => void;
    const server = createServer((request, response) => route(request, response));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      for (const opened of servers) opened.close();
      const code = (error as NodeJS.ErrnoException).code;
      throw new ConfigError(
        code === 'EADDRINUSE'
          ? `MLOPS_EXTRA_PORTS: port ${port} on ${host} is already in use (another service of the guide's stack?); stop what uses it or leave the port out`
          : `MLOPS_EXTRA_PORTS: cannot listen on ${host}:${port} (${describeError(error)})`,
        { field: 'MLOPS_EXTRA_PORTS' },
      );
    }
    servers.push(server);
  }
  return servers;
}

import { describeError } from '../errors/index.js';
import type { Platform } from '../platform/index.js';
import type { App } from './app.js';

export interface RunningServer {
  app: App;
  /** The address actually bound (the port is known even when 0 was asked for). */
  url: string;
  /** Stops taking requests, lets in-flight ones finish (up to the shutdown timeout), closes storage. */
  shutdown(reason: string): Promise<void>;
}

/** Listens on the configured host and port. Shutdown is idempotent and always closes the platform. */
export async function startServer(app: App, platform: Platform): Promise<RunningServer> {
  const { host, port, shutdownTimeoutMs } = platform.config.server;
  const log = platform.logger.child({ component: 'SERVER', logger: 'mlops.server' });
  const address = await app.listen({ host, port });
  log.info({ action: 'LISTEN', url: address }, `listening on ${address}`);

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      const startedAt = Date.now();
      log.info({ action: 'SHUTDOWN', reason }, `shutting down (${reason}): finishing in-flight requests`);
      app.mlopsShutdown.isShuttingDown = true;
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
      }
      await platform.close();
      log.info({ action: 'SHUTDOWN', duration_ms: Date.now() - startedAt }, 'stopped cleanly');
    })();
    return stopping;
  };
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${(app.server.address() as { port: number }).port}`;
  return { app, url, shutdown };
}

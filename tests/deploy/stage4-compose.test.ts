import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENV_VARIABLES } from '../../src/config/env-schema.js';
import { findUnknownMlopsCommands, REPO, run } from '../helpers/scripts.js';

// Checked without a Docker engine: Debian's docker-compose (installed by scripts/setup_deploy_tools.sh from
// tests/helpers/global-setup.ts) parses the file, resolves anchors and variables and validates it.
const COMPOSE_FILE = path.join(REPO, 'deploy/docker-compose.yml');
// Only what a shell gives: no compose variable from the developer's environment changes the result.
const CLEAN_ENV = { PATH: process.env.PATH, HOME: process.env.HOME };

interface Service {
  image: string;
  build?: { context: string; dockerfile: string };
  container_name?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[] };
  volumes?: string[];
  ports?: unknown[];
}
interface Compose {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
}

function composeConfig(file: string, extra: string[] = []) {
  return run('docker-compose', ['-f', file, 'config', ...extra], { env: CLEAN_ENV });
}

const PLATFORM_SERVICES = ['app', 'worker', 'migrate'];

/** `source:target[:mode]` as `docker-compose config` writes volumes: a bind mount's source is a path. */
function mountsOf(service: Service) {
  return (service.volumes ?? []).map((volume) => {
    const [source = '', target = '', mode = 'rw'] = volume.split(':');
    return { source, target, mode, type: source.startsWith('/') ? 'bind' : 'volume' };
  });
}

describe('deploy/docker-compose.yml', () => {
  it('is valid for docker-compose (config -q)', () => {
    const version = run('docker-compose', ['version', '--short'], { env: CLEAN_ENV });
    expect(version.code, 'docker-compose missing: scripts/setup_deploy_tools.sh installs it').toBe(0);
    const result = composeConfig(COMPOSE_FILE, ['-q']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('docker-compose refuses a broken stack (a dependency on a missing service, an unknown option)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mlops-compose-'));
    try {
      cpSync(path.join(REPO, 'deploy'), dir, { recursive: true });
      const text = readFileSync(COMPOSE_FILE, 'utf8');
      writeFileSync(
        path.join(dir, 'missing.yml'),
        text.replace('  migrate:\n    image:', '  migrations:\n    image:'),
      );
      const missing = composeConfig(path.join(dir, 'missing.yml'), ['-q']);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toMatch(/migrate/);
      writeFileSync(path.join(dir, 'unknown.yml'), text.replace('    init: true\n', '    inti: true\n'));
      const unknown = composeConfig(path.join(dir, 'unknown.yml'), ['-q']);
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr).toContain("Unsupported config option for services.app: 'inti'");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('the resolved stack', () => {
    const resolved = composeConfig(COMPOSE_FILE);
    const compose = parse(resolved.stdout) as Compose;
    const services = compose.services;
    const service = (name: string) => services[name] as Service;

    it('has the app, workers and every engine of the production stack', () => {
      expect(resolved.code).toBe(0);
      expect(Object.keys(services).sort()).toEqual(
        [
          'app',
          'worker',
          'migrate',
          'postgres',
          'redis',
          'kafka',
          'minio',
          'minio-init',
          'prometheus',
          'grafana',
        ].sort(),
      );
      expect(service('app').image).toMatch(/^movie-mlops\/api:/);
      expect(service('app').build).toMatchObject({ dockerfile: 'Dockerfile', context: REPO });
      expect(service('app').command).toEqual(['up']);
      expect(service('worker').command).toEqual(['worker']);
      expect(service('migrate').command).toEqual(['db', 'migrate']);
      expect(service('kafka').image).toMatch(/^apache\/kafka:/);
      expect(service('kafka').environment).toMatchObject({
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@kafka:9093',
      });
      expect(service('minio').image).toMatch(/minio\/minio:/);
    });

    it('runs only real mlops commands', async () => {
      const commands = PLATFORM_SERVICES.map((name) => service(name).command ?? []);
      expect(await findUnknownMlopsCommands(commands)).toEqual([]);
    });

    it('configures the platform with its real variables, on PostgreSQL, Redis, Kafka and S3', () => {
      for (const name of PLATFORM_SERVICES) {
        const environment = service(name).environment ?? {};
        const unknown = Object.keys(environment).filter((key) => !(ENV_VARIABLES as string[]).includes(key));
        expect(unknown, `${name}: variables the platform does not read`).toEqual([]);
        expect(environment).toMatchObject({
          MLOPS_DATABASE_AUTO_MIGRATE: 'false',
          MLOPS_ARTIFACT_BACKEND: 's3',
          S3_ENDPOINT_URL: 'http://minio:9000',
          MLOPS_ONLINE_STORE: 'redis',
          MLOPS_EXECUTOR: 'bullmq',
          MLOPS_EVENT_BUS: 'kafka',
          KAFKA_BROKERS: 'kafka:9092',
        });
        expect(new URL(environment.MLOPS_DATABASE_URL ?? '').host).toBe('postgres:5432');
        expect(new URL(environment.REDIS_URL ?? '').host).toBe('redis:6379');
      }
      expect(service('app').environment).toMatchObject({ MLOPS_HOST: '0.0.0.0', MLOPS_PORT: '8000' });
      // Beyond loopback every route needs a token: the admin token comes from deploy/.env, never a default;
      // Prometheus scrapes /metrics without one.
      expect(service('app').environment).toMatchObject({
        MLOPS_ADMIN_TOKEN: '',
        MLOPS_METRICS_PUBLIC: 'true',
      });
      // The bucket minio-init creates is the one the platform uses.
      const bucket = service('app').environment?.S3_BUCKET ?? '';
      expect((service('minio-init').command ?? []).join(' ')).toContain(
        `mb --ignore-existing mlops/${bucket}`,
      );
    });

    it('starts the platform after migrations and healthy engines', () => {
      for (const name of ['app', 'worker']) {
        expect(service(name).depends_on).toEqual({
          migrate: { condition: 'service_completed_successfully' },
          'minio-init': { condition: 'service_completed_successfully' },
          postgres: { condition: 'service_healthy' },
          redis: { condition: 'service_healthy' },
          kafka: { condition: 'service_healthy' },
        });
      }
      expect(service('migrate').depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
      expect(service('minio-init').depends_on).toEqual({ minio: { condition: 'service_healthy' } });
    });

    it('gives every long-running service a health check', () => {
      for (const [name, definition] of Object.entries(services)) {
        if (name === 'migrate' || name === 'minio-init') {
          // One-shot containers: the image's /health check is switched off (`disable: true`).
          expect(definition.healthcheck, name).toEqual({ test: ['NONE'] });
          continue;
        }
        expect(definition.healthcheck?.test?.length, `${name} has no health check`).toBeGreaterThan(1);
      }
      expect(service('app').healthcheck?.test?.join(' ')).toContain('/health');
    });

    it('keeps each engine’s data in a named volume, named as CONVENTIONS.md says', () => {
      const mounts = (name: string) => mountsOf(service(name));
      const dataDirectories: Record<string, string> = {
        postgres: '/var/lib/postgresql/data',
        redis: '/data',
        kafka: '/var/lib/kafka/data',
        minio: '/data',
        prometheus: '/prometheus',
        grafana: '/var/lib/grafana',
      };
      for (const [name, target] of Object.entries(dataDirectories)) {
        const mount = mounts(name).find((candidate) => candidate.target === target);
        expect(mount?.type, `${name} keeps ${target} in a volume`).toBe('volume');
        expect(Object.keys(compose.volumes)).toContain(mount?.source);
      }
      for (const volume of Object.keys(compose.volumes)) expect(volume).toMatch(/^mlops-[a-z0-9]+-prod$/);
      for (const definition of Object.values(services)) {
        if (definition.container_name !== undefined) {
          expect(definition.container_name).toMatch(/^mlops-[a-z0-9-]+-prod$/);
        }
      }
      // Workers scale with --scale worker=N: no fixed container name.
      expect(service('worker').container_name).toBeUndefined();
    });

    it('points Prometheus at the app and Grafana at Prometheus, with the repository’s configuration', () => {
      const binds = (name: string) =>
        mountsOf(service(name)).flatMap((mount) =>
          mount.type === 'bind' && mount.mode === 'ro' ? [[mount.source, mount.target]] : [],
        );
      expect(binds('prometheus')).toContainEqual([path.join(REPO, 'deploy/prometheus'), '/etc/prometheus']);
      expect(binds('grafana')).toEqual(
        expect.arrayContaining([
          [path.join(REPO, 'deploy/grafana/provisioning'), '/etc/grafana/provisioning'],
          [path.join(REPO, 'deploy/grafana/dashboards'), '/var/lib/grafana/dashboards'],
        ]),
      );
      const prometheus = parse(readFileSync(path.join(REPO, 'deploy/prometheus/prometheus.yml'), 'utf8')) as {
        scrape_configs: { static_configs: { targets: string[] }[] }[];
      };
      expect(prometheus.scrape_configs[0]?.static_configs[0]?.targets).toEqual(['app:8000']);
      const datasources = parse(
        readFileSync(path.join(REPO, 'deploy/grafana/provisioning/datasources/prometheus.yml'), 'utf8'),
      ) as { datasources: { url: string }[] };
      expect(new URL(datasources.datasources[0]?.url ?? '').host).toBe('prometheus:9090');
      const dashboards = parse(
        readFileSync(path.join(REPO, 'deploy/grafana/provisioning/dashboards/mlops.yml'), 'utf8'),
      ) as { providers: { options: { path: string } }[] };
      expect(dashboards.providers[0]?.options.path).toBe('/var/lib/grafana/dashboards');
    });
  });
});

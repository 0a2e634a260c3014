import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CronExpressionParser } from 'cron-parser';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { CronJob } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ENV_VARIABLES } from '../../src/config/env-schema.js';
import { BUILTIN_PIPELINES } from '../../src/pipelines/index.js';
import { findUnknownMlopsCommands, REPO } from '../helpers/scripts.js';

const K8S = path.join(REPO, 'deploy/k8s');
const VERSION = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string })
  .version;

/** The Kubernetes API schemas (kubernetes-models, Kubernetes 1.27) of each kind the manifests use. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'batch/v1/CronJob': CronJob,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { name: string; containerPort: number }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  startupProbe?: { httpGet?: { path: string; port: string | number } };
  securityContext?: Record<string, unknown>;
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  enableServiceLinks?: boolean;
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: each kind's spec differs; the schemas check them.
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

function loadManifests(): { file: string; manifest: Manifest }[] {
  return readdirSync(K8S)
    .filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml')
    .flatMap((file) =>
      parseAllDocuments(readFileSync(path.join(K8S, file), 'utf8')).map((document) => {
        expect(document.errors, file).toEqual([]);
        return { file, manifest: document.toJSON() as Manifest };
      }),
    );
}

/** Validates one object against its kind's Kubernetes schema; throws naming the problem. */
function validateObject(manifest: Manifest): void {
  const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
  if (Model === undefined) throw new Error(`no schema for ${manifest.apiVersion} ${manifest.kind}`);
  new Model(manifest as never).validate();
}

describe('deploy/k8s', () => {
  const manifests = loadManifests();
  const byKind = (kind: string) =>
    manifests.filter(({ manifest }) => manifest.kind === kind).map((m) => m.manifest);
  const named = (kind: string, name: string) => {
    const found = byKind(kind).find((manifest) => manifest.metadata.name === name);
    if (found === undefined) throw new Error(`no ${kind} ${name} in deploy/k8s`);
    return found;
  };
  const podSpecs = (): [string, PodSpec][] => [
    ...byKind('Deployment').map((d): [string, PodSpec] => [d.metadata.name, d.spec.template.spec]),
    ...byKind('CronJob').map((c): [string, PodSpec] => [
      c.metadata.name,
      c.spec.jobTemplate.spec.template.spec,
    ]),
  ];
  const containers = () =>
    podSpecs().flatMap(([owner, spec]) =>
      [...(spec.initContainers ?? []), ...spec.containers].map((container) => ({ owner, container })),
    );

  it('every object is valid for its Kubernetes API schema', () => {
    expect(manifests.length).toBeGreaterThanOrEqual(9);
    for (const { file, manifest } of manifests) {
      expect(
        () => validateObject(manifest),
        `${file}: ${manifest.kind} ${manifest.metadata.name}`,
      ).not.toThrow();
    }
    expect(manifests.map(({ manifest }) => manifest.kind).sort()).toEqual(
      [
        'ConfigMap',
        'CronJob',
        'Deployment',
        'Deployment',
        'HorizontalPodAutoscaler',
        'Namespace',
        'PodDisruptionBudget',
        'Secret',
        'Service',
      ].sort(),
    );
  });

  it('the schemas refuse broken objects', () => {
    const deployment = structuredClone(named('Deployment', 'mlops-api'));
    deployment.spec.replicas = 'two';
    expect(() => validateObject(deployment)).toThrow(/replicas must be integer/);
    const cronJob = structuredClone(named('CronJob', 'mlops-nightly-training'));
    delete cronJob.spec.jobTemplate;
    expect(() => validateObject(cronJob)).toThrow(/jobTemplate/);
    const hpa = structuredClone(named('HorizontalPodAutoscaler', 'mlops-api'));
    hpa.spec.metrics[0].resource.target.averageUtilization = '70%';
    expect(() => validateObject(hpa)).toThrow(/averageUtilization must be integer/);
    expect(() => validateObject({ ...hpa, apiVersion: 'autoscaling/v3' })).toThrow(/no schema/);
  });

  it('the API: replicas, resources, liveness on /health, readiness on /ready, migrations before it starts', () => {
    const api = named('Deployment', 'mlops-api');
    expect(api.spec.replicas).toBeGreaterThanOrEqual(2);
    const spec = api.spec.template.spec as PodSpec;
    const container = spec.containers.find((c) => c.name === 'api') as Container;
    expect(container.args).toEqual(['up']);
    const port = container.ports?.[0];
    expect(port).toEqual({ name: 'http', containerPort: 8000, protocol: 'TCP' });
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/ready', port: 'http' });
    expect(container.startupProbe?.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(spec.initContainers?.map((c) => c.args)).toEqual([['db', 'migrate']]);
    // The selector picks the pod template's labels (the API server refuses a Deployment where it does not).
    expect(api.spec.template.metadata.labels).toMatchObject(api.spec.selector.matchLabels);
  });

  it('the workers and the nightly training pipeline', () => {
    const worker = named('Deployment', 'mlops-worker');
    expect(worker.spec.template.spec.containers[0].args).toEqual(['worker']);
    expect(worker.spec.template.metadata.labels).toMatchObject(worker.spec.selector.matchLabels);
    const cron = named('CronJob', 'mlops-nightly-training');
    expect(CronExpressionParser.parse(cron.spec.schedule, { tz: 'UTC' }).next().toDate().getUTCHours()).toBe(
      2,
    );
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    const args = cron.spec.jobTemplate.spec.template.spec.containers[0].args as string[];
    expect(args.slice(0, 2)).toEqual(['pipelines', 'run']);
    expect(BUILTIN_PIPELINES.map((pipeline) => pipeline.id)).toContain(args[2]);
  });

  it('runs only real mlops commands', async () => {
    const commands = containers().map(({ container }) => container.args ?? []);
    expect(commands.length).toBe(4);
    expect(await findUnknownMlopsCommands(commands)).toEqual([]);
  });

  it('the Service and the PodDisruptionBudget select the API pods; the autoscaler scales the API', () => {
    const api = named('Deployment', 'mlops-api');
    const labels = api.spec.template.metadata.labels;
    const service = named('Service', 'mlops-api');
    expect(labels).toMatchObject(service.spec.selector);
    expect(service.spec.ports[0].targetPort).toBe('http');
    expect(labels).toMatchObject(named('PodDisruptionBudget', 'mlops-api').spec.selector.matchLabels);
    const hpa = named('HorizontalPodAutoscaler', 'mlops-api');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'mlops-api' });
    expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
    expect(hpa.spec.minReplicas).toBe(api.spec.replicas);
  });

  it('every container: the release image, requests and limits, settings from the ConfigMap and Secret', () => {
    const configMap = named('ConfigMap', 'mlops-config');
    const secret = named('Secret', 'mlops-secrets');
    for (const { owner, container } of containers()) {
      const where = `${owner}/${container.name}`;
      expect(container.image, where).toBe(`movie-mlops/api:${VERSION}`);
      for (const resource of ['cpu', 'memory']) {
        expect(container.resources?.requests?.[resource], `${where} requests ${resource}`).toBeDefined();
        expect(container.resources?.limits?.[resource], `${where} limits ${resource}`).toBeDefined();
      }
      expect(container.envFrom, where).toEqual([
        { configMapRef: { name: configMap.metadata.name } },
        { secretRef: { name: secret.metadata.name } },
      ]);
    }
    // Only variables the platform reads (src/config/env-schema.ts), each in one place.
    const keys = [...Object.keys(configMap.data ?? {}), ...Object.keys(secret.stringData ?? {})];
    expect(keys.filter((key) => !(ENV_VARIABLES as string[]).includes(key))).toEqual([]);
    expect(new Set(keys).size).toBe(keys.length);
    expect(Object.keys(secret.stringData ?? {})).toEqual(
      expect.arrayContaining([
        'MLOPS_DATABASE_URL',
        'REDIS_URL',
        'S3_SECRET_ACCESS_KEY',
        'MLOPS_ADMIN_TOKEN',
      ]),
    );
    expect(configMap.data).toMatchObject({
      MLOPS_HOST: '0.0.0.0',
      MLOPS_DATABASE_AUTO_MIGRATE: 'false',
      MLOPS_EXECUTOR: 'bullmq',
      MLOPS_ONLINE_STORE: 'redis',
      MLOPS_EVENT_BUS: 'kafka',
      MLOPS_METRICS_PUBLIC: 'true',
    });
  });

  it('pods run as the image’s non-root user, with no service-link variables', () => {
    const dockerfile = readFileSync(path.join(REPO, 'Dockerfile'), 'utf8');
    const uid = Number(/^USER (\d+):\d+$/m.exec(dockerfile)?.[1]);
    expect(uid).toBeGreaterThan(0);
    for (const [owner, spec] of podSpecs()) {
      expect(spec.securityContext, owner).toMatchObject({ runAsNonRoot: true, runAsUser: uid });
      expect(spec.enableServiceLinks, owner).toBe(false);
    }
    for (const { owner, container } of containers()) {
      expect(container.securityContext, owner).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
      });
    }
  });

  it('kustomization.yaml deploys every manifest but the Secret template, at the release version', () => {
    const kustomization = parseAllDocuments(
      readFileSync(path.join(K8S, 'kustomization.yaml'), 'utf8'),
    )[0]?.toJSON() as {
      namespace: string;
      resources: string[];
      images: { name: string; newTag: string }[];
    };
    const files = [...new Set(manifests.map(({ file }) => file))].filter((file) => file !== 'secret.yaml');
    expect([...kustomization.resources].sort()).toEqual(files.sort());
    expect(kustomization.namespace).toBe(named('Namespace', 'movie-mlops').metadata.name);
    expect(kustomization.images).toEqual([{ name: 'movie-mlops/api', newTag: VERSION }]);
  });
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/scripts.js';

// The image cannot be built here (no Docker engine): the Dockerfile is checked by the validator behind
// VS Code's Docker support, and by what it must do. CI's `container` job builds and smoke-tests it.
const DOCKERFILE = readFileSync(path.join(REPO, 'Dockerfile'), 'utf8');
const MANIFEST = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  bin: Record<string, string>;
};

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** The Dockerfile's stages and their instructions (comments dropped, continuation lines joined). */
function stagesOf(text: string): Stage[] {
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === 'FROM') {
      const [from = '', , name] = args.split(/\s+/);
      stages.push({ from, name, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return stages;
}

const args = (stage: Stage | undefined, keyword: string) =>
  (stage?.instructions ?? []).filter((instruction) => instruction.keyword === keyword).map((i) => i.args);

describe('Dockerfile', () => {
  const stages = stagesOf(DOCKERFILE);
  const build = stages.find((stage) => stage.name === 'build');
  const runtime = stages.at(-1);

  it('is valid for dockerfile-utils, which also flags what it gets wrong', () => {
    expect(validate(DOCKERFILE)).toEqual([]);
    const broken = validate('FROM node:20-slim\nHEALTHCHEK CMD true\nEXPOSE http\nUSER\n');
    expect(broken.map((diagnostic) => diagnostic.message)).toEqual(
      expect.arrayContaining(['Unknown instruction: HEALTHCHEK', 'Invalid containerPort: http']),
    );
  });

  it('builds in one stage with npm ci and npm run build, and runs from a small one', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(build?.from).toBe('node:20-slim');
    expect(runtime?.from).toBe('node:20-slim');
    expect(runtime?.name).toBe('runtime');
    const buildRuns = args(build, 'RUN').join('\n');
    expect(buildRuns).toMatch(/npm ci\b/);
    expect(buildRuns).toContain('npm run build');
    expect(buildRuns).toContain('npm prune --omit=dev');
    // `npm run build` is what makes the server, the kernels, the empty-database template and the web UI
    // the runtime copies.
    expect(MANIFEST.scripts.build).toBe(
      'npm run build:kernels && npm run build:server && npm run build:db-template && npm run build:web',
    );
    expect(args(runtime, 'RUN').join('\n')).not.toMatch(/npm (ci|install)/);
  });

  it('copies only production dependencies, dist/ and web/dist into the runtime', () => {
    const copies = args(runtime, 'COPY');
    expect(copies.every((copy) => copy.startsWith('--from=build '))).toBe(true);
    const sources = copies.flatMap((copy) => copy.split(/\s+/).slice(1, -1));
    expect(sources.sort()).toEqual(
      [
        '/app/dist',
        '/app/node_modules',
        '/app/package-lock.json',
        '/app/package.json',
        '/app/web/dist',
      ].sort(),
    );
    expect(MANIFEST.bin.mlops).toBe('dist/cli/main.js');
    expect(args(runtime, 'ENTRYPOINT')).toEqual(['["node", "/app/dist/cli/main.js"]']);
    expect(args(runtime, 'CMD')).toEqual(['["up"]']);
  });

  it('runs as a non-root user with a numeric uid, listens on 0.0.0.0:8000 and checks /health', () => {
    const [user] = args(runtime, 'USER');
    expect(user).toMatch(/^\d+:\d+$/);
    expect(Number(user?.split(':')[0])).toBeGreaterThan(0);
    expect(args(runtime, 'EXPOSE')).toEqual(['8000']);
    const env = args(runtime, 'ENV').join(' ');
    expect(env).toContain('MLOPS_HOST=0.0.0.0');
    expect(env).toContain('MLOPS_PORT=8000');
    expect(env).toContain('NODE_ENV=production');
    const [healthcheck] = args(runtime, 'HEALTHCHECK');
    expect(healthcheck).toMatch(/^--interval=\S+ --timeout=\S+ --start-period=\S+ --retries=\d+\s+CMD /);
    expect(healthcheck).toContain('/health');
  });
});

describe('.dockerignore', () => {
  const patterns = readFileSync(path.join(REPO, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('!'));
  const isIgnored = (file: string) =>
    patterns.some((pattern) => file === pattern || file.startsWith(`${pattern}/`));

  it('keeps local state, build outputs and secrets out of the build context', () => {
    for (const file of ['node_modules', 'dist', 'web/dist', '.git', '.mlops', '.services', '.env']) {
      expect(isIgnored(file), file).toBe(true);
    }
  });

  it('keeps everything `npm ci` and `npm run build` read', () => {
    for (const file of [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'src/cli/main.ts',
      'src/models/kernels/factor-kernel.as.ts',
      'web/index.html',
      'web/vite.config.ts',
      'web/tsconfig.json',
    ]) {
      expect(isIgnored(file), file).toBe(false);
    }
  });
});

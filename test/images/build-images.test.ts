import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildImages } from '../../src/images/build-images.ts';
import type { ImageBuildReport } from '../../src/images/image-build-report.ts';
import { runInImage } from '../../src/images/run-in-image.ts';
import { createDockerClient } from '../../src/images/docker-client.ts';
import { listSandboxImageRecipes, RECIPE_HASH_LABEL, IMAGE_NAME_LABEL } from '../../src/images/image-recipes.ts';
import { loadRuntimeProfiles } from '../../src/runtimes/runtime-profiles.ts';
import { dockerForTests } from '../helpers/docker-available.ts';

const engine = await dockerForTests();
const docker = createDockerClient();
// A bare build covers the sandbox images; the service image has its own test (server-image.test.ts).
const recipes = listSandboxImageRecipes();

describe.skipIf(!engine.available)('buildImages against the real engine', () => {
  let first: ImageBuildReport[];

  beforeAll(async () => {
    // Builds whatever is missing or stale (minutes on a fresh machine), else only checks labels.
    first = await buildImages({ docker });
  }, 30 * 60_000);

  it('leaves every image labelled with its recipe hash', async () => {
    expect(first.map((report) => report.name)).toEqual(recipes.map((recipe) => recipe.name));
    for (const recipe of recipes) {
      const report = first.find((candidate) => candidate.name === recipe.name)!;
      expect(report.hash).toBe(recipe.hash);
      expect(report.image).toBe(recipe.reference);
      expect(['built', 'skipped']).toContain(report.status);
      const info = await docker.getImage(recipe.reference).inspect();
      expect(info.Id).toBe(report.imageId);
      expect(info.Config.Labels?.[RECIPE_HASH_LABEL]).toBe(recipe.hash);
      expect(info.Config.Labels?.[IMAGE_NAME_LABEL]).toBe(recipe.image);
      expect(info.Config.WorkingDir).toBe('/work');
    }
  });

  it('skips a rebuild when the label matches the recipe hash', async () => {
    const [again] = await buildImages({ docker, names: ['python'] });
    const before = first.find((report) => report.name === 'python')!;
    expect(again).toMatchObject({ name: 'python', status: 'skipped', reason: 'up to date', hash: before.hash, imageId: before.imageId });
    expect(again!.mode).toBeUndefined();
  });

  it('runs python3 as nobody on a read-only root without network in every image', async () => {
    for (const recipe of recipes) {
      const result = await runInImage(docker, recipe.reference, ['python3', '-c', 'import json, os; print(json.dumps([os.getuid(), 1]))']);
      expect(result, recipe.name).toEqual({ exitCode: 0, output: '[65534, 1]\n' });
    }
    const readOnly = await runInImage(docker, 'sandbench-python:latest', ['bash', '-c', 'touch /usr/x 2>/dev/null || echo read-only; test -d /work && test -d /tmp && echo mount-points']);
    expect(readOnly.output).toBe('read-only\nmount-points\n');
  });

  it('has node in sandbench-node and gcc in sandbench-gcc', async () => {
    expect((await runInImage(docker, 'sandbench-node:latest', ['node', '-v'])).output).toMatch(/^v\d+\.\d+\.\d+\n$/);
    expect((await runInImage(docker, 'sandbench-gcc:latest', ['gcc', '--version'])).output).toMatch(/^gcc .* 12\./);
  });

  it('runs every smoke program through its profile, printing OK', async () => {
    const { transpileModule, ModuleKind, ScriptTarget } = await import('typescript');
    for (const profile of loadRuntimeProfiles().values()) {
      let source = readFileSync(join(profile.folder, profile.smoke), 'utf8');
      let fileName = profile.sourceFile;
      if (profile.hostTranspile) {
        source = transpileModule(source, { compilerOptions: { module: ModuleKind.CommonJS, target: ScriptTarget.ES2020 } }).outputText;
        fileName = profile.hostTranspile.transpiledFile;
      }
      const steps = [profile.compile?.command, profile.run.command].filter((step): step is string[] => step !== undefined);
      const shellQuote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;
      const script = `printf '%s' "$1" > ${fileName} && ${steps.map((step) => step.map(shellQuote).join(' ')).join(' && ')}`;
      // The profile's step environment, as the sandbox sets it (Go's GOCACHE, for instance).
      const environment = Object.entries(profile.env ?? {}).map(([name, value]) => `${name}=${value}`);
      const result = await runInImage(docker, `${profile.image}:latest`, ['env', ...environment, 'bash', '-c', script, 'smoke', source], {
        workdirExec: profile.workdirExec ?? false,
      });
      expect(result, profile.language).toEqual({ exitCode: 0, output: 'OK\n' });
    }
  }, 120_000);

  it('cannot execute a compiled program from a noexec work directory (why c and cpp set workdirExec)', async () => {
    const script = `printf 'int main(void){return 0;}' > main.c && gcc -o main main.c && ./main`;
    const blocked = await runInImage(docker, 'sandbench-gcc:latest', ['bash', '-c', script]);
    expect(blocked.exitCode).toBe(126);
    expect(blocked.output).toMatch(/Permission denied/);
    const allowed = await runInImage(docker, 'sandbench-gcc:latest', ['bash', '-c', script], { workdirExec: true });
    expect(allowed.exitCode).toBe(0);
  });
});

describe.skipIf(engine.available)('buildImages without an engine', () => {
  it('says how to start one', async () => {
    await expect(buildImages({ docker })).rejects.toThrow(/dockerd/);
  });
});

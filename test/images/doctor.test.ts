import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { pingDocker } from '../../src/images/docker-client.ts';
import { doctor, formatDoctorReport } from '../../src/images/doctor.ts';
import { listSandboxImageRecipes } from '../../src/images/image-recipes.ts';
import { dockerForTests } from '../helpers/docker-available.ts';

const engine = await dockerForTests();
const scratch = mkdtempSync(join(tmpdir(), 'sandbench-doctor-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('doctor', () => {
  it('checks Node and isolated-vm (in a child process)', async () => {
    const report = await doctor({ docker: new Dockerode({ socketPath: join(scratch, 'absent.sock') }) });
    expect(report.node.ok).toBe(true);
    expect(report.isolatedVm).toMatchObject({ resolved: true, loadable: true });
    expect(report.checks.find((check) => check.id === 'isolated-vm')!.status).toBe('ok');
  });

  it('reports an unreachable engine with the command that starts one', async () => {
    const report = await doctor({ docker: new Dockerode({ socketPath: join(scratch, 'absent.sock') }) });
    expect(report.ok).toBe(false);
    expect(report.docker.ok).toBe(false);
    const check = report.checks.find((candidate) => candidate.id === 'docker')!;
    expect(check.status).toBe('fail');
    expect(check.fix).toMatch(/dockerd --bridge=none --iptables=false/);
    expect(report.images).toEqual([]);
    const text = formatDoctorReport(report);
    expect(text).toMatch(/FAIL {2}Docker engine not reachable/);
    expect(text).toContain('fix: ');
    expect(text).toMatch(/1 problem/);
  });

  it.skipIf(!engine.available)('reports the engine and every image with its hash state', async () => {
    const report = await doctor();
    expect(report.docker).toMatchObject({ ok: true });
    if (report.docker.ok) {
      expect(report.docker.apiVersion).toMatch(/^\d+\.\d+$/);
      expect(['1', '2']).toContain(report.docker.cgroupVersion);
    }
    const recipes = listSandboxImageRecipes();
    // The service image is built only when named; doctor never asks for it.
    expect(recipes.map((recipe) => recipe.name)).not.toContain('server');
    expect(report.images.map((image) => image.name)).toEqual(recipes.map((recipe) => recipe.name));
    for (const image of report.images) {
      const check = report.checks.find((candidate) => candidate.id === `image:${image.name}`)!;
      expect(image.recipeHash).toBe(recipes.find((recipe) => recipe.name === image.name)!.hash);
      if (image.current) {
        expect(check.status).toBe('ok');
        expect(image.labelHash).toBe(image.recipeHash);
      } else {
        expect(check.fix).toBe(`./sandbench images build ${image.name}`);
      }
    }
    expect(formatDoctorReport(report)).toMatch(/^sandbench doctor\n/);
  });
});

describe('pingDocker', () => {
  it('gives up on an engine that never answers, within the timeout', async () => {
    const socketPath = join(scratch, 'silent.sock');
    const server = createServer(() => {
      // Accept and say nothing.
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const started = performance.now();
      const result = await pingDocker(new Dockerode({ socketPath }), 300);
      expect(performance.now() - started).toBeLessThan(2000);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.message).toMatch(/no answer within 300 ms/);
    } finally {
      server.close();
    }
  });
});

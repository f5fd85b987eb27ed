import { describe, expect, it } from 'vitest';
import { SandboxError } from '../../src/errors/sandbench-error.ts';
import { createDockerClient } from '../../src/images/docker-client.ts';
import { verifyImage } from '../../src/images/verify-image.ts';
import { dockerForTests } from '../helpers/docker-available.ts';

const engine = await dockerForTests();
const docker = createDockerClient();

describe.skipIf(!engine.available)('verifyImage against the real engine', () => {
  it('reports each passing check, and stops at the first failing one with its exit code and output', async () => {
    const lines: string[] = [];
    const recipe = {
      name: 'python',
      reference: 'sandbench-python:latest',
      options: {
        verify: [
          ['python3', '-c', 'print("first line"); print("second line")'],
          ['bash', '-c', 'echo no network here >&2; exit 3'],
          ['bash', '-c', 'echo never run'],
        ],
      },
    };
    const failure = verifyImage(recipe, docker, (line) => lines.push(line));
    await expect(failure).rejects.toBeInstanceOf(SandboxError);
    await expect(failure).rejects.toThrow('sandbench-python:latest: check `bash -c echo no network here >&2; exit 3` exited 3: no network here');
    expect(lines).toEqual([`[python] check ok: python3 -c print("first line"); print("second line") → first line`]);
  });

  it('passes a recipe without checks', async () => {
    await expect(verifyImage({ name: 'python', reference: 'sandbench-python:latest', options: {} }, docker, () => undefined)).resolves.toBeUndefined();
  });
});

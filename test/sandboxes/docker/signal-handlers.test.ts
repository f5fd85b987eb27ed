import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { createDockerClient } from '../../../src/images/docker-client.ts';
import { DockerSandbox } from '../../../src/sandboxes/docker-sandbox.ts';
import { OWNER_ID_LABEL } from '../../../src/sandboxes/docker/container-owner.ts';
import { IsolateSandbox } from '../../../src/sandboxes/isolate-sandbox.ts';
import { SandboxSet } from '../../../src/sandboxes/resolve-sandbox.ts';
import { taskSchema, type Language } from '../../../src/schemas/task.ts';
import { dockerTestEnvironment } from './docker-test-env.ts';

const engine = await dockerTestEnvironment();

/** Every process event an embedding application may own: all signals, beforeExit and exit. */
const PROCESS_EVENTS = [...Object.keys(constants.signals), 'beforeExit', 'exit'];

type ListenerSnapshot = Map<string, readonly unknown[]>;

function processListeners(): ListenerSnapshot {
  return new Map(PROCESS_EVENTS.map((name) => [name, process.listeners(name as NodeJS.Signals)]));
}

/** Events whose listeners differ between two snapshots, with the number added (or removed). */
function changedListeners(before: ListenerSnapshot, after: ListenerSnapshot): Record<string, number> {
  const changed: Record<string, number> = {};
  for (const name of PROCESS_EVENTS) {
    const was = before.get(name) ?? [];
    const now = after.get(name) ?? [];
    if (was.length !== now.length || was.some((listener, index) => listener !== now[index])) {
      changed[name] = now.length - was.length;
    }
  }
  return changed;
}

function task(language: Language) {
  return taskSchema.parse({ id: `listeners-${language}`, prompt: 'p', language, tests: [{ kind: 'io', stdin: '', stdout: '' }] });
}

describe('the library installs no process-wide handlers by itself', () => {
  it('importing the whole library API adds no signal, beforeExit or exit listener', async () => {
    const before = processListeners();
    const library = await import('../../../src/index.ts');
    expect(typeof library.runSuite).toBe('function');
    expect(changedListeners(before, processListeners())).toEqual({});
  });
});

describe('the isolate backend installs no process-wide handlers', () => {
  it('an IsolateSandbox, created, used and disposed, adds no signal, beforeExit or exit listener', async () => {
    const before = processListeners();
    const sandbox = new IsolateSandbox({ workers: 1 });
    try {
      expect((await sandbox.run({ language: 'javascript', source: 'console.log(6 * 7)' })).stdout).toBe('42\n');
      expect(changedListeners(before, processListeners())).toEqual({});
    } finally {
      await sandbox.dispose();
    }
    expect(changedListeners(before, processListeners())).toEqual({});
  });

  it('a SandboxSet running an isolate task adds none either', async () => {
    const before = processListeners();
    const sandboxes = new SandboxSet('isolate', { isolateWorkers: 1 });
    try {
      const sandbox = await sandboxes.forTask(task('javascript'));
      expect((await sandbox.run({ language: 'javascript', source: 'console.log("ok")' })).stdout).toBe('ok\n');
      expect(changedListeners(before, processListeners())).toEqual({});
    } finally {
      await sandboxes.dispose();
    }
    expect(changedListeners(before, processListeners())).toEqual({});
  });
});

describe.skipIf(!engine.available)('the Docker backend installs process-wide handlers only when asked', () => {
  it('a DockerSandbox without handleSignals adds no listener, and dispose() still removes its containers', async () => {
    const docker = createDockerClient();
    const before = processListeners();
    const sandbox = new DockerSandbox({ poolSize: 1 });
    let ids: string[] = [];
    try {
      await sandbox.warmUp(['python']);
      expect((await sandbox.run({ language: 'python', source: 'print("used")' })).stdout).toBe('used\n');
      ids = sandbox.containerIds();
      expect(ids).toHaveLength(1);
      expect(changedListeners(before, processListeners())).toEqual({});
    } finally {
      await sandbox.dispose();
    }
    expect(changedListeners(before, processListeners())).toEqual({});
    const left = await docker.listContainers({ all: true, filters: { id: ids } });
    expect(left).toEqual([]);
    // Its lease went with its containers.
    const leases = await docker.listVolumes({ filters: { label: [`${OWNER_ID_LABEL}=${sandbox.ownerId}`] } });
    expect(leases.Volumes ?? []).toEqual([]);
  });

  it('a SandboxSet running a Docker task adds none either', async () => {
    const before = processListeners();
    const sandboxes = new SandboxSet('docker', { dockerPoolSize: 1 });
    try {
      const sandbox = await sandboxes.forTask(task('python'));
      expect((await sandbox.run({ language: 'python', source: 'print("set")' })).stdout).toBe('set\n');
      expect(changedListeners(before, processListeners())).toEqual({});
    } finally {
      await sandboxes.dispose();
    }
    expect(changedListeners(before, processListeners())).toEqual({});
  });

  it('with handleSignals, SIGINT, SIGTERM, SIGHUP and beforeExit listeners are added, and removed on dispose', async () => {
    const before = processListeners();
    const first = new DockerSandbox({ poolSize: 1, handleSignals: true });
    const second = new DockerSandbox({ poolSize: 1, handleSignals: true });
    try {
      expect((await first.run({ language: 'python', source: 'print(1)' })).stdout).toBe('1\n');
      expect((await second.run({ language: 'python', source: 'print(2)' })).stdout).toBe('2\n');
      // One set of handlers for the process, however many sandboxes asked.
      expect(changedListeners(before, processListeners())).toEqual({ SIGINT: 1, SIGTERM: 1, SIGHUP: 1, beforeExit: 1 });
      await first.dispose();
      // Still needed by the second sandbox.
      expect(changedListeners(before, processListeners())).toEqual({ SIGINT: 1, SIGTERM: 1, SIGHUP: 1, beforeExit: 1 });
    } finally {
      await first.dispose();
      await second.dispose();
    }
    expect(changedListeners(before, processListeners())).toEqual({});
  });

  it('a SandboxSet passes handleSignals on to its Docker backend', async () => {
    const before = processListeners();
    const sandboxes = new SandboxSet('docker', { dockerPoolSize: 1, handleSignals: true });
    try {
      const sandbox = await sandboxes.forTask(task('python'));
      expect((await sandbox.run({ language: 'python', source: 'print("asked")' })).stdout).toBe('asked\n');
      expect(changedListeners(before, processListeners())).toEqual({ SIGINT: 1, SIGTERM: 1, SIGHUP: 1, beforeExit: 1 });
    } finally {
      await sandboxes.dispose();
    }
    expect(changedListeners(before, processListeners())).toEqual({});
  });
});

import { pino, type Logger } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { IsolateSandbox } from '../../src/sandboxes/isolate-sandbox.ts';
import { executionResultSchema } from '../../src/schemas/execution-result.ts';

/** A debug-level logger whose JSON lines the test reads back. */
function recordingLogger(): { logger: Logger; entries: () => Array<Record<string, unknown>> } {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  return { logger, entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

const WORKER_DIED = 'isolate worker died during a run';
const WARN = 40;
const DEBUG = 20;

let sandbox: IsolateSandbox | undefined;

afterEach(async () => {
  await sandbox?.dispose();
  sandbox = undefined;
});

/** A sandbox whose one worker is up (a first run went through), so the next run is dispatched at once. */
async function readySandbox(logger: Logger): Promise<IsolateSandbox> {
  const created = new IsolateSandbox({ workers: 1, logger });
  expect(await created.run({ language: 'javascript', source: 'console.log(1)' })).toMatchObject({ status: 'ok', stdout: '1\n' });
  return created;
}

describe('IsolateSandbox: how a worker lost with its run is logged', () => {
  it('a worker killed because the caller cancelled is logged at debug, not as a warning', async () => {
    const { logger, entries } = recordingLogger();
    sandbox = await readySandbox(logger);
    const controller = new AbortController();
    // A synchronous loop: the worker cannot read the cancel, so the host kills it.
    const pending = sandbox.run({ language: 'javascript', source: 'for (;;) {}', limits: { timeoutMs: 30_000 }, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const result = await pending;
    executionResultSchema.parse(result);
    expect(result).toMatchObject({ status: 'timeout', message: 'cancelled', backend: 'isolate' });
    const deaths = entries().filter((entry) => entry.msg === WORKER_DIED);
    expect(deaths).toHaveLength(1);
    expect(deaths[0]).toMatchObject({ level: DEBUG, cancelled: true, status: 'timeout' });
    expect(entries().filter((entry) => (entry.level as number) >= WARN)).toEqual([]);
    // The sandbox goes on with a fresh worker.
    expect(await sandbox.run({ language: 'javascript', source: 'console.log(2)' })).toMatchObject({ status: 'ok', stdout: '2\n' });
  });

  it('a worker that dies on its own during a run is still a warning', async () => {
    const { logger, entries } = recordingLogger();
    sandbox = await readySandbox(logger);
    const [pid] = sandbox.workerPids;
    const pending = sandbox.run({ language: 'javascript', source: 'for (;;) {}', limits: { timeoutMs: 30_000 } });
    // Killed from outside, as an OOM killer or an operator would: nobody asked for it.
    setTimeout(() => process.kill(pid as number, 'SIGKILL'), 100);
    const result = await pending;
    executionResultSchema.parse(result);
    expect(result).toMatchObject({ status: 'runtime-error', message: expect.stringContaining('the isolate worker died (SIGKILL)') });
    const deaths = entries().filter((entry) => entry.msg === WORKER_DIED);
    expect(deaths).toHaveLength(1);
    expect(deaths[0]).toMatchObject({ level: WARN, status: 'runtime-error', signal: 'SIGKILL' });
  });
});

import { Ajv2020 } from 'ajv/dist/2020.js';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IsolateSandbox } from '../../src/sandboxes/isolate-sandbox.ts';
import { SandboxSet } from '../../src/sandboxes/resolve-sandbox.ts';
import type { Sandbox } from '../../src/sandboxes/sandbox.ts';
import { join } from 'node:path';
import { repoRoot } from '../helpers/paths.ts';
import { startTestServer, type TestServer } from './server-helpers.ts';

const ADD_TASK = {
  id: 'add',
  prompt: 'Write add(a, b).',
  language: 'javascript',
  tests: [
    { kind: 'program', name: 'small', code: "if (add(1, 2) !== 3) throw new Error('add(1, 2) should be 3');" },
    { kind: 'io', name: 'prints', stdin: '', stdout: 'ready' },
  ],
};
const GOOD = "function add(a, b) { return a + b; }\nconsole.log('ready');";
const WRONG = "function add(a, b) { return a - b; }\nconsole.log('ready');";

describe('the service over real HTTP (isolate)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ config: { suites: [join(repoRoot, 'tasks', 'examples')] } });
    await t.server.warmed;
  });
  afterAll(async () => t?.server.close());

  it('POST /v1/execute runs a program and answers its ExecutionResult', async () => {
    const response = await t.call('POST', '/v1/execute', { json: { language: 'javascript', code: 'const n = Number(require("fs").readFileSync(0, "utf8")); console.log(n * 2)', stdin: '21' } });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'ok', stdout: '42\n', exitCode: 0, backend: 'isolate' });
    expect(response.body.limitAdjustments).toBeUndefined();
  });

  it('POST /v1/execute reports user-code failure as data', async () => {
    const response = await t.call('POST', '/v1/execute', { json: { language: 'javascript', code: 'while (true) {}', limits: { timeoutMs: 300 } } });
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('timeout');
  });

  it('POST /v1/score judges several inline completions with reasons and pass@k', async () => {
    const response = await t.call('POST', '/v1/score', { json: { task: ADD_TASK, completions: [GOOD, WRONG, GOOD] } });
    expect(response.status).toBe(200);
    const { samples, counts, passAt, taskId } = response.body;
    expect(taskId).toBe('add');
    expect(samples.map((sample: { outcome: string }) => sample.outcome)).toEqual(['passed', 'failed', 'passed']);
    expect(samples[1].verdicts[0]).toMatchObject({ testIndex: 0, name: 'small', verdict: 'runtime-error' });
    expect(samples[1].verdicts[0].reason).toContain('add(1, 2) should be 3');
    expect(samples[1].verdicts[1]).toMatchObject({ testIndex: 1, verdict: 'passed' });
    expect(counts).toEqual({ samples: 3, passed: 2, failed: 1, sandboxErrors: 0 });
    expect(passAt['pass@1']).toBeCloseTo(2 / 3, 10);
  });

  it('POST /v1/score takes {suite, taskId} from a suite loaded at start', async () => {
    const passing = await t.call('POST', '/v1/score', { json: { suite: 'examples', taskId: 'count-vowels', completion: '  return (text.match(/[aeiou]/gi) ?? []).length;\n};\n' } });
    expect(passing.status).toBe(200);
    expect(passing.body).toMatchObject({ suite: 'examples', taskId: 'count-vowels', counts: { passed: 1 }, passAt: { 'pass@1': 1 } });
    const failing = await t.call('POST', '/v1/score', { json: { suite: 'examples', taskId: 'count-vowels', completion: '  return 0;\n};\n' } });
    expect(failing.body.samples[0]).toMatchObject({ outcome: 'failed', passed: false });
    const unknown = await t.call('POST', '/v1/score', { json: { suite: 'examples', taskId: 'no-such-task', completion: 'x' } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'not-found', field: 'taskId' });
  });

  it('POST /v1/batch answers in request order, and an item that cannot run is that item\'s error', async () => {
    const response = await t.call('POST', '/v1/batch', {
      json: {
        items: [
          { kind: 'execute', language: 'javascript', code: 'for (let i = 0; i < 3e6; i++); console.log("slow")' },
          { kind: 'score', task: ADD_TASK, completion: GOOD },
          { kind: 'execute', language: 'javascript', code: 'console.log("fast")' },
          { kind: 'score', suite: 'nope', taskId: 'x', completion: 'x' },
        ],
      },
    });
    expect(response.status).toBe(200);
    const results = response.body.results;
    expect(results.map((result: { index: number }) => result.index)).toEqual([0, 1, 2, 3]);
    expect(results[0].result.stdout).toBe('slow\n');
    expect(results[1].result.counts.passed).toBe(1);
    expect(results[2].result.stdout).toBe('fast\n');
    expect(results[3]).toMatchObject({ ok: false, status: 404, error: { code: 'not-found', field: 'items[3].suite' } });
  });

  it('POST /v1/batch streams NDJSON lines as items finish, each with its index', async () => {
    const items = Array.from({ length: 6 }, (_, index) => ({ kind: 'execute', language: 'javascript', code: `console.log(${index})` }));
    const response = await t.call('POST', '/v1/batch', { json: { items }, headers: { accept: 'application/x-ndjson' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = response.text.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines).toHaveLength(6);
    expect(lines.map((line) => line.index).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    for (const line of lines) expect(line.result.stdout).toBe(`${line.index}\n`);
    const flagged = await t.call('POST', '/v1/batch', { json: { items: items.slice(0, 2), stream: true } });
    expect(flagged.text.trim().split('\n')).toHaveLength(2);
  });

  it('GET /v1/runtimes lists languages, backends and the limits in force', async () => {
    const response = await t.call('GET', '/v1/runtimes');
    expect(response.status).toBe(200);
    const languages = response.body.runtimes.map((runtime: { language: string }) => runtime.language);
    expect(languages).toEqual(expect.arrayContaining(['javascript', 'typescript', 'python', 'bash', 'c', 'cpp']));
    expect(response.body.limitsPolicy).toBe('clamp');
    expect(response.body.maximumLimits.timeoutMs).toBe(300_000);
  });

  it('GET /v1/tasks lists the loaded suites and their tasks', async () => {
    const response = await t.call('GET', '/v1/tasks');
    expect(response.status).toBe(200);
    const [suite] = response.body.suites;
    expect(suite.name).toBe('examples');
    expect(suite.tasks.find((task: { id: string }) => task.id === 'count-vowels')).toMatchObject({ language: 'javascript', tests: 1, entryPoint: 'countVowels' });
    expect((await t.call('GET', '/v1/tasks?suite=other')).status).toBe(404);
  });

  it('GET /healthz says ready with the pools, GET /metrics parses as Prometheus text', async () => {
    const health = await t.call('GET', '/healthz');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ready', suites: 1, pools: { isolate: expect.any(Number) } });
    const metrics = await t.call('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const families = new Map(parsePrometheusTextFormat(metrics.text).map((family) => [family.name, family]));
    const executions = families.get('sandbench_executions_total')!;
    expect(executions.type).toBe('COUNTER');
    const ok = executions.metrics.find((metric) => metric.labels?.language === 'javascript' && metric.labels?.status === 'ok');
    expect(Number(ok?.value)).toBeGreaterThanOrEqual(1);
    expect(executions.metrics.some((metric) => metric.labels?.status === 'timeout')).toBe(true);
    expect(families.get('sandbench_queue_depth')?.type).toBe('GAUGE');
    expect(families.get('sandbench_execution_duration_seconds')?.type).toBe('HISTOGRAM');
    expect(families.get('sandbench_http_request_duration_seconds')?.type).toBe('HISTOGRAM');
    expect(families.get('sandbench_scored_samples_total')?.metrics.some((metric) => metric.labels?.outcome === 'passed')).toBe(true);
    const pool = families.get('sandbench_pool_size')!.metrics.find((metric) => metric.labels?.backend === 'isolate');
    expect(Number(pool?.value)).toBeGreaterThanOrEqual(1);
    expect(families.has('sandbench_rejected_requests_total')).toBe(true);
  });

  it('GET /openapi.json is an OpenAPI 3 document with every endpoint and compilable schemas', async () => {
    const response = await t.call('GET', '/openapi.json');
    expect(response.status).toBe(200);
    const document = response.body;
    expect(document.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(document.info).toMatchObject({ title: 'sandbench', version: expect.any(String) });
    expect(Object.keys(document.paths).sort()).toEqual(['/healthz', '/metrics', '/v1/batch', '/v1/execute', '/v1/runtimes', '/v1/score', '/v1/tasks']);
    // OpenAPI 3.1 schemas are JSON Schema 2020-12.
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    for (const path of ['/v1/execute', '/v1/score', '/v1/batch']) {
      const operation = document.paths[path].post;
      const schema = operation.requestBody.content['application/json'].schema;
      expect(() => ajv.compile(schema), path).not.toThrow();
      expect(operation.responses['200']).toBeDefined();
    }
    const validateExecute = ajv.compile(document.paths['/v1/execute'].post.requestBody.content['application/json'].schema);
    expect(validateExecute({ language: 'python', code: 'print(1)' })).toBe(true);
    expect(validateExecute({ language: 'cobol', code: 'x' })).toBe(false);
  });

  it('unknown routes answer a JSON 404', async () => {
    const response = await t.call('GET', '/v2/nothing');
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not-found');
  });
});

/** The real isolate backend, whose warm-up waits for the test to open a gate. */
class GatedIsolate implements Sandbox {
  readonly name = 'isolate';
  readonly inner = new IsolateSandbox({ workers: 1 });
  readonly capabilities = this.inner.capabilities;
  open!: () => void;
  readonly gate = new Promise<void>((resolve) => (this.open = resolve));
  run = this.inner.run.bind(this.inner);
  async warmUp(): Promise<void> {
    await this.gate;
    await this.inner.run({ language: 'javascript', source: '' });
  }
  get workerPids(): number[] {
    return this.inner.workerPids;
  }
  dispose = () => this.inner.dispose();
}

describe('/healthz while the pools warm', () => {
  it('answers 503 "warming" until the warm-up ends, then 200 "ready"', async () => {
    const gated = new GatedIsolate();
    const t = await startTestServer({ sandboxes: new SandboxSet(gated), config: { warmLanguages: ['javascript'] } });
    try {
      const warming = await t.call('GET', '/healthz');
      expect(warming.status).toBe(503);
      expect(warming.body.status).toBe('warming');
      expect(warming.body.backends.isolate.state).toBe('warming');
      gated.open();
      await t.server.warmed;
      const ready = await t.call('GET', '/healthz');
      expect(ready.status).toBe(200);
      expect(ready.body.backends.isolate.state).toBe('ready');
    } finally {
      await t.server.close();
      await gated.dispose();
    }
  });
});

import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionResult } from '../../src/schemas/execution-result.ts';
import { IsolateSandbox } from '../../src/sandboxes/isolate-sandbox.ts';
import { isHostFrame, redactHostPaths } from '../../src/sandboxes/isolate/redact-host-paths.ts';
import { repoRoot } from '../helpers/paths.ts';

const fixtures = new URL('../fixtures/programs/js/', import.meta.url);
const fixture = (name: string) => readFileSync(fileURLToPath(new URL(name, fixtures)), 'utf8');

let sandbox: IsolateSandbox;

beforeAll(() => {
  sandbox = new IsolateSandbox({ workers: 1 });
});

afterAll(async () => {
  await sandbox.dispose();
});

/** Everything a guest (or a reader of its result) sees: no host path may be in it. */
function expectNoHostPaths(result: ExecutionResult): void {
  for (const [field, text] of [['stdout', result.stdout], ['stderr', result.stderr], ['message', result.message ?? '']] as const) {
    expect(text, field).not.toContain(repoRoot);
    expect(text, field).not.toContain('file://');
    expect(text, field).not.toMatch(/\/(src|dist|node_modules)\/\S+\.(ts|js)/);
    expect(text, field).not.toContain('node:internal');
  }
}

describe('IsolateSandbox: no host paths in what a guest sees', () => {
  it('errors the sandbox raises inside the isolate carry guest frames only', async () => {
    const result = await sandbox.run({ language: 'javascript', source: fixture('host-paths.js') });
    expect(result.status).toBe('ok');
    // Every probe ran and reported (the file prints one entry per probe).
    expect(result.stdout.split('\n').filter((line) => /^[\w. ]+: /.test(line)).length).toBeGreaterThanOrEqual(12);
    expectNoHostPaths(result);
  });

  it('a module that cannot be linked fails with the module\'s name, not the worker\'s stack', async () => {
    for (const source of ['import cp from "child_process";', 'import x from "./other.js";\nconsole.log(x);', 'export {};\nimport "nope";']) {
      const result = await sandbox.run({ language: 'javascript', source });
      expect(result.status, source).toBe('runtime-error');
      expect(result.stderr).toMatch(/^Error: Cannot find module '[^']+' imported from main\.js\n?$/);
      expectNoHostPaths(result);
    }
  });

  it('syntax errors, uncaught errors and rejections of scripts and modules', async () => {
    for (const source of ['let y = ;', 'export const a = 1;\nlet b = ;', 'null.x;', 'Promise.reject(new Error("r"));', 'export {};\nawait Promise.reject(new Error("tla"));']) {
      const result = await sandbox.run({ language: 'javascript', source });
      expect(result.status, source).toBe('runtime-error');
      expectNoHostPaths(result);
    }
  });

  it('host frames and host paths are recognised and redacted', () => {
    const hostFile = fileURLToPath(new URL('../../src/sandboxes/isolate/isolate-worker.ts', import.meta.url));
    expect(isHostFrame(`    at execute (${pathToFileURL(hostFile).href}:412:14)`)).toBe(true);
    expect(isHostFrame(`    at ${hostFile}:1:2`)).toBe(true);
    expect(isHostFrame('    at process.processTicksAndRejections (node:internal/process/task_queues:104:5)')).toBe(true);
    expect(isHostFrame('    at boom (main.js:2:9)')).toBe(false);
    expect(isHostFrame('    at main.js:3:1')).toBe(false);
    expect(redactHostPaths(`worker died: ${hostFile}:3 and ${pathToFileURL(hostFile).href}`)).toBe(
      'worker died: <sandbench>/src/sandboxes/isolate/isolate-worker.ts:3 and <sandbench>/src/sandboxes/isolate/isolate-worker.ts',
    );
    expect(redactHostPaths('guest text /tmp/x')).toBe('guest text /tmp/x');
  });
});

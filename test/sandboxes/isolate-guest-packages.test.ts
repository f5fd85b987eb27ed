import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IsolateSandbox } from '../../src/sandboxes/isolate-sandbox.ts';

// MBXP's JavaScript tests start with `const _ = require("lodash")`: the isolate serves lodash
// (sandbench's pinned copy) to guest code as Node with the package installed would.

describe.each([
  { mode: 'pooled workers (prelude snapshot)', oneShot: false },
  { mode: 'a one-shot worker (no snapshot)', oneShot: true },
])('IsolateSandbox guest packages, $mode', ({ oneShot }) => {
  let sandbox: IsolateSandbox;
  beforeAll(() => {
    sandbox = new IsolateSandbox({ workers: 1, oneShot });
  });
  afterAll(async () => {
    await sandbox.dispose();
  });

  it('require("lodash") gives lodash 4.17.21, once per run: _.chunk and _.isEqual work', async () => {
    const source = [
      'const _ = require("lodash");',
      'console.log(_.VERSION, JSON.stringify(_.chunk([1, 2, 3, 4, 5], 2)));',
      'console.log(_.isEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }), _.isEqual([1], [2]));',
      "console.log(require('lodash') === _, typeof module.exports);",
    ].join('\n');
    const result = await sandbox.run({ language: 'javascript', source });
    expect(result).toMatchObject({ status: 'ok', exitCode: 0, stderr: '' });
    expect(result.stdout).toBe('4.17.21 [[1,2],[3,4],[5]]\ntrue false\ntrue object\n');
  });

  it('loads with the captured Function constructor: a guest that replaced Function first still gets lodash, as in Node', async () => {
    const source = [
      "const hijacked = function Function() { throw new Error('hijacked'); };",
      'hijacked.prototype = Object.getPrototypeOf(() => {});',
      'globalThis.Function = hijacked;',
      'const _ = require("lodash");',
      'console.log(_.sum([1, 2, 3]));',
    ].join('\n');
    const result = await sandbox.run({ language: 'javascript', source });
    expect(result).toMatchObject({ status: 'ok', stdout: '6\n', stderr: '' });
  });

  it('a package that threw while loading is not kept: the next require runs it again, as in Node', async () => {
    const source = [
      'const F = Function;',
      'globalThis.Function = null;',
      "try { require('lodash'); } catch (e) { console.log('first', e instanceof TypeError); }",
      'globalThis.Function = F;',
      "console.log(require('lodash').sum([1, 2]));",
    ].join('\n');
    const result = await sandbox.run({ language: 'javascript', source });
    expect(result).toMatchObject({ status: 'ok', stdout: 'first true\n3\n', stderr: '' });
  });

  it('an ES module imports it as its default export', async () => {
    const result = await sandbox.run({ language: 'javascript', source: "import _ from 'lodash';\nconsole.log(_.chunk(['a', 'b', 'c'], 2).length);" });
    expect(result).toMatchObject({ status: 'ok', stdout: '2\n' });
  });

  it('serves nothing else: other packages, node:lodash and paths are not found', async () => {
    for (const name of ['left-pad', 'node:lodash', 'lodash/chunk', '../package.json', 'isolated-vm']) {
      const result = await sandbox.run({ language: 'javascript', source: `require(${JSON.stringify(name)});` });
      expect(result.status, name).toBe('runtime-error');
      expect(result.stderr, name).toContain(`Cannot find module '${name}'`);
    }
  });

  it("an MBXP JavaScript test (lodash's compare) passes a right answer and fails a wrong one", async () => {
    const prefix = 'function chunkPairs(list) {\n';
    const testCode = [
      '',
      'const _ = require("lodash")',
      '',
      'function compare(object1, object2){',
      '    return _.isEqual(object1, object2)',
      '}',
      '',
      'var x0 = chunkPairs([1, 2, 3]);',
      'var v0 = [[1, 2], [3]];',
      'if(!compare(x0, v0)){',
      "    throw 'Error at 1th assert statement. Value = ' + JSON.stringify(x0)",
      '}',
      '',
    ].join('\n');
    const right = await sandbox.run({ language: 'javascript', source: `${prefix}  return _chunk(list);\n}\nfunction _chunk(l) { return require('lodash').chunk(l, 2); }\n`, testCode });
    expect(right).toMatchObject({ status: 'ok', exitCode: 0, testCompleted: true });
    const wrong = await sandbox.run({ language: 'javascript', source: `${prefix}  return [list];\n}\n`, testCode });
    expect(wrong.status).toBe('runtime-error');
    expect(wrong.stderr).toContain('Error at 1th assert statement');
  });
});

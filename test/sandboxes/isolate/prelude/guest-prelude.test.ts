/**
 * The prelude's modules joined into the one script the worker compiles: the join, the compaction
 * (token for token the modules' own code), and the joined script running on its own in a bare
 * realm (no Node globals), which is what shows each module is self-contained.
 */
import { createContext, runInContext, Script } from 'node:vm';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { compactScript } from '../../../../src/sandboxes/isolate/compact-script.ts';
import { GUEST_MODULES, preludeSource, type GuestPrelude } from '../../../../src/sandboxes/isolate/guest-prelude.ts';
import { installGuestRuntime } from '../../../../src/sandboxes/isolate/prelude/install-guest-runtime.ts';

/** The tokens of a script, as TypeScript's parser reads them (comments and whitespace aside). */
function tokens(source: string): string[] {
  const file = ts.createSourceFile('script.js', source, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (node.kind >= ts.SyntaxKind.FirstJSDocNode && node.kind <= ts.SyntaxKind.LastJSDocNode) return;
    const children = node.getChildren(file);
    if (children.length === 0) {
      if (node.kind !== ts.SyntaxKind.EndOfFileToken) found.push(`${ts.SyntaxKind[node.kind]} ${node.getText(file)}`);
      return;
    }
    for (const child of children) visit(child);
  };
  visit(file);
  return found;
}

describe('the guest prelude, joined into one script', () => {
  it('is one strict function expression, ASCII only, compacted or as written', () => {
    const compact = preludeSource('compact');
    const asWritten = preludeSource('as-written');
    expect(compact.startsWith('function guestPrelude(write,control,readStdin,filename,hooks){\n\'use strict\';')).toBe(true);
    expect(asWritten.startsWith("function guestPrelude(write, control, readStdin, filename, hooks) {\n  'use strict';")).toBe(true);
    expect(compact.length).toBeLessThan(asWritten.length * 0.8);
    for (const source of [compact, asWritten]) {
      expect(/^[\x00-\x7f]*$/.test(source)).toBe(true);
      // The worker compiles exactly this.
      expect(() => new Script(`(${source})`)).not.toThrow();
    }
    // Made once per form.
    expect(preludeSource('compact')).toBe(compact);
  });

  it('holds every module, compacted without changing a single token', () => {
    const sources = [...Object.values(GUEST_MODULES), installGuestRuntime].map((module) => module.toString());
    for (const source of sources) {
      const compacted = compactScript(source);
      expect(compacted.length).toBeLessThan(source.length);
      expect(tokens(compacted)).toEqual(tokens(source));
      // In the prelude, characters past ASCII are written as escapes.
      expect(preludeSource('compact')).toContain(compacted.replace(/[^\x00-\x7f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`));
    }
  });

  it('compacts strings, templates, regular expressions and comments correctly', () => {
    const source = [
      "const a = 'it\\'s  // not a comment', b = \"two  spaces /* kept */\";",
      'const c = `x  ${a + `inner  ${b}`}  y`; // comment',
      'const d = /[/ ]+\\//g.test(c) ? a / 2 / 3 : a++ / 1; /* multi',
      'line */ const e = x => x',
      '(1);',
      'return typeof /re/ + - -1 + 1 .toString();',
    ].join('\n');
    const compacted = compactScript(source);
    expect(tokens(compacted)).toEqual(tokens(source));
    expect(compacted).toContain("'it\\'s  // not a comment'");
    expect(compacted).toContain('`x  ${a+`inner  ${b}`}  y`');
    expect(compacted).toContain('/[/ ]+\\//g');
    expect(compacted).not.toContain('comment;');
    expect(compacted).not.toContain('multi');
    // The line break that ends `x => x` stays: without it `(1)` would become a call.
    expect(compacted).toContain('x=>x\n(1)');
  });

  it.each(['compact', 'as-written'] as const)('runs on its own in a bare realm (%s): console, assert and timers work through the host functions', (form) => {
    const realm = createContext({});
    const install = runInContext(`(${preludeSource(form)})`, realm) as GuestPrelude;
    const written: string[] = [];
    const tick = install((stream, text) => (written.push(`${stream}:${text}`), 0), () => {}, () => 'line one\nline two\n', 'main.js', {});
    runInContext(
      `__sandbenchRun(function (exports, require) {
        const assert = require('assert');
        console.log('hello', { a: [1, 2] }, new Map([[1, 2]]));
        try { assert.deepStrictEqual({ a: 1 }, { a: 2 }); } catch (e) { console.error(e.name, e.message.split('\\n')[0]); }
        require('readline').createInterface({ input: process.stdin }).on('line', (l) => console.log('read', l));
        setTimeout(() => console.log('timer'), 0);
      });`,
      realm,
    );
    // The worker's loop: run what is due, sleep until the next timer, stop when nothing is left.
    const sleeper = new Int32Array(new SharedArrayBuffer(4));
    for (let wait = tick(false); wait >= 0; wait = tick(false)) {
      if (wait > 0) Atomics.wait(sleeper, 0, 0, wait);
      else tick(true);
    }
    expect(written).toEqual([
      "1:hello { a: [ 1, 2 ] } Map(1) { 1 => 2 }\n",
      '2:AssertionError Expected values to be strictly deep-equal:\n',
      '1:read line one\n',
      '1:read line two\n',
      '1:timer\n',
    ]);
  });
});

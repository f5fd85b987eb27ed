/**
 * The compacted guest prelude is made once per machine and kept in the OS temp folder: written
 * whole or not at all, checked on every read, kept only in a folder private to this user, and the
 * text a worker's isolates run.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IsolateSandbox } from '../../../src/sandboxes/isolate-sandbox.ts';
import { compactPreludeSource } from '../../../src/sandboxes/isolate/compact-prelude-cache.ts';
import { compactScript } from '../../../src/sandboxes/isolate/compact-script.ts';
import { preludeSource } from '../../../src/sandboxes/isolate/guest-prelude.ts';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'sandbench-prelude-cache-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const compact = preludeSource('compact');
const compactor = compactScript.toString().replace(/[^\x00-\x7f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
const asWritten = preludeSource('as-written');
/** A cache file's content for these parts. */
const cacheContent = (text: string, inputs = compactor + asWritten) =>
  `sandbench compact prelude 1 ${compactor.length} ${asWritten.length} ${text.length}\n${inputs}${text}`;
/** The one cache file in a folder. */
function cacheFile(directory: string): string {
  const files = readdirSync(directory).filter((name) => name.startsWith('prelude-'));
  expect(files).toHaveLength(1);
  return join(directory, files[0] as string);
}
/** The prelude text marked so that a guest can see which text its isolate runs. */
const marked = (text: string) => text.replace("'use strict';", "'use strict';globalThis.fromCache=1;");

describe('compactPreludeSource', () => {
  it('makes the compact prelude once, in a private folder, beside the inputs it was made from', () => {
    const directory = join(root, 'cache');
    expect(compactPreludeSource({ directory })).toBe(compact);
    expect(statSync(directory).mode & 0o777).toBe(0o700);
    const file = cacheFile(directory);
    expect(file).toMatch(new RegExp(`prelude-${asWritten.length}-${compactor.length}-[0-9a-f]{8}\\.js$`));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'latin1')).toBe(cacheContent(compact));
    // No temporary files left behind.
    expect(readdirSync(directory)).toHaveLength(1);
  });

  it('reads the cached text for the same inputs instead of compacting again', () => {
    const directory = join(root, 'cache');
    compactPreludeSource({ directory });
    const file = cacheFile(directory);
    // A cached text made from the same inputs is taken as it is (what the worker would run).
    writeFileSync(file, cacheContent(marked(compact)), 'latin1');
    const read = compactPreludeSource({ directory });
    expect(read).toBe(marked(compact));
    // One byte per character, like the text it stands for.
    expect(/^[\x00-\x7f]*$/.test(read)).toBe(true);
  });

  it('makes the text again over a file made from other inputs, a truncated or a damaged one', () => {
    const directory = join(root, 'cache');
    compactPreludeSource({ directory });
    const file = cacheFile(directory);
    const whole = readFileSync(file, 'latin1');
    const otherPrelude = compactor + asWritten.replace('guestPrelude', 'guestPreludX');
    const otherCompactor = compactor.replace('pieces', 'piecez') + asWritten;
    for (const damaged of [cacheContent(marked(compact), otherPrelude), cacheContent(marked(compact), otherCompactor), whole.slice(0, -10), whole.slice(0, whole.length / 2), whole.replace('sandbench compact prelude 1', 'sandbench compact prelude 2'), compact, '']) {
      writeFileSync(file, damaged, 'latin1');
      expect(compactPreludeSource({ directory })).toBe(compact);
      expect(readFileSync(file, 'latin1')).toBe(whole);
    }
  });

  it('uses no folder that others can write to, nor a link to one; compacts in memory instead', () => {
    const open = join(root, 'open');
    mkdirSync(open, { mode: 0o777 });
    chmodSync(open, 0o777);
    expect(compactPreludeSource({ directory: open })).toBe(compact);
    expect(readdirSync(open)).toEqual([]);

    const target = join(root, 'target');
    mkdirSync(target, { mode: 0o700 });
    const link = join(root, 'link');
    symlinkSync(target, link);
    expect(compactPreludeSource({ directory: link })).toBe(compact);
    expect(readdirSync(target)).toEqual([]);
  });

  it('compacts in memory, and returns, where the cache folder cannot be made', () => {
    // /proc answers ENOENT to mkdir under it, on which a recursive mkdir would loop forever.
    for (const directory of ['/proc/sandbench-prelude-cache', join(root, 'missing', 'cache')]) {
      expect(compactPreludeSource({ directory })).toBe(compact);
    }
    expect(readdirSync(root)).toEqual([]);
  });

  it('removes other prelude versions not written for a week when it writes a new one', () => {
    const directory = join(root, 'cache');
    mkdirSync(directory, { mode: 0o700 });
    const old = join(directory, 'prelude-00000000000000000000000000000000.js');
    const recent = join(directory, 'prelude-11111111111111111111111111111111.js');
    const other = join(directory, 'unrelated.txt');
    for (const file of [old, recent, other]) writeFileSync(file, 'x');
    const eightDaysAgo = (Date.now() - 8 * 24 * 60 * 60 * 1000) / 1000;
    utimesSync(old, eightDaysAgo, eightDaysAgo);
    utimesSync(other, eightDaysAgo, eightDaysAgo);
    compactPreludeSource({ directory });
    const names = readdirSync(directory);
    expect(names).not.toContain('prelude-00000000000000000000000000000000.js');
    expect(names).toContain('prelude-11111111111111111111111111111111.js');
    expect(names).toContain('unrelated.txt');
    expect(names).toHaveLength(3);
  });

  it('is what the workers of an isolate sandbox run, from the cache in the OS temp folder', async () => {
    const previous = process.env.TMPDIR;
    // Workers inherit the host's environment: their temp folder is this test's.
    process.env.TMPDIR = root;
    const sandbox = new IsolateSandbox({ workers: 1 });
    try {
      const first = await sandbox.run({ language: 'javascript', source: 'console.log(typeof fromCache)' });
      expect(first.stdout).toBe('undefined\n');
      const directory = join(root, `sandbench-${process.getuid?.() ?? 'user'}`);
      const file = cacheFile(directory);
      // The worker's own text (its modules are loaded by Node, not by this test's transformer).
      const content = readFileSync(file, 'latin1');
      const [, compactorLength, preludeLength, textLength] = (content.slice(0, content.indexOf('\n')).match(/ (\d+) (\d+) (\d+)$/) ?? []).map(Number);
      const text = content.slice(-(textLength as number));
      expect(content.length).toBe(content.indexOf('\n') + 1 + (compactorLength as number) + (preludeLength as number) + (textLength as number));
      expect(text.startsWith("function guestPrelude(write,control,readStdin,filename,hooks){\n'use strict';")).toBe(true);
      // A new worker takes the cached text.
      writeFileSync(file, content.slice(0, -(textLength as number)).replace(/ \d+\n/, ` ${marked(text).length}\n`) + marked(text), 'latin1');
      await sandbox.dispose();
      const next = new IsolateSandbox({ workers: 1 });
      try {
        const second = await next.run({ language: 'javascript', source: 'console.log(typeof fromCache)' });
        expect(second.stdout).toBe('number\n');
      } finally {
        await next.dispose();
      }
    } finally {
      await sandbox.dispose();
      if (previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previous;
    }
  });
});

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashSandbenchInstall, installSandbench, productionPackageFolders } from '../../src/images/sandbench-install.ts';

const scratch = mkdtempSync(join(tmpdir(), 'sandbench-install-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function write(root: string, path: string, content: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}

/** A package folder shaped like sandbench's: a lockfile with production and dev packages, a build, a native module. */
function fakePackage(name: string): string {
  const root = join(scratch, name);
  write(root, 'package.json', JSON.stringify({ name: 'sandbench', version: '0.0.1' }));
  write(
    root,
    'package-lock.json',
    JSON.stringify({
      packages: {
        '': { name: 'sandbench' },
        'node_modules/runtime-dep': { version: '1.0.0' },
        'node_modules/runtime-dep/node_modules/nested-dep': { version: '2.0.0' },
        'node_modules/test-only': { version: '1.0.0', dev: true },
        'node_modules/not-installed': { version: '1.0.0', optional: true },
      },
    }),
  );
  write(root, 'dist/cli/main.js', 'console.log("cli")');
  write(root, 'dist/.build-stamp', 'stamp');
  write(root, 'sandboxes/python/profile.json', '{}');
  write(root, 'images/server/packages.txt', 'tini\n');
  write(root, 'node_modules/runtime-dep/index.js', 'module.exports = 1');
  write(root, 'node_modules/runtime-dep/build/addon.node', 'native-1');
  write(root, 'node_modules/runtime-dep/node_modules/nested-dep/index.js', 'module.exports = 2');
  write(root, 'node_modules/test-only/index.js', 'module.exports = 3');
  symlinkSync('../runtime-dep/index.js', join(root, 'node_modules', 'runtime-dep', 'link.js'));
  write(root, 'src/cli/main.ts', 'source');
  return root;
}

function installHash(root: string, node: string): string {
  const hash = createHash('sha256');
  hashSandbenchInstall(hash, '/opt/sandbench', root, node);
  return hash.digest('hex');
}

describe('the sandbench install of the server image', () => {
  const node = join(scratch, 'node-binary');
  writeFileSync(node, 'not really node');

  it('takes the lockfile production packages that are installed, nested ones included, dev ones not', () => {
    const root = fakePackage('listing');
    expect(productionPackageFolders(root)).toEqual(['node_modules/runtime-dep', 'node_modules/runtime-dep/node_modules/nested-dep']);
  });

  it('copies Node, the build and production packages only, without links or build bookkeeping, and writes its commands', async () => {
    const root = fakePackage('copy');
    const target = join(scratch, 'image', 'opt', 'sandbench');
    const lines: string[] = [];
    await installSandbench(target, (line) => lines.push(line), root, node);
    expect(readFileSync(join(target, 'node/bin/node'), 'utf8')).toBe('not really node');
    expect(statSync(join(target, 'node/bin/node')).mode & 0o111).toBe(0o111);
    expect(readFileSync(join(target, 'dist/cli/main.js'), 'utf8')).toBe('console.log("cli")');
    expect(existsSync(join(target, 'dist/.build-stamp'))).toBe(false);
    expect(existsSync(join(target, 'sandboxes/python/profile.json'))).toBe(true);
    expect(existsSync(join(target, 'images/server/packages.txt'))).toBe(true);
    expect(readFileSync(join(target, 'node_modules/runtime-dep/build/addon.node'), 'utf8')).toBe('native-1');
    expect(existsSync(join(target, 'node_modules/runtime-dep/node_modules/nested-dep/index.js'))).toBe(true);
    expect(existsSync(join(target, 'node_modules/runtime-dep/link.js'))).toBe(false);
    expect(existsSync(join(target, 'node_modules/test-only'))).toBe(false);
    expect(existsSync(join(target, 'src'))).toBe(false);
    const command = readFileSync(join(target, 'bin/sandbench'), 'utf8');
    expect(command).toMatch(/exec "\$here\/node\/bin\/node" "\$here\/dist\/cli\/main\.js" "\$@"/);
    expect(statSync(join(target, 'bin/sandbench-healthcheck')).mode & 0o111).toBe(0o111);
    expect(lines.join('\n')).toMatch(/production dependencies only/);
  });

  it('refuses a package that was never built', async () => {
    const root = fakePackage('unbuilt');
    rmSync(join(root, 'dist'), { recursive: true });
    await expect(installSandbench(join(scratch, 'unbuilt-target'), () => undefined, root, node)).rejects.toThrow(/dist\/cli\/main\.js is missing: build sandbench first/);
  });

  it('hashes what the image holds: a changed build, profile or native module changes the hash; a dev package or the stamp does not', () => {
    const root = fakePackage('hash');
    const base = installHash(root, node);
    expect(installHash(root, node)).toBe(base);
    const changes: Array<[string, string]> = [
      ['dist/cli/main.js', 'console.log("other")'],
      ['sandboxes/python/profile.json', '{"x":1}'],
      ['node_modules/runtime-dep/build/addon.node', 'native-2'],
      ['package-lock.json', readFileSync(join(root, 'package-lock.json'), 'utf8') + ' '],
    ];
    const seen = new Set([base]);
    for (const [path, content] of changes) {
      write(root, path, content);
      const changed = installHash(root, node);
      expect(seen.has(changed), path).toBe(false);
      seen.add(changed);
    }
    const before = installHash(root, node);
    write(root, 'node_modules/test-only/index.js', 'changed');
    write(root, 'dist/.build-stamp', 'another stamp');
    write(root, 'src/cli/main.ts', 'edited source, not yet built');
    expect(installHash(root, node)).toBe(before);
  });
});

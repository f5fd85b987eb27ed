import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { matchesImagePattern, trimRootFilesystem } from '../../src/images/trim-root-filesystem.ts';

const scratch = mkdtempSync(join(tmpdir(), 'sandbench-trim-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A small fake root filesystem: each path (relative) becomes a file holding its own name. */
function fakeRoot(name: string, files: string[]): string {
  const root = join(scratch, name);
  for (const file of files) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), file);
  }
  return root;
}

/** Every file and directory under `folder`, relative, sorted; directories end with `/`. */
function listTree(folder: string, prefix = ''): string[] {
  const entries: string[] = [];
  for (const entry of readdirSync(join(folder, prefix), { withFileTypes: true })) {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) entries.push(`${path}/`, ...listTree(folder, path));
    else entries.push(path);
  }
  return entries.sort();
}

const modeOf = (path: string): number => statSync(path).mode & 0o7777;

describe('matchesImagePattern', () => {
  it('matches trim patterns within one path segment', () => {
    expect(matchesImagePattern('/usr/share/doc/*/copyright', '/usr/share/doc/bash/copyright')).toBe(true);
    expect(matchesImagePattern('/usr/share/doc/*/copyright', '/usr/share/doc/bash/README')).toBe(false);
    expect(matchesImagePattern('/var/cache/debconf/*-old', '/var/cache/debconf/config.dat-old')).toBe(true);
    expect(matchesImagePattern('/usr/share/*', '/usr/share/doc/bash')).toBe(false);
    // Regular-expression characters in a pattern are literal.
    expect(matchesImagePattern('/usr/lib/python3.11/*', '/usr/lib/python3x11/os.py')).toBe(false);
    expect(matchesImagePattern('/usr/lib/python3.11/*', '/usr/lib/python3.11/os.py')).toBe(true);
  });
});

describe('trimRootFilesystem on a fake root', () => {
  it('removes docs, caches and logs, keeps licences and what the recipe keeps, and prepares mount points', async () => {
    const root = fakeRoot('debootstrapped', [
      'bin/bash',
      'etc/hostname',
      'etc/resolv.conf',
      'etc/passwd',
      'var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease',
      'var/lib/apt/lists/partial/unfinished',
      'var/lib/dpkg/status',
      'var/cache/apt/pkgcache.bin',
      'var/cache/debconf/config.dat',
      'var/cache/debconf/config.dat-old',
      'var/cache/debconf/templates.dat-old',
      'var/log/dpkg.log',
      'var/log/apt/history.log',
      'usr/share/doc/bash/README',
      'usr/share/doc/bash/copyright',
      'usr/share/doc/python3/changelog.Debian.gz',
      'usr/share/doc/python3/copyright',
      'usr/share/man/man1/bash.1.gz',
      'usr/share/info/dir',
      'usr/share/locale/de/LC_MESSAGES/bash.mo',
      'usr/share/lintian/overrides/bash',
      'usr/lib/python3.11/os.py',
      'usr/lib/python3.11/test/test_os.py',
      'usr/lib/python3.11/idlelib/idle.py',
      'usr/lib/python3.11/idlelib/help.html',
    ]);
    writeFileSync(join(root, 'etc/hostname'), 'build-host.example\n');
    writeFileSync(join(root, 'etc/resolv.conf'), 'nameserver 10.0.0.1\n');
    mkdirSync(join(root, 'tmp'), { mode: 0o755 });
    chmodSync(join(root, 'tmp'), 0o755);

    await trimRootFilesystem(root, {
      remove: ['/usr/lib/python3.11/test', '/usr/lib/python3.11/idlelib/*'],
      keep: ['/usr/lib/python3.11/idlelib/*.html'],
      directories: ['/sandbox/scratch'],
    });

    expect(listTree(root)).toEqual([
      'bin/',
      'bin/bash',
      'etc/',
      'etc/hostname',
      'etc/passwd',
      'etc/resolv.conf',
      'sandbox/',
      'sandbox/scratch/',
      'tmp/',
      'usr/',
      'usr/lib/',
      'usr/lib/python3.11/',
      'usr/lib/python3.11/idlelib/',
      'usr/lib/python3.11/idlelib/help.html',
      'usr/lib/python3.11/os.py',
      'usr/share/',
      'usr/share/doc/',
      'usr/share/doc/bash/',
      'usr/share/doc/bash/copyright',
      'usr/share/doc/python3/',
      'usr/share/doc/python3/copyright',
      'usr/share/info/',
      'usr/share/lintian/',
      'usr/share/locale/',
      'usr/share/man/',
      'var/',
      'var/cache/',
      'var/cache/apt/',
      'var/cache/debconf/',
      'var/cache/debconf/config.dat',
      'var/lib/',
      'var/lib/apt/',
      'var/lib/apt/lists/',
      'var/lib/dpkg/',
      'var/lib/dpkg/status',
      'var/log/',
      'work/',
    ]);
    // A tmpfs mounted on these takes the directory's mode: world-writable and sticky.
    for (const directory of ['work', 'tmp', 'sandbox/scratch']) expect(modeOf(join(root, directory)), directory).toBe(0o1777);
    expect(readFileSync(join(root, 'etc/hostname'), 'utf8')).toBe('sandbench\n');
    expect(readFileSync(join(root, 'etc/resolv.conf'), 'utf8')).toBe('');
  });

  it('leaves a tree with nothing to trim as it was, apart from the mount points', async () => {
    const root = fakeRoot('bare', ['etc/passwd']);
    await trimRootFilesystem(root, {});
    expect(listTree(root)).toEqual(['etc/', 'etc/hostname', 'etc/passwd', 'etc/resolv.conf', 'tmp/', 'work/']);
  });
});

import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
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

  it('never deletes or changes anything outside the tree through a symbolic link', async () => {
    // What the build host has: every link below points here (inside the test's scratch folder).
    const outside = fakeRoot('outside', ['run/docker.sock', 'doc/notes.txt', 'resolv.conf', 'hostname']);
    writeFileSync(join(outside, 'resolv.conf'), 'nameserver 192.0.2.1\n');
    writeFileSync(join(outside, 'hostname'), 'real-host\n');
    mkdirSync(join(outside, 'tmp'));
    chmodSync(join(outside, 'tmp'), 0o755);
    const before = listTree(outside);

    const root = fakeRoot('hostile', ['usr/share/doc/bash/README', 'etc/passwd']);
    mkdirSync(join(root, 'var'));
    symlinkSync(join(outside, 'run'), join(root, 'var/run'));
    symlinkSync(join(outside, 'doc'), join(root, 'usr/share/doc/absolute'));
    // Relative, but climbing above the tree: usr/share/doc → usr/share → usr → root → scratch.
    symlinkSync('../../../../outside/doc', join(root, 'usr/share/doc/climbing'));
    symlinkSync(join(outside, 'resolv.conf'), join(root, 'etc/resolv.conf'));
    symlinkSync('../../outside/hostname', join(root, 'etc/hostname'));
    symlinkSync('../outside/tmp', join(root, 'tmp'));

    await trimRootFilesystem(root, { remove: ['/var/run/*'], directories: ['/var/run/sandbox'] });

    expect(listTree(outside)).toEqual(before);
    expect(readFileSync(join(outside, 'resolv.conf'), 'utf8')).toBe('nameserver 192.0.2.1\n');
    expect(readFileSync(join(outside, 'hostname'), 'utf8')).toBe('real-host\n');
    expect(modeOf(join(outside, 'tmp'))).toBe(0o755);
    // The tree itself was trimmed as usual; its links still point where they did.
    expect(existsSync(join(root, 'usr/share/doc/bash/README'))).toBe(false);
    expect(readlinkSync(join(root, 'var/run'))).toBe(join(outside, 'run'));
  });

  it('follows links inside the tree the way the image will see them', async () => {
    const root = fakeRoot('linked', [
      'usr/share/doc/gcc-12-base/changelog.gz',
      'usr/share/doc/gcc-12-base/copyright',
      'run/resolvconf/resolv.conf',
      'image-run/lock/stale',
      'image-run/utmp',
      'etc/passwd',
    ]);
    writeFileSync(join(root, 'run/resolvconf/resolv.conf'), 'nameserver 192.0.2.1\n');
    symlinkSync('gcc-12-base', join(root, 'usr/share/doc/libgcc-s1'));
    symlinkSync('../run/resolvconf/resolv.conf', join(root, 'etc/resolv.conf'));
    // An absolute link names a path in the image: /image-run here, never the build host's.
    mkdirSync(join(root, 'var'));
    symlinkSync('/image-run', join(root, 'var/run'));
    mkdirSync(join(root, 'var/tmp'));
    symlinkSync('var/tmp', join(root, 'tmp'));
    // A loop, which the image cannot resolve either: nothing below it to trim.
    symlinkSync('/usr/share/doc/loop', join(root, 'usr/share/doc/loop'));

    await trimRootFilesystem(root, { remove: ['/var/run/*'], directories: ['/var/run/sandbox'] });

    expect(listTree(join(root, 'image-run'))).toEqual(['sandbox/']);
    expect(modeOf(join(root, 'image-run/sandbox'))).toBe(0o1777);
    expect(listTree(join(root, 'usr/share/doc'))).toEqual(['gcc-12-base/', 'gcc-12-base/copyright', 'libgcc-s1', 'loop']);
    expect(lstatSync(join(root, 'etc/resolv.conf')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(root, 'run/resolvconf/resolv.conf'), 'utf8')).toBe('');
    expect(lstatSync(join(root, 'tmp')).isSymbolicLink()).toBe(true);
    expect(modeOf(join(root, 'var/tmp'))).toBe(0o1777);
  });

  it('refuses to create a mount point behind a link loop', async () => {
    const root = fakeRoot('looped', ['etc/passwd']);
    symlinkSync('/loop', join(root, 'loop'));
    await expect(trimRootFilesystem(root, { directories: ['/loop/scratch'] })).rejects.toThrow(
      '/loop/scratch: too many levels of symbolic links in the image tree',
    );
  });
});

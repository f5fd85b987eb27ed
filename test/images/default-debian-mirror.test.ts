import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultDebianMirror, FALLBACK_DEBIAN_MIRROR, mirrorFromAptSources } from '../../src/images/default-debian-mirror.ts';

const scratch = mkdtempSync(join(tmpdir(), 'sandbench-mirror-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A fresh apt folder holding `files` (paths relative to it). */
function aptFolder(name: string, files: Record<string, string>): string {
  const folder = join(scratch, name);
  mkdirSync(join(folder, 'sources.list.d'), { recursive: true });
  for (const [path, text] of Object.entries(files)) writeFileSync(join(folder, path), text);
  return folder;
}

describe('mirrorFromAptSources', () => {
  it('reads deb822 sources, skipping other suites and disabled stanzas', () => {
    const apt = aptFolder('deb822', {
      'sources.list.d/debian.sources': [
        'Types: deb',
        'URIs: http://security.example/debian-security',
        'Suites: bookworm-security',
        'Components: main',
        '',
        'Types: deb',
        'URIs: http://disabled.example/debian',
        'Suites: bookworm',
        'Enabled: no',
        '',
        'Types: deb deb-src',
        'URIs: http://mirror.example/debian/',
        'Suites: bookworm bookworm-updates',
        'Components: main',
        '',
      ].join('\n'),
    });
    expect(mirrorFromAptSources(apt)).toBe('http://mirror.example/debian');
  });

  it('skips source-only stanzas, commented fields and URIs that are not http(s)', () => {
    const apt = aptFolder('deb822-kinds', {
      'sources.list.d/debian.sources': [
        'Types: deb-src',
        'URIs: http://sources-only.example/debian',
        'Suites: bookworm',
        '',
        '# URIs: http://commented.example/debian',
        'Types: deb',
        'URIs: file:///srv/mirror cdrom:/media https://secure.example/debian',
        'Suites: bookworm',
        '',
      ].join('\n'),
    });
    expect(mirrorFromAptSources(apt)).toBe('https://secure.example/debian');
  });

  it('reads one-line sources.list and ignores other releases', () => {
    const apt = aptFolder('one-line', {
      'sources.list':
        '# deb http://commented.example/debian bookworm main\n' +
        'deb http://archive.ubuntu.example/ubuntu jammy main\n' +
        'deb-src http://source.example/debian bookworm main\n' +
        'deb [arch=amd64 signed-by=/k.gpg] http://one.example/debian bookworm main contrib\n',
    });
    expect(mirrorFromAptSources(apt)).toBe('http://one.example/debian');
  });

  it('prefers sources.list, then the parts folder in name order, both formats', () => {
    const apt = aptFolder('order', {
      'sources.list.d/20-second.sources': 'Types: deb\nURIs: http://second.example/debian\nSuites: bookworm\n',
      'sources.list.d/10-first.list': 'deb http://first.example/debian bookworm main\n',
      'sources.list.d/00-ignored.txt': 'deb http://not-a-source-file.example/debian bookworm main\n',
    });
    expect(mirrorFromAptSources(apt)).toBe('http://first.example/debian');
    writeFileSync(join(apt, 'sources.list'), 'deb http://main-list.example/debian/ bookworm main\n');
    expect(mirrorFromAptSources(apt)).toBe('http://main-list.example/debian');
  });

  it('answers for the suite it is asked about, and nothing for a missing folder', () => {
    const apt = aptFolder('suites', { 'sources.list': 'deb http://trixie.example/debian trixie main\n' });
    expect(mirrorFromAptSources(apt)).toBeUndefined();
    expect(mirrorFromAptSources(apt, 'trixie')).toBe('http://trixie.example/debian');
    expect(mirrorFromAptSources(join(scratch, 'nowhere'))).toBeUndefined();
  });
});

describe('defaultDebianMirror', () => {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.SANDBENCH_DEBIAN_MIRROR;
    delete process.env.SANDBENCH_DEBIAN_MIRROR;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.SANDBENCH_DEBIAN_MIRROR;
    else process.env.SANDBENCH_DEBIAN_MIRROR = saved;
  });

  it('takes the machine apt source, else deb.debian.org', () => {
    const apt = aptFolder('default', { 'sources.list': 'deb http://local.example/debian bookworm main\n' });
    expect(defaultDebianMirror(apt)).toBe('http://local.example/debian');
    expect(defaultDebianMirror(join(scratch, 'nowhere'))).toBe(FALLBACK_DEBIAN_MIRROR);
    expect(FALLBACK_DEBIAN_MIRROR).toBe('http://deb.debian.org/debian');
  });

  it('lets SANDBENCH_DEBIAN_MIRROR win over the apt sources, unless it is blank', () => {
    const apt = aptFolder('override', { 'sources.list': 'deb http://local.example/debian bookworm main\n' });
    process.env.SANDBENCH_DEBIAN_MIRROR = '  http://override.example/debian  ';
    expect(defaultDebianMirror(apt)).toBe('http://override.example/debian');
    process.env.SANDBENCH_DEBIAN_MIRROR = '   ';
    expect(defaultDebianMirror(apt)).toBe('http://local.example/debian');
  });
});

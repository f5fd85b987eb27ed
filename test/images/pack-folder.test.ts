import { chmodSync, linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import tar from 'tar-stream';
import type { Header } from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import { packFolder } from '../../src/images/pack-folder.ts';

const scratch = mkdtempSync(join(tmpdir(), 'sandbench-pack-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function readTar(stream: NodeJS.ReadableStream): Promise<Array<{ header: Header; body: Buffer }>> {
  const extract = tar.extract();
  const entries: Array<{ header: Header; body: Buffer }> = [];
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      entries.push({ header: entry.header, body: Buffer.concat(chunks) });
    }
  })();
  stream.pipe(extract as unknown as NodeJS.WritableStream);
  await done;
  return entries;
}

describe('packFolder', () => {
  it('keeps modes, owners, symlinks and hard links, and empties the listed directories', async () => {
    const root = join(scratch, 'root');
    mkdirSync(join(root, 'usr', 'bin'), { recursive: true });
    mkdirSync(join(root, 'proc', 'self'), { recursive: true });
    writeFileSync(join(root, 'proc', 'self', 'status'), 'host data');
    writeFileSync(join(root, 'usr', 'bin', 'tool'), '#!/bin/sh\necho hi\n');
    chmodSync(join(root, 'usr', 'bin', 'tool'), 0o4755);
    linkSync(join(root, 'usr', 'bin', 'tool'), join(root, 'usr', 'bin', 'tool-alias'));
    symlinkSync('tool', join(root, 'usr', 'bin', 'tool-link'));
    mkdirSync(join(root, 'tmp'));
    chmodSync(join(root, 'tmp'), 0o1777);
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    writeFileSync(join(root, 'big.bin'), big);
    // A name longer than the 100 bytes of a plain ustar header.
    const deep = join(root, 'a'.repeat(60), 'b'.repeat(60));
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(deep, 'c'.repeat(80)), 'deep');
    execFileSync('chown', ['-h', '1234:5678', join(root, 'usr', 'bin', 'tool-link')]);

    const entries = await readTar(packFolder(root, { emptyDirectories: ['proc'] }) as unknown as NodeJS.ReadableStream);
    const byName = new Map(entries.map((entry) => [entry.header.name.replace(/\/$/, ''), entry]));

    expect(byName.get('usr/bin/tool')!.header.mode & 0o7777).toBe(0o4755);
    expect(byName.get('usr/bin/tool')!.body.toString()).toBe('#!/bin/sh\necho hi\n');
    const alias = byName.get('usr/bin/tool-alias')!.header;
    expect(alias.type).toBe('link');
    expect(alias.linkname).toBe('usr/bin/tool');
    const link = byName.get('usr/bin/tool-link')!.header;
    expect(link.type).toBe('symlink');
    expect(link.linkname).toBe('tool');
    expect([link.uid, link.gid]).toEqual([1234, 5678]);
    expect(byName.get('tmp')!.header.type).toBe('directory');
    expect(byName.get('tmp')!.header.mode & 0o7777).toBe(0o1777);
    expect(byName.get('proc')!.header.type).toBe('directory');
    expect(byName.has('proc/self')).toBe(false);
    expect(byName.get('big.bin')!.body.equals(big)).toBe(true);
    expect(byName.get(`${'a'.repeat(60)}/${'b'.repeat(60)}/${'c'.repeat(80)}`)!.body.toString()).toBe('deep');
    expect(entries.some((entry) => entry.header.name === '' || entry.header.name.startsWith('/'))).toBe(false);
  });

  it('produces a tar that GNU tar reads', async () => {
    const root = join(scratch, 'context');
    mkdirSync(root);
    writeFileSync(join(root, 'Dockerfile'), 'FROM scratch\n');
    const file = join(scratch, 'context.tar');
    const chunks: Buffer[] = [];
    for await (const chunk of packFolder(root) as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
    writeFileSync(file, Buffer.concat(chunks));
    expect(execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim()).toBe('Dockerfile');
  });
});

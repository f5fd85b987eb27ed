import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { Header, Pack } from 'tar-stream';

type EntryHeader = Partial<Header> & Pick<Header, 'name'>;

/** Options for `packFolder`. */
export interface PackFolderOptions {
  /**
   * Relative paths (no leading slash) whose contents are left out; the directory itself is
   * kept. For a root filesystem: `proc`, `sys`, `dev` — the engine provides them at run time.
   */
  emptyDirectories?: ReadonlyArray<string>;
  /** Called for entries that cannot go into a tar (sockets, devices outside `dev/`). */
  onSkip?: (path: string, reason: string) => void;
}

/** Files up to this size are read whole; bigger ones are streamed. */
const SMALL_FILE_BYTES = 1024 * 1024;

/**
 * Pack a folder (a root filesystem, or a build context) into a tar stream, with each entry's
 * mode, owner, mtime, symlink target, and hard links as `link` entries, so that
 * `docker import` reproduces the tree exactly. The tar is produced while the consumer reads it
 * (backpressure through tar-stream), so memory stays flat whatever the folder's size.
 *
 * Returns the pack stream at once; entries are added in the background. A failure while
 * walking destroys the stream with that error.
 */
export function packFolder(folder: string, options: PackFolderOptions = {}): Pack {
  const pack = tar.pack();
  const emptied = new Set(options.emptyDirectories ?? []);
  const hardLinks = new Map<string, string>();

  async function addEntry(header: EntryHeader, body?: Buffer | string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const callback = (error?: Error | null): void => (error ? reject(error) : resolve());
      if (body === undefined) {
        pack.entry(header, callback);
      } else if (typeof body !== 'string') {
        pack.entry(header, body, callback);
      } else {
        // A large file: stream it into the entry; the entry callback fires once it is written.
        const sink = pack.entry(header, callback);
        pipeline(createReadStream(body), sink as unknown as NodeJS.WritableStream).catch(reject);
      }
    });
  }

  async function visit(relative: string, stats: Stats): Promise<void> {
    const absolute = relative === '' ? folder : join(folder, relative);
    const common = {
      name: relative,
      mode: stats.mode & 0o7777,
      uid: stats.uid,
      gid: stats.gid,
      mtime: new Date(Math.floor(stats.mtimeMs)),
    };
    if (stats.isDirectory()) {
      if (relative !== '') await addEntry({ ...common, name: relative + '/', type: 'directory' });
      if (emptied.has(relative)) return;
      const names = (await readdir(absolute)).sort();
      for (const name of names) {
        const child = relative === '' ? name : `${relative}/${name}`;
        await visit(child, await lstat(join(folder, child)));
      }
      return;
    }
    if (stats.isSymbolicLink()) {
      await addEntry({ ...common, type: 'symlink', linkname: await readlink(absolute) });
      return;
    }
    if (stats.isFile()) {
      if (stats.nlink > 1) {
        const key = `${stats.dev}:${stats.ino}`;
        const first = hardLinks.get(key);
        if (first !== undefined) {
          await addEntry({ ...common, type: 'link', linkname: first, size: 0 });
          return;
        }
        hardLinks.set(key, relative);
      }
      if (stats.size <= SMALL_FILE_BYTES) {
        await addEntry({ ...common, type: 'file', size: stats.size }, await readFile(absolute));
      } else {
        await addEntry({ ...common, type: 'file', size: stats.size }, absolute);
      }
      return;
    }
    if (stats.isFIFO()) {
      await addEntry({ ...common, type: 'fifo' });
      return;
    }
    options.onSkip?.(relative, stats.isSocket() ? 'socket' : 'device node');
  }

  (async () => {
    await visit('', await lstat(folder));
    pack.finalize();
  })().catch((error: unknown) => {
    pack.destroy(error instanceof Error ? error : new Error(String(error)));
  });
  return pack;
}

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEBIAN_SUITE } from './image-recipes.ts';

/** The mirror debootstrap uses when neither the environment nor the machine names one. */
export const FALLBACK_DEBIAN_MIRROR = 'http://deb.debian.org/debian';

/**
 * The Debian mirror debootstrap uses: `SANDBENCH_DEBIAN_MIRROR` when set; else the first apt
 * source of this machine that serves the `bookworm` suite itself (deb822 `.sources` files and
 * `sources.list`); else `http://deb.debian.org/debian`.
 */
export function defaultDebianMirror(aptDirectory = '/etc/apt'): string {
  const fromEnvironment = process.env.SANDBENCH_DEBIAN_MIRROR;
  if (fromEnvironment && fromEnvironment.trim() !== '') return fromEnvironment.trim();
  return mirrorFromAptSources(aptDirectory) ?? FALLBACK_DEBIAN_MIRROR;
}

/** The first http(s) apt source in `aptDirectory` whose suites include `suite`. */
export function mirrorFromAptSources(aptDirectory = '/etc/apt', suite = DEBIAN_SUITE): string | undefined {
  const texts: Array<{ deb822: boolean; text: string }> = [];
  const read = (file: string, deb822: boolean): void => {
    try {
      texts.push({ deb822, text: readFileSync(file, 'utf8') });
    } catch {
      // Unreadable or absent: not a source.
    }
  };
  read(join(aptDirectory, 'sources.list'), false);
  const partsFolder = join(aptDirectory, 'sources.list.d');
  if (existsSync(partsFolder)) {
    for (const entry of readdirSync(partsFolder).sort()) {
      if (entry.endsWith('.sources')) read(join(partsFolder, entry), true);
      else if (entry.endsWith('.list')) read(join(partsFolder, entry), false);
    }
  }
  for (const { deb822, text } of texts) {
    const found = deb822 ? fromDeb822(text, suite) : fromOneLineFormat(text, suite);
    if (found) return found;
  }
  return undefined;
}

/** deb822 stanzas (`Types:`, `URIs:`, `Suites:`, `Enabled:`), separated by blank lines. */
function fromDeb822(text: string, suite: string): string | undefined {
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      if (line.startsWith('#')) continue;
      const match = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (match) fields.set(match[1]!.toLowerCase(), match[2]!.trim());
    }
    if (fields.get('enabled')?.toLowerCase() === 'no') continue;
    if (!(fields.get('types') ?? '').split(/\s+/).includes('deb')) continue;
    if (!(fields.get('suites') ?? '').split(/\s+/).includes(suite)) continue;
    const uri = (fields.get('uris') ?? '').split(/\s+/).find((candidate) => /^https?:\/\//.test(candidate));
    if (uri) return uri.replace(/\/+$/, '');
  }
  return undefined;
}

/** `deb [options] uri suite components…` lines. */
function fromOneLineFormat(text: string, suite: string): string | undefined {
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').replace(/\[[^\]]*\]/, ' ').trim();
    const [type, uri, lineSuite] = line.split(/\s+/);
    if (type === 'deb' && uri && /^https?:\/\//.test(uri) && lineSuite === suite) return uri.replace(/\/+$/, '');
  }
  return undefined;
}

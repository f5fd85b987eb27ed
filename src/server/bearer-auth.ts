import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Bearer-token checks. Tokens are kept as SHA-256 digests and compared in constant time, so
 * neither the comparison's timing nor a memory dump of the table gives a token away.
 */
export class BearerAuth {
  readonly #digests: Buffer[];

  constructor(tokens: readonly string[]) {
    this.#digests = [...new Set(tokens)].map(digest);
  }

  /** Whether auth is on (at least one token configured). */
  get enabled(): boolean {
    return this.#digests.length > 0;
  }

  /**
   * The caller's identity for rate limits (a digest prefix, never the token) when the
   * `Authorization` header carries a known token; `undefined` otherwise. With auth off,
   * every caller is `anonymous`.
   */
  identify(authorization: string | undefined): string | undefined {
    if (!this.enabled) return 'anonymous';
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return undefined;
    const presented = digest(match[1]!);
    let known = false;
    for (const candidate of this.#digests) known = timingSafeEqual(candidate, presented) || known;
    return known ? presented.subarray(0, 8).toString('hex') : undefined;
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** stdout + stderr of one guest run under one byte cap; past it the guest is stopped. */
export class OutputCollector {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  stdoutTruncated = false;
  stderrTruncated = false;
  overflowed = false;
  #used = 0;
  readonly #cap: number;

  constructor(cap: number) {
    this.#cap = cap;
  }

  /** Append to stream 1 (stdout) or 2 (stderr); answers false once the cap is crossed (the text is cut at the cap). */
  append(stream: number, text: string): boolean {
    const chunks = stream === 2 ? this.stderr : this.stdout;
    if (this.overflowed) {
      this.#markTruncated(stream);
      return false;
    }
    const bytes = Buffer.byteLength(text);
    if (this.#used + bytes <= this.#cap) {
      this.#used += bytes;
      chunks.push(text);
      return true;
    }
    const room = this.#cap - this.#used;
    if (room > 0) {
      let cut = Buffer.from(text).subarray(0, room).toString('utf8');
      if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
      chunks.push(cut);
    }
    this.#used = this.#cap;
    this.overflowed = true;
    this.#markTruncated(stream);
    return false;
  }

  #markTruncated(stream: number): void {
    if (stream === 2) this.stderrTruncated = true;
    else this.stdoutTruncated = true;
  }
}

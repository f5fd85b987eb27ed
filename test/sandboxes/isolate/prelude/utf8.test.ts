/**
 * UTF-8 fidelity: bytes a program writes (`process.stdout.write(uint8Array)`, `fs.writeSync`),
 * bytes it decodes (`TextDecoder`), strings with lone surrogates, and stdin must come out as Node
 * shows them — U+FFFD for each maximal invalid subsequence, never a RangeError.
 */
import { describe, expect, it } from 'vitest';
import { capturePrimordials } from '../../../../src/sandboxes/isolate/prelude/capture-primordials.ts';
import { guestUtf8 } from '../../../../src/sandboxes/isolate/prelude/guest-utf8.ts';
import { describeParity } from './node-parity.ts';

/** Invalid (and a few valid) UTF-8 byte sequences, by what is wrong with them. */
const SEQUENCES: Record<string, number[]> = {
  'valid two, three and four bytes': [0x68, 0xc3, 0xa9, 0xe5, 0xad, 0x97, 0xf0, 0x9f, 0x98, 0x80],
  'lone continuation bytes': [0x61, 0x80, 0x62, 0xbf, 0x80, 0x80, 0x63],
  'truncated two-byte sequence': [0x61, 0xc3, 0x41],
  'truncated three-byte sequences': [0xe2, 0x82, 0x41, 0xe2, 0x41],
  'truncated four-byte sequences': [0xf0, 0x9f, 0x98, 0x41, 0xf0, 0x9f, 0x41, 0xf0, 0x41],
  'overlong forms': [0xc0, 0x80, 0xc1, 0xbf, 0xe0, 0x80, 0x80, 0xe0, 0x9f, 0xbf, 0xf0, 0x80, 0x80, 0x80, 0xf0, 0x8f, 0xbf, 0xbf],
  'surrogates encoded in UTF-8': [0xed, 0xa0, 0x80, 0xed, 0xbf, 0xbf, 0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80],
  'code points past U+10FFFF': [0xf4, 0x90, 0x80, 0x80, 0xf5, 0x80, 0x80, 0x80, 0xf7, 0xbf, 0xbf, 0xbf],
  'bytes that never start a sequence': [0xf8, 0x88, 0x80, 0x80, 0x80, 0xfc, 0xfe, 0xff, 0x41],
  'the largest code point and U+FFFD itself': [0xf4, 0x8f, 0xbf, 0xbf, 0xef, 0xbf, 0xbd],
  'a sequence cut at the very end': [0x41, 0xe2, 0x82],
};

const bytes = (list: number[]) => `new Uint8Array([${list.join(', ')}])`;

const writes: Record<string, string> = {};
for (const [name, list] of Object.entries(SEQUENCES)) {
  writes[`process.stdout.write: ${name}`] = `process.stdout.write(${bytes(list)}); process.stdout.write('|\\n');`;
}

describeParity('bytes written to stdout and stderr decode like Node', {
  ...writes,
  'every sequence through fs.writeSync': Object.values(SEQUENCES)
    .map((list) => `require('fs').writeSync(1, ${bytes(list)}); require('fs').writeSync(1, '|');`)
    .join('\n'),
  'stderr too': `process.stderr.write(${bytes(SEQUENCES['overlong forms'] as number[])}); process.stderr.write('\\n');`,
  'a character split across two writes': "process.stdout.write(new Uint8Array([0xe2, 0x82])); process.stdout.write(new Uint8Array([0xac, 0x0a]));",
  'a cut character followed by text': "process.stdout.write(new Uint8Array([0xf0, 0x9f])); process.stdout.write('text\\n');",
  'a cut character at the end of the program': "process.stdout.write('end:'); process.stdout.write(new Uint8Array([0xe2, 0x82]));",
  'a cut character before process.exit': "process.stdout.write(new Uint8Array([0x41, 0xf0, 0x9f, 0x98])); process.exit(0);",
  'a cut character on one stream and text on the other': "process.stdout.write(new Uint8Array([0xc3])); process.stderr.write('err\\n'); process.stdout.write(new Uint8Array([0xa9, 0x0a]));",
  'bytes of other typed arrays': 'process.stdout.write(new Uint16Array([0xa9c3, 0x0a80]));',
});

describeParity('strings with lone surrogates are written like Node', {
  'console.log of lone surrogates': "console.log('a\\ud800b', '\\udc00', '\\ud83d\\ude00', 'x\\ud83d');",
  'process.stdout.write of lone surrogates': "process.stdout.write('\\ud800'); process.stdout.write('\\ude00'); process.stdout.write('\\n');",
  'a pair split across two writes': "process.stdout.write('\\ud83d'); process.stdout.write('\\ude00\\n');",
});

describeParity('stdin reaches the program like Node', {
  'lone surrogates in stdin': { program: "const s = require('fs').readFileSync(0, 'utf8'); console.log(s.length, JSON.stringify(s));", stdin: 'a\ud800b\udc00\n' },
  'lone surrogates through readline': {
    program: "require('readline').createInterface({ input: process.stdin }).on('line', (l) => console.log(l.length, JSON.stringify(l)));",
    stdin: 'x\ud83d\ny\n',
  },
  'non-ASCII stdin': { program: "const s = require('fs').readFileSync(0, 'utf8'); console.log(s.length, s);", stdin: 'héllo 字 😀 \ufffd\n' },
});

describeParity('TextDecoder and TextEncoder, like Node', {
  'decoding every sequence': `const decoder = new TextDecoder();
${Object.values(SEQUENCES)
  .map((list) => `console.log(JSON.stringify(decoder.decode(${bytes(list)})));`)
  .join('\n')}`,
  'fatal decoding throws': `for (const input of [${bytes([0x61, 0x62])}, ${bytes([0xc3])}, ${bytes([0xed, 0xa0, 0x80])}, ${bytes([0xef, 0xbf, 0xbd])}]) {
  try { console.log(JSON.stringify(new TextDecoder('utf-8', { fatal: true }).decode(input))); } catch (e) { console.log(e.name, e.code, e.message); }
}`,
  'streaming keeps a cut character': "const d = new TextDecoder(); console.log(JSON.stringify(d.decode(new Uint8Array([0xe2, 0x82]), { stream: true }) + d.decode(new Uint8Array([0xac])))); console.log(JSON.stringify(d.decode(new Uint8Array([0xe2]), { stream: true }) + d.decode()));",
  'a byte order mark': "console.log(JSON.stringify(new TextDecoder().decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41]))), JSON.stringify(new TextDecoder('utf8', { ignoreBOM: true }).decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41]))));",
  'decoding buffers and views': "const b = new Uint8Array([0x68, 0x69, 0xff]); console.log(new TextDecoder().decode(b.buffer), new TextDecoder().decode(new DataView(b.buffer, 1)));",
  'decoder fields and unknown encodings': "const d = new TextDecoder(); console.log(d.encoding, d.fatal, d.ignoreBOM); try { new TextDecoder('no-such-encoding'); } catch (e) { console.log(e.name, e.code, e.message); }",
  encoding: "console.log(Array.from(new TextEncoder().encode('aé字😀\\ud800')).join(','), new TextEncoder().encoding); const target = new Uint8Array(4); console.log(JSON.stringify(new TextEncoder().encodeInto('aé字', target)), Array.from(target).join(','));",
});

describe('the prelude UTF-8 decoder, byte for byte against Node Buffer decoding', () => {
  const utf8 = guestUtf8(capturePrimordials());

  it('decodes each listed sequence like Buffer#toString', () => {
    for (const [name, list] of Object.entries(SEQUENCES)) {
      expect(utf8.decode(new Uint8Array(list)), name).toBe(Buffer.from(list).toString('utf8'));
    }
  });

  it('decodes random bytes like Buffer#toString, whole and in chunks', () => {
    // A fixed-seed generator: the same 3000 inputs every run.
    let seed = 0x2545f491;
    const random = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 4294967296;
    };
    // Bytes biased to the interesting ranges: ASCII, continuations, lead bytes, invalid bytes.
    const pick = () => {
      const range = random();
      if (range < 0.2) return Math.floor(random() * 0x80);
      if (range < 0.55) return 0x80 + Math.floor(random() * 0x40);
      if (range < 0.9) return 0xc0 + Math.floor(random() * 0x38);
      return 0xf8 + Math.floor(random() * 8);
    };
    for (let run = 0; run < 3000; run++) {
      const length = Math.floor(random() * 24);
      const input = Uint8Array.from({ length }, pick);
      const expected = Buffer.from(input).toString('utf8');
      expect(utf8.decode(input), `bytes ${Array.from(input).join(' ')}`).toBe(expected);
      // Cut anywhere, fed in two pieces to one decoder: what a pipe's reader sees.
      const cut = Math.floor(random() * (length + 1));
      const decoder = utf8.createDecoder();
      const pieces = decoder.decode(input.subarray(0, cut)) + decoder.decode(input.subarray(cut)) + decoder.end();
      expect(pieces, `bytes ${Array.from(input).join(' ')} cut at ${cut}`).toBe(expected);
    }
  });

  it('never throws, even on every single byte value', () => {
    for (let byte = 0; byte < 256; byte++) {
      expect(utf8.decode(new Uint8Array([byte]))).toBe(Buffer.from([byte]).toString('utf8'));
    }
  });
});

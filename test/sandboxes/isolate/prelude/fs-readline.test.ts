/**
 * The prelude's stdin-only `fs`, `readline` and `process.stdin` against Node's own, reading the
 * same stdin.
 */
import { describeParity } from './node-parity.ts';

const numbers = '3 4\n5 6\n';

describeParity('fs, like Node', {
  'readFileSync(0) with an encoding': { program: "const text = require('fs').readFileSync(0, 'utf8'); console.log(JSON.stringify(text));", stdin: numbers },
  'readFileSync of /dev/stdin': { program: "const text = require('fs').readFileSync('/dev/stdin', 'utf8'); console.log(text.trim().split(/\\s+/).map(Number).reduce((a, b) => a + b, 0));", stdin: numbers },
  'readFileSync(0).toString()': { program: "console.log(require('fs').readFileSync(0).toString().split('\\n').length);", stdin: numbers },
  'an empty stdin': { program: "console.log(JSON.stringify(require('fs').readFileSync(0, 'utf8')));", stdin: '' },
  'stdin without a final newline': { program: "console.log(JSON.stringify(require('fs').readFileSync(0, 'utf8')));", stdin: 'last line' },
  'non-ASCII stdin': { program: "const s = require('fs').readFileSync(0, 'utf8'); console.log(s.length, s);", stdin: 'héllo 字 😀\n' },
  'writeSync to 1 and 2': "const fs = require('fs'); console.log(fs.writeSync(1, 'fs write é\\n')); fs.writeSync(2, 'fs err\\n'); console.log(fs.writeSync(1, new Uint8Array([0x68, 0x69, 0x0a])));",
  'writeSync refuses other values': "try { require('fs').writeSync(1, 12); } catch (e) { console.log(e.name, e.code, e.message); }",
  'reading a file that is not there': "try { require('fs').readFileSync('/no/such/file.txt'); } catch (e) { console.log(e.message, e.code, e.errno, e.syscall, e.path, Object.keys(e)); }",
  'node: prefix': { program: "console.log(require('node:fs') === require('fs'), require('node:fs').readFileSync(0, 'utf8').length);", stdin: numbers },
});

describeParity('readline, like Node', {
  'line events then close': {
    program: "const rl = require('readline').createInterface({ input: process.stdin }); const seen = []; rl.on('line', (line) => seen.push(line)); rl.on('close', () => console.log(seen.join('|')));",
    stdin: numbers,
  },
  'line endings \\n, \\r\\n and \\r': {
    program: "const rl = require('readline').createInterface({ input: process.stdin }); rl.on('line', (l) => console.log(JSON.stringify(l))); rl.on('close', () => console.log('close'));",
    stdin: 'a\rb\r\nc\n\nd',
  },
  'an empty stdin only closes': {
    program: "const rl = require('readline').createInterface({ input: process.stdin }); rl.on('line', (l) => console.log('line', l)); rl.on('close', () => console.log('close'));",
    stdin: '',
  },
  'close inside a line handler': {
    program: "const rl = require('readline').createInterface({ input: process.stdin }); rl.on('line', (l) => { console.log('line', l); if (l === 'a') rl.close(); }); rl.on('close', () => console.log('close'));",
    stdin: 'a\nb\nc\n',
  },
  'once and a late listener': {
    program: "const rl = require('readline').createInterface({ input: process.stdin }); rl.once('line', (l) => console.log('first', l)); setTimeout(() => rl.on('line', (l) => console.log('late', l)), 200); rl.on('close', () => console.log('close'));",
    stdin: 'l1\nl2\n',
  },
  'for await over lines': {
    program: "(async () => { const rl = require('readline').createInterface({ input: process.stdin, crlfDelay: Infinity }); for await (const line of rl) console.log('>', line); console.log('done'); })();",
    stdin: numbers,
  },
  'question writes the query and answers': {
    program: "const rl = require('readline').createInterface({ input: process.stdin, output: process.stdout }); rl.question('name? ', (a) => { console.log('got', a); rl.question('again? ', (b) => { console.log('got', b); rl.close(); }); });",
    stdin: 'x\ny\n',
  },
  'prompt writes the prompt': {
    program: "const rl = require('readline').createInterface({ input: process.stdin, output: process.stdout }); rl.setPrompt('> '); rl.prompt(); rl.on('line', (l) => { console.log('got', l); rl.prompt(); }).on('close', () => console.log('bye'));",
    stdin: 'x\ny\n',
  },
  'readline/promises question': {
    program: "(async () => { const rl = require('readline/promises').createInterface({ input: process.stdin }); console.log(await rl.question('')); rl.close(); })();",
    stdin: 'p\nq\n',
  },
  'a typical competitive-programming reader': {
    program: `const lines = [];
require('readline').createInterface({ input: process.stdin }).on('line', (l) => lines.push(l)).on('close', () => {
  const [n, ...rest] = lines;
  console.log(Number(n), rest.map(Number).reduce((a, b) => a + b, 0));
});`,
    stdin: '3\n10\n20\n30\n',
  },
});

describeParity('process.stdin, like Node', {
  'data then end': {
    program: "let data = ''; process.stdin.setEncoding('utf8'); process.stdin.on('data', (chunk) => (data += chunk)); process.stdin.on('end', () => console.log(JSON.stringify(data)));",
    stdin: numbers,
  },
  'end only': { program: "process.stdin.on('end', () => console.log('end')); process.stdin.resume();", stdin: numbers },
  'the stdin stream': "console.log(typeof process.stdin.on, process.stdin.fd, process.stdin.isTTY)",
});

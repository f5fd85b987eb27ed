import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerSandbox } from '../../../src/sandboxes/docker-sandbox.ts';
import type { Language } from '../../../src/schemas/task.ts';
import { dockerTestEnvironment } from './docker-test-env.ts';

const engine = await dockerTestEnvironment();

// Hostile answers: each has a wrong `add` and tries to make the harness believe that the test
// code ran to its end. A marker, wherever it could be found, looks like one of these.
const MARKER_PATTERN = String.raw`__sandbench_done_[0-9a-f]+__|[0-9a-f]{32}`;

const PYTHON_TEST = '\ndef check(candidate):\n    assert candidate(2, 3) == 5\n\ncheck(add)\n';
const PYTHON_FIND = [
  'import atexit, gc, os, re, sys',
  'def add(a, b):',
  '    return 0',
  `PATTERN = re.compile(r"${MARKER_PATTERN}")`,
  'def find_marker():',
  '    places = [open(__file__).read(), " ".join(sys.argv), " ".join(os.environ.values())]',
  '    places += [c for c in sys._getframe().f_code.co_consts if isinstance(c, str)]',
  '    for folder in ("/work", "/work/job", "/tmp"):',
  '        for name in os.listdir(folder):',
  '            try:',
  '                places.append(open(os.path.join(folder, name), errors="replace").read())',
  '            except OSError:',
  '                pass',
  '    places += [o for o in gc.get_objects() if isinstance(o, str)]',
  '    found = [m for place in places for m in PATTERN.findall(place)]',
  '    return found[-1] if found else "no marker found"',
  'marker = find_marker()',
].join('\n');

const PYTHON_FORGERIES: Record<string, { source: string; testCode?: string }> = {
  'prints a marker found in its file, code constants, argv, environment or files, then os._exit(0)': {
    source: `${PYTHON_FIND}\nprint(marker, flush=True)\nos._exit(0)\n`,
  },
  'prints the marker from sys.excepthook after the failed test, then os._exit(0)': {
    source: `${PYTHON_FIND}\nsys.excepthook = lambda *error: (print(marker, flush=True), os._exit(0))\n`,
  },
  'prints the marker from an atexit handler after the failed test, then os._exit(0)': {
    source: `${PYTHON_FIND}\natexit.register(lambda: (print(marker, flush=True), os._exit(0)))\n`,
  },
  'exits early with sys.exit(0)': { source: 'import sys\ndef add(a, b):\n    return 0\nsys.exit(0)\n' },
  'swallows the test code into an unclosed string': {
    source: 'def add(a, b):\n    return 0\nSKIP = """',
    testCode: '\nassert add(2, 3) == 5\nNOTE = 1  # """\n',
  },
  "turns the test's check() into a no-op with a trailing decorator": {
    source: 'def add(a, b):\n    return 0\n@(lambda function: lambda *arguments: None)',
    testCode: '\ndef check(candidate):\n    assert candidate(2, 3) == 5\n\ncheck(add)\n',
  },
};

const NODE_TEST = "const assert = require('assert');\nassert.strictEqual(add(2, 3), 5);\n";
const NODE_FIND = [
  "const fs = require('fs');",
  'function add(a, b) { return 0; }',
  `const found = fs.readFileSync(__filename, 'utf8').match(/${MARKER_PATTERN}/g) || [];`,
  "const marker = found.length ? found[found.length - 1] : 'no marker found';",
].join('\n');

const NODE_FORGERIES: Record<string, string> = {
  'prints the marker from an uncaughtException handler, then exits 0': `${NODE_FIND}\nprocess.on('uncaughtException', () => { console.log(marker); process.exit(0); });\n`,
  "prints the marker from process.on('exit') and exits early": `${NODE_FIND}\nprocess.on('exit', () => console.log(marker));\nprocess.exit(0);\n`,
  'prepends an exit listener that prints the marker after the failed test': `${NODE_FIND}\nprocess.prependListener('exit', () => { console.log(marker); process.exitCode = 0; });\nprocess.on('uncaughtException', () => {});\n`,
  'skips the test code with a top-level return': 'function add(a, b) { return 0; }\nreturn;\n',
};

// Upstream style: a failed `[` check exits 1.
const BASH_TEST = '[ "$(add 2 3)" = "5" ] || exit 1\n';
// MultiPL-E style: `set -e` and a `[[` check in a function.
const BASH_SET_E_TEST = 'candidate() {\n    add "$@"\n}\n\nset -e\nrun_test() {\n    [[ $(candidate 2 3) = "5" ]]\n}\n\nrun_test\n';
const BASH_ADD = 'add() { echo 0; }\n';

const BASH_FORGERIES: Record<string, { source: string; testCode?: string }> = {
  'shadows exit with a function': { source: `${BASH_ADD}exit() { :; }\n` },
  'shadows [ with a function': { source: `${BASH_ADD}function [ { return 0; }\n` },
  'disables the exit builtin (enable -n exit)': { source: `${BASH_ADD}enable -n exit\n` },
  'aliases exit away (shopt -s expand_aliases)': { source: `${BASH_ADD}shopt -s expand_aliases\nalias exit=:\n` },
  'prints the marker from an EXIT trap and exits 0': {
    source: `${BASH_ADD}marker=$(grep -oE '${MARKER_PATTERN}' "$0" | tail -n 1)\ntrap 'echo "$marker"; exit 0' EXIT\n`,
  },
  'skips the check with a DEBUG trap and extdebug': {
    source: `${BASH_ADD}shopt -s extdebug\ntrap '[[ $BASH_COMMAND != *exit* && $BASH_COMMAND != "["* ]]' DEBUG\n`,
  },
  'shadows set, so the test never turns on set -e': { source: `${BASH_ADD}set() { :; }\n`, testCode: BASH_SET_E_TEST },
  'disables set and enable, then shadows set': { source: `${BASH_ADD}set() { :; }\nenable -n set\nenable -n enable\n`, testCode: BASH_SET_E_TEST },
  // Left running, it could rewrite the test shell's state before it reads it, or trace it.
  'leaves a process running that rewrites the state the test shell imports': {
    source: `${BASH_ADD}(while :; do for fd in /proc/[0-9]*/fd/78; do printf 'exit() { :; }\\n' > "$fd" 2>/dev/null; done; done) &\n`,
  },
};

describe.skipIf(!engine.available)('Docker sandbox: testCompleted cannot be forged by the program', () => {
  let sandbox: DockerSandbox;

  beforeAll(async () => {
    sandbox = new DockerSandbox({ poolSize: 1 });
    await sandbox.warmUp(['python', 'javascript', 'c']);
  });

  afterAll(async () => {
    await sandbox?.dispose();
  });

  async function expectNotCompleted(language: Language, source: string, testCode: string): Promise<void> {
    const result = await sandbox.run({ language, source, testCode });
    expect({ testCompleted: result.testCompleted, stdout: result.stdout }).toMatchObject({ testCompleted: false });
    expect(result.stdout).not.toMatch(/^[0-9a-f]{32}$/m);
  }

  async function expectCompleted(language: Language, source: string, testCode: string, stdout = ''): Promise<void> {
    const result = await sandbox.run({ language, source, testCode });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 'ok', stderr: '' });
    expect(result.testCompleted).toBe(true);
    expect(result.stdout).toBe(stdout);
  }

  describe('python', () => {
    for (const [name, forgery] of Object.entries(PYTHON_FORGERIES)) {
      it(`an answer that ${name}: testCompleted false`, () => expectNotCompleted('python', forgery.source, forgery.testCode ?? PYTHON_TEST));
    }

    it('a correct answer: testCompleted true, the marker line removed from stdout', () =>
      expectCompleted('python', 'def add(a, b):\n    print("adding")\n    return a + b\n', PYTHON_TEST, 'adding\n'));

    it('atexit output of a correct answer comes before the marker: still completed', () =>
      expectCompleted('python', 'import atexit\natexit.register(print, "bye")\ndef add(a, b):\n    return a + b\n', PYTHON_TEST, 'bye\n'));

    it('the test part keeps its line numbers and __future__ flags; a failing test is reported as python3 would', async () => {
      const source = 'from __future__ import annotations\ndef add(a, b):\n    return 0\n';
      const testCode = 'def typed(x: NotDefinedAnywhere) -> int:\n    return 1\nassert typed.__annotations__["x"] == "NotDefinedAnywhere"\nassert add(2, 3) == 5, "wrong sum"\n';
      const result = await sandbox.run({ language: 'python', source, testCode });
      expect(result.testCompleted).toBe(false);
      expect(result.stderr).toBe('Traceback (most recent call last):\n  File "/work/job/main.py", line 7, in <module>\n    assert add(2, 3) == 5, "wrong sum"\n           ^^^^^^^^^^^^^^\nAssertionError: wrong sum\n');
    });

    it('the marker does not count against the output cap', async () => {
      const result = await sandbox.run({
        language: 'python',
        source: 'import sys\nsys.stdout.write("x" * 1000)\ndef add(a, b):\n    return a + b\n',
        testCode: PYTHON_TEST,
        limits: { maxOutputBytes: 1000 },
      });
      expect(result.status).toBe('ok');
      expect(result.testCompleted).toBe(true);
      expect(result.stdout).toBe('x'.repeat(1000));
      expect(result.stdoutTruncated).toBe(false);
    });
  });

  describe('javascript and typescript (node)', () => {
    for (const [name, source] of Object.entries(NODE_FORGERIES)) {
      it(`an answer that ${name}: testCompleted false`, () => expectNotCompleted('javascript', source, NODE_TEST));
    }

    it('a correct answer: testCompleted true', () =>
      expectCompleted('javascript', "function add(a, b) { console.log('adding'); return a + b; }\n", NODE_TEST, 'adding\n'));

    it('exit listeners of a correct answer run before the marker: still completed', () =>
      expectCompleted('javascript', "process.on('exit', () => console.log('bye'));\nfunction add(a, b) { return a + b; }\n", NODE_TEST, 'bye\n'));

    it('typescript: a forgery fails, a correct answer completes', async () => {
      await expectNotCompleted('typescript', `${NODE_FIND.replace('function add(a, b)', 'function add(a: number, b: number): number')}\nprocess.on('uncaughtException', () => { console.log(marker); process.exit(0); });\n`, NODE_TEST);
      await expectCompleted('typescript', 'function add(a: number, b: number): number { return a + b; }\n', NODE_TEST);
    });
  });

  describe('bash', () => {
    for (const [name, forgery] of Object.entries(BASH_FORGERIES)) {
      it(`an answer that ${name}: testCompleted false`, () => expectNotCompleted('bash', forgery.source, forgery.testCode ?? BASH_TEST));
    }

    it('a correct answer: testCompleted true with either test style', async () => {
      await expectCompleted('bash', 'add() { echo $(( $1 + $2 )); }\necho adding\n', BASH_TEST, 'adding\n');
      await expectCompleted('bash', 'add() { echo $(( $1 + $2 )); }\n', BASH_SET_E_TEST);
    });

    it('processes the program part left running are gone before the test part starts', () =>
      expectCompleted(
        'bash',
        'add() { echo $(( $1 + $2 )); }\nsleep 1000 &\necho $! > /tmp/background\n',
        '[ "$(add 2 3)" = "5" ] || exit 1\nif kill -0 "$(cat /tmp/background)" 2>/dev/null; then exit 2; fi\n',
      ));

    it("the test sees the answer's functions, variables, arrays, options and folder", () =>
      expectCompleted(
        'bash',
        [
          'declare -A table=([one]=1 [two words]=2)',
          'declare -a list=(10 20 30)',
          'declare -i counter=5',
          'export GREETING="hi there"',
          'shopt -s extglob',
          'set -o pipefail',
          'mkdir -p sub && cd sub',
          'add() { echo $(( $1 + $2 + ${table[one]} - 1 + counter - 5 + ${list[2]} - 30 )); }',
        ].join('\n') + '\n',
        [
          '[ "$(add 2 3)" = "5" ] || exit 1',
          '[[ ${table["two words"]} == 2 && ${#list[@]} == 3 && $GREETING == "hi there" ]] || exit 2',
          '[[ $(bash -c \'echo "$GREETING"\') == "hi there" ]] || exit 3',
          '[[ abc == +([a-c]) ]] || exit 4',
          '[[ -o pipefail && $(basename "$PWD") == sub ]] || exit 5',
        ].join('\n') + '\n',
      ));
  });

  it('c: no marker, testCompleted stays absent', async () => {
    const result = await sandbox.run({
      language: 'c',
      source: 'int add(int a, int b) { return a + b; }\n',
      testCode: '#include <assert.h>\nint main(void) { assert(add(2, 3) == 5); return 0; }\n',
    });
    expect(result.status).toBe('ok');
    expect(result.testCompleted).toBeUndefined();
  });
});

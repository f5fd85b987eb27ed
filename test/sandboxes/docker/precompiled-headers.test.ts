import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../../src/datasets/load-dataset.ts';
import { assembleProgram } from '../../../src/harness/assemble-program.ts';
import { createDockerClient } from '../../../src/images/docker-client.ts';
import { runInImage } from '../../../src/images/run-in-image.ts';
import { choosePrecompiledHeader } from '../../../src/runtimes/choose-precompiled-header.ts';
import { profileVariant, runtimeProfile } from '../../../src/runtimes/runtime-profiles.ts';
import { DockerSandbox } from '../../../src/sandboxes/docker-sandbox.ts';
import { joinProgram } from '../../../src/sandboxes/sandbox.ts';
import { datasets, hasData, repoRoot } from '../../helpers/paths.ts';
import { dockerTestEnvironment } from './docker-test-env.ts';

const engine = await dockerTestEnvironment();
const docker = createDockerClient();
const IMAGE = 'sandbench-gcc:latest';
const variant = profileVariant(runtimeProfile('cpp'), 'humaneval-x');
const headers = variant.compile!.precompiledHeaders!;
const command = variant.compile!.command;

/** The includes of one precompiled header, as the program lines that start a matching program. */
const includeLines = (includes: readonly string[]): string => includes.map((name) => `#include<${name}>\n`).join('');

// The C++ HumanEval-X variants add `-I <folder>` when a program starts with a precompiled
// header's includes (src/runtimes/choose-precompiled-header.ts). These show that the image's
// headers are used under the variant's own flags, that a program means the same with them, that
// a program never gets a header it does not include itself, and that an image without them (built
// before them) still judges every program as before.
describe.skipIf(!engine.available)('C++ precompiled headers in sandbench-gcc', () => {
  let sandbox: DockerSandbox;

  beforeAll(async () => {
    sandbox = new DockerSandbox({ poolSize: 1 });
    await sandbox.warmUp(['cpp']);
  }, 120_000);

  afterAll(async () => {
    await sandbox?.dispose();
  });

  it('every folder of the profile holds only the .gch, and gcc uses it for the first include under the variant\'s flags', { timeout: 120_000 }, async () => {
    for (const { folder, includes } of headers) {
      const first = includes[0]!;
      // -H prints `! <file>` for a precompiled header it used, `. <file>` for one it read as text.
      const script = [
        `test "$(cd ${folder} && find . -type f)" = "./${first}.gch"`,
        `printf '#include<${first}>\\n' > /tmp/first.cpp`,
        `${command[0]} ${command.slice(1, -1).join(' ')} -I ${folder} -H -fsyntax-only /tmp/first.cpp 2>&1 | head -n 1`,
        `cat ${folder}.h`,
      ].join(' && ');
      const result = await runInImage(docker, IMAGE, ['bash', '-c', script]);
      expect(result.exitCode, result.output).toBe(0);
      expect(result.output, folder).toBe(`! ${folder}/${first}.gch\n${includeLines(includes)}`);
    }
  });

  it.runIf(hasData)('a HumanEval-X program means the same with its precompiled header: the header text in place of its first include preprocesses to the same text', { timeout: 300_000 }, async () => {
    const { tasks } = await loadDataset(datasets.humanevalXCpp);
    const programs = tasks.map((task) => {
      const program = assembleProgram(task, task.reference!, task.tests[0]!, 'exact');
      return joinProgram(program.source, program.testCode).text;
    });
    const chosen = programs.map((text) => choosePrecompiledHeader(text, headers));
    // The headers are the include sequences most HumanEval-X programs start with.
    expect(chosen.filter((header) => header !== undefined)).toHaveLength(130);
    for (const header of headers) {
      const text = programs[chosen.indexOf(header)]!;
      const firstLine = `#include<${header.includes[0]}>\n`;
      expect(text.startsWith(firstLine)).toBe(true);
      // gcc uses the .gch (the state after reading <folder>.h) in place of the first include: as
      // text, that is <folder>.h first, then the program with that line left blank (line numbers
      // kept for assert). `g++ -E` reads headers as text: the same tokens in the same order.
      // Both compiled as test.cpp from their own folder, so assert's __FILE__ is the same.
      const script = [
        'mkdir /tmp/plain /tmp/with',
        'printf %s "$1" > /tmp/plain/test.cpp',
        'printf \'\\n%s\' "${1#*$\'\\n\'}" > /tmp/with/test.cpp',
        `cd /tmp/plain && ${command.join(' ')} -E -P | grep -v '^[[:space:]]*$' > /tmp/plain.ii`,
        `cd /tmp/with && ${command.slice(0, -1).join(' ')} -include ${header.folder}.h -E -P test.cpp | grep -v '^[[:space:]]*$' > /tmp/with.ii`,
        'test "$(wc -l < /tmp/plain.ii)" -gt 10000 && cmp /tmp/plain.ii /tmp/with.ii && echo same',
      ].join(' && ');
      const result = await runInImage(docker, IMAGE, ['bash', '-c', script, 'compare', text]);
      expect(result.output, header.folder).toBe('same\n');
    }
  });

  it('a program that uses a header it does not include stays a compile error', { timeout: 120_000 }, async () => {
    // std::cout without <iostream>: every precompiled header holds iostream, none may be added.
    const source = `${includeLines(['stdlib.h', 'algorithm'])}int main() { std::cout << "no iostream" << std::endl; }\n`;
    const result = await sandbox.run({ language: 'cpp', variant: 'humaneval-x', source });
    expect(result.status).toBe('compile-error');
    expect(result.compile?.stderr).toMatch(/cout/);
  });

  it('a program that starts with a header\'s includes keeps its verdicts: a passing one passes, a failing assert aborts', { timeout: 120_000 }, async () => {
    const start = `${includeLines(headers[0]!.includes)}\n/*\nA prompt.\n*/\nusing namespace std;\n`;
    const passing = await sandbox.run({
      language: 'cpp',
      variant: 'humaneval-x',
      source: `${start}int twice(int x){ return 2 * x; }\n`,
      testCode: '#undef NDEBUG\n#include<assert.h>\nint main(){ vector<int> v = {3, 1}; sort(v.begin(), v.end()); assert(twice(v[0]) == 2); cout << "ok" << endl; }\n',
    });
    expect(passing.status, passing.compile?.stderr).toBe('ok');
    expect(passing.stdout).toBe('ok\n');
    const failing = await sandbox.run({
      language: 'cpp',
      variant: 'humaneval-x',
      source: `${start}int twice(int x){ return 3 * x; }\n`,
      testCode: '#undef NDEBUG\n#include<assert.h>\nint main(){ assert(twice(1) == 2); }\n',
    });
    expect(failing.status).toBe('runtime-error');
    expect(failing.stderr).toMatch(/Assertion .*twice\(1\) == 2.* failed/);
  });

  it('an image without the precompiled headers judges as before: gcc skips the missing folder', { timeout: 180_000 }, async () => {
    // A copy of the profiles whose folders the image does not have, as with an image built before them.
    const profiles = mkdtempSync(join(tmpdir(), 'sandbench-profiles-'));
    cpSync(join(repoRoot, 'sandboxes'), profiles, { recursive: true });
    const file = join(profiles, 'cpp', 'profile.json');
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll('/usr/lib/sandbench/gcc/pch/', '/usr/lib/sandbench/gcc/no-such-folder/'));
    const stale = new DockerSandbox({ poolSize: 1, profilesRoot: profiles });
    try {
      const start = `${includeLines(headers[0]!.includes)}\nusing namespace std;\n`;
      const passing = await stale.run({ language: 'cpp', variant: 'humaneval-x', source: `${start}int twice(int x){ return 2 * x; }\n`, testCode: 'int main(){ vector<int> v = {1}; return twice(v[0]) == 2 ? 0 : 1; }\n' });
      expect(passing.status, passing.compile?.stderr).toBe('ok');
      const failing = await stale.run({ language: 'cpp', variant: 'humaneval-x', source: `${start}int twice(int x){ return 3 * x; }\n`, testCode: 'int main(){ vector<int> v = {1}; return twice(v[0]) == 2 ? 0 : 1; }\n' });
      expect(failing.status).toBe('runtime-error');
      expect(failing.exitCode).toBe(1);
    } finally {
      await stale.dispose();
      rmSync(profiles, { recursive: true, force: true });
    }
  });
});

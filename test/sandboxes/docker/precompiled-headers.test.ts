import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../../src/datasets/load-dataset.ts';
import { assembleProgram } from '../../../src/harness/assemble-program.ts';
import { createDockerClient } from '../../../src/images/docker-client.ts';
import { runInImage } from '../../../src/images/run-in-image.ts';
import { choosePrecompiledHeader } from '../../../src/runtimes/choose-precompiled-header.ts';
import { profileVariant, runtimeProfile } from '../../../src/runtimes/runtime-profiles.ts';
import { DockerSandbox } from '../../../src/sandboxes/docker-sandbox.ts';
import { joinProgram } from '../../../src/sandboxes/sandbox.ts';
import { datasets, hasData } from '../../helpers/paths.ts';
import { dockerTestEnvironment } from './docker-test-env.ts';

const engine = await dockerTestEnvironment();
const docker = createDockerClient();
const IMAGE = 'sandbench-gcc:latest';
const variant = profileVariant(runtimeProfile('cpp'), 'humaneval-x');
const headers = variant.compile!.precompiledHeaders!;
const command = variant.compile!.command;

/** The includes of one precompiled header, as the program lines that start a matching program. */
const includeLines = (includes: readonly string[]): string => includes.map((name) => `#include<${name}>\n`).join('');

// The C++ HumanEval-X variants add `-include <header>` when a program starts with a precompiled
// header's includes (src/runtimes/choose-precompiled-header.ts). These show that the image's
// headers are used under the variant's own flags, that a program means the same with them, and
// that a program never gets a header it does not include itself.
describe.skipIf(!engine.available)('C++ precompiled headers in sandbench-gcc', () => {
  let sandbox: DockerSandbox;

  beforeAll(async () => {
    sandbox = new DockerSandbox({ poolSize: 1 });
    await sandbox.warmUp(['cpp']);
  }, 120_000);

  afterAll(async () => {
    await sandbox?.dispose();
  });

  it("every header of the profile is in the image and gcc uses its .gch under the variant's flags", { timeout: 120_000 }, async () => {
    // -Winvalid-pch -Werror: an unusable .gch (other flags, another compiler) fails instead of being read as text.
    const script = headers
      .map(({ header }) => `${command[0]} ${command.slice(1, -1).join(' ')} -include ${header} -Winvalid-pch -Werror -H -fsyntax-only -x c++ /dev/null 2>&1 | head -n 1`)
      .join(' && ');
    const result = await runInImage(docker, IMAGE, ['bash', '-c', `set -o pipefail; ${script}`]);
    expect(result.exitCode, result.output).toBe(0);
    // -H prints `! <file>` for a precompiled header it used.
    expect(result.output.trim().split('\n')).toEqual(headers.map(({ header }) => `! ${header}.gch`));
    for (const { header, includes } of headers) {
      const text = await runInImage(docker, IMAGE, ['cat', header]);
      expect(text.output, header).toBe(includeLines(includes));
    }
  });

  it.runIf(hasData)('a HumanEval-X program preprocesses to the same text with its precompiled header as without', { timeout: 300_000 }, async () => {
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
      // `g++ -E` reads the headers as text: the same tokens, in the same order, prove the same program.
      const script = [
        'printf %s "$1" > /tmp/test.cpp',
        `${command.slice(0, -1).join(' ')} -E -P /tmp/test.cpp | grep -v '^[[:space:]]*$' > /tmp/plain.ii`,
        `${command.slice(0, -1).join(' ')} -include ${header.header} -E -P /tmp/test.cpp | grep -v '^[[:space:]]*$' > /tmp/with.ii`,
        'test "$(wc -l < /tmp/plain.ii)" -gt 10000 && cmp /tmp/plain.ii /tmp/with.ii && echo same',
      ].join(' && ');
      const result = await runInImage(docker, IMAGE, ['bash', '-c', script, 'compare', text]);
      expect(result.output, header.header).toBe('same\n');
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
});

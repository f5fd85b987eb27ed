import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.ts';

const run = promisify(execFile);

/** The machine's npm run by the Node running the tests, as the wrapper runs it (with this Node's headers). */
const npm = 'npm';
const npmEnv = {
  ...process.env,
  PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
  npm_config_nodedir: dirname(dirname(process.execPath)),
  npm_config_audit: 'false',
  npm_config_fund: 'false',
};

/** The TypeScript blocks of the README's Library section, in order. */
async function readmeLibraryExamples(): Promise<string[]> {
  const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Library\n');
  const end = readme.indexOf('\n## ', start + 1);
  expect(start, 'README has a Library section').toBeGreaterThan(0);
  const section = readme.slice(start, end);
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);
}

describe('the package as a consumer installs it', () => {
  it("npm pack, install into a fresh project, run the README's library examples: they print what the README says, and stay silent otherwise", async () => {
    const project = await mkdtemp(join(tmpdir(), 'sandbench-consumer-'));
    // The package as published: only what `files` lists, built.
    await run(npm, ['pack', '--pack-destination', project, '--loglevel=error'], { cwd: repoRoot, env: npmEnv, timeout: 120_000 });
    const tarball = (await readdir(project)).find((name) => name.endsWith('.tgz'))!;
    expect(tarball).toMatch(/^sandbench-.*\.tgz$/);
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    await run(npm, ['install', '--prefer-offline', '--no-save', '--loglevel=error', join(project, tarball)], { cwd: project, env: npmEnv, timeout: 600_000 });
    await cp(join(repoRoot, 'tasks', 'examples'), join(project, 'tasks', 'examples'), { recursive: true });

    const examples = await readmeLibraryExamples();
    expect(examples.length).toBe(2);
    for (const [index, example] of examples.entries()) {
      const file = join(project, `example-${index}.ts`);
      await writeFile(file, example);
      // As the README says: isolated-vm needs Node's startup snapshot off.
      const { stdout, stderr } = await run(process.execPath, ['--no-node-snapshot', file], { cwd: project, timeout: 120_000 });
      expect(stderr, `example ${index} writes nothing to stderr (silent by default)`).toBe('');
      if (index === 0) {
        expect(stdout).toContain('ok 2');
        expect(stdout).toMatch(/'pass@1': 1/);
      }
      if (index === 1) expect(stdout.trim()).toBe('passed failed failed');
    }
  }, 900_000);
});

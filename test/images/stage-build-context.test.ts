import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import tar from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import { filesUnder, listImageRecipes, loadImageRecipe, recipeInputPath, recipePackagePath, type ImageRecipe } from '../../src/images/image-recipes.ts';
import { packFolder } from '../../src/images/pack-folder.ts';
import { contextInputPath, stageBuildContext } from '../../src/images/stage-build-context.ts';

const scratch = mkdtempSync(join(tmpdir(), 'sandbench-context-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// The images with an online form (the service image has none: its input is this machine's own build).
const recipes = listImageRecipes().filter((of) => of.hasDockerfile);
const recipe = (name: string): ImageRecipe => recipes.find((candidate) => candidate.name === name)!;
const inputsPresent = (name: string): boolean => (recipe(name).options.inputs ?? []).every((input) => existsSync(recipeInputPath(input)));

let staged = 0;
async function stage(of: Parameters<typeof stageBuildContext>[0]): Promise<{ folder: string; files: string[] }> {
  const folder = join(scratch, `context-${staged++}`);
  mkdirSync(folder);
  return { folder, files: await stageBuildContext(of, folder) };
}

/** The regular files of a tar stream, by path, with their bytes. */
async function tarFiles(stream: NodeJS.ReadableStream): Promise<Map<string, Buffer>> {
  const extract = tar.extract();
  const files = new Map<string, Buffer>();
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      if (entry.header.type === 'file') files.set(entry.header.name, Buffer.concat(chunks));
    }
  })();
  stream.pipe(extract as unknown as NodeJS.WritableStream);
  await done;
  return files;
}

// `images build --online` sends the engine a build context staged by stageBuildContext: the
// recipe's files and its inputs under inputs/, read from where the offline build reads them.
describe('stageBuildContext: the build context of images build --online', () => {
  it.runIf(inputsPresent('go'))('go: the recipe files and the three data-folder inputs under inputs/, byte for byte', async () => {
    const go = recipe('go');
    const { folder, files } = await stage(go);
    expect(files).toEqual(['Dockerfile', 'inputs/go.mod', 'inputs/go.sum', 'inputs/vendor.tar.gz', 'packages.txt', 'recipe.json', 'setup.sh']);
    for (const input of go.options.inputs!) {
      expect(readFileSync(join(folder, contextInputPath(input))).equals(readFileSync(recipeInputPath(input))), contextInputPath(input)).toBe(true);
    }
    for (const file of go.files) expect(readFileSync(join(folder, file)).equals(readFileSync(join(go.folder, file))), file).toBe(true);
  });

  it.runIf(inputsPresent('rust'))("rust: rand 0.4.6's archive under inputs/", async () => {
    const { folder, files } = await stage(recipe('rust'));
    expect(files).toEqual(['Dockerfile', 'inputs/rand-0.4.6-offline.tar.gz', 'packages.txt', 'recipe.json', 'setup.sh']);
    const input = recipe('rust').options.inputs![0]!;
    expect(readFileSync(join(folder, 'inputs/rand-0.4.6-offline.tar.gz')).equals(readFileSync(recipeInputPath(input)))).toBe(true);
  });

  it("node: lodash from sandbench's node_modules, every file under inputs/lodash/, and the packed context holds exactly that", async () => {
    const { folder, files } = await stage(recipe('node'));
    const lodash = filesUnder(recipePackagePath('lodash'));
    expect(lodash).toContain('package.json');
    expect(files).toEqual(['Dockerfile', ...lodash.map((file) => `inputs/lodash/${file}`), 'packages.txt', 'recipe.json'].sort());
    expect(JSON.parse(readFileSync(join(folder, 'inputs/lodash/package.json'), 'utf8'))).toMatchObject({ name: 'lodash' });
    // What the engine receives: the same files with the same bytes.
    const packed = await tarFiles(packFolder(folder) as unknown as NodeJS.ReadableStream);
    expect([...packed.keys()].sort()).toEqual(files);
    for (const file of ['Dockerfile', 'inputs/lodash/lodash.js', 'inputs/lodash/chunk.js']) {
      expect(packed.get(file)!.equals(readFileSync(join(folder, file))), file).toBe(true);
    }
  });

  it('sends only the files the recipe hash covers: no hidden files, no hand-copied folders', async () => {
    const source = join(scratch, 'plain-recipe');
    mkdirSync(join(source, 'inputs'), { recursive: true });
    writeFileSync(join(source, 'packages.txt'), 'python3\n');
    writeFileSync(join(source, 'Dockerfile'), 'FROM debian:bookworm-slim\n');
    writeFileSync(join(source, '.notes'), 'not part of the recipe');
    writeFileSync(join(source, 'inputs', 'stale.tar.gz'), 'a copy made by hand');
    const { files } = await stage(loadImageRecipe(source, 'plain'));
    expect(files).toEqual(['Dockerfile', 'packages.txt']);
  });

  it('refuses an input that is missing, naming it, and two inputs that would land on one path', async () => {
    const data = join(scratch, 'data');
    mkdirSync(join(data, 'a'), { recursive: true });
    mkdirSync(join(data, 'b'), { recursive: true });
    writeFileSync(join(data, 'a', 'same.txt'), 'a');
    writeFileSync(join(data, 'b', 'same.txt'), 'b');
    const source = join(scratch, 'bad-recipe');
    mkdirSync(source);
    writeFileSync(join(source, 'packages.txt'), 'python3\n');
    const previous = process.env.SANDBENCH_DATA;
    process.env.SANDBENCH_DATA = data;
    try {
      writeFileSync(join(source, 'recipe.json'), JSON.stringify({ inputs: [{ data: 'a/missing.tar.gz', to: '/opt/x' }] }));
      await expect(stage(loadImageRecipe(source, 'bad'))).rejects.toThrow(/needs a\/missing\.tar\.gz from the data folder/);
      writeFileSync(join(source, 'recipe.json'), JSON.stringify({ inputs: [{ data: 'a/same.txt', to: '/opt/x' }, { data: 'b/same.txt', to: '/opt/y' }] }));
      await expect(stage(loadImageRecipe(source, 'bad'))).rejects.toThrow(/a\/same\.txt and b\/same\.txt would both be inputs\/same\.txt/);
      writeFileSync(join(source, 'recipe.json'), JSON.stringify({ inputs: [{ package: 'no-such-package-here', to: '/opt/x' }] }));
      await expect(stage(loadImageRecipe(source, 'bad'))).rejects.toThrow(/needs the npm package no-such-package-here/);
    } finally {
      if (previous === undefined) delete process.env.SANDBENCH_DATA;
      else process.env.SANDBENCH_DATA = previous;
    }
  });
});

/** A Dockerfile's instructions, continuation lines joined, comments dropped. */
function instructions(dockerfile: string): Array<{ keyword: string; text: string }> {
  return dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.trim().split(/\s+/);
      return { keyword: keyword.toUpperCase(), text: rest.join(' ') };
    });
}

/**
 * What a Dockerfile does differently from the offline build of its recipe: a recipe file it does
 * not copy in, an input it does not put where recipe.json says (a `.tar.gz` extracted into `to`,
 * another file copied into `to`, a package folder copied to `to/<name>`), a setup command it
 * does not run, or runs before the inputs are in place.
 */
function dockerfileProblems(of: ImageRecipe, dockerfile: string): string[] {
  const problems: string[] = [];
  const steps = instructions(dockerfile);
  const copies = steps
    .filter((step) => step.keyword === 'COPY')
    .map((step) => {
      const words = step.text.split(/\s+/);
      return { sources: words.slice(0, -1), destination: words[words.length - 1]! };
    });
  const runs = steps.filter((step) => step.keyword === 'RUN').map((step) => step.text).join(' ; ');
  for (const file of of.files.filter((name) => name !== 'Dockerfile' && name !== 'recipe.json')) {
    if (!copies.some((copy) => copy.sources.includes(file))) problems.push(`${file} is not copied into the image`);
  }
  // Where each input is in place: an offset in the RUN text (-1 when a COPY puts it there).
  const placedAt: number[] = [];
  for (const input of of.options.inputs ?? []) {
    const staged = contextInputPath(input);
    if ('sandbench' in input) {
      problems.push('a sandbench input has no online form');
      continue;
    }
    if ('package' in input) {
      const copied = copies.some((copy) => copy.sources.includes(`${staged}/`) && copy.destination.replace(/\/$/, '') === `${input.to}/${input.package}`);
      if (!copied) problems.push(`${staged}/ is not copied to ${input.to}/${input.package}`);
      placedAt.push(-1);
      continue;
    }
    if (!copies.some((copy) => copy.sources.includes('inputs/') && copy.destination === '/tmp/sandbench-inputs/')) {
      problems.push('inputs/ is not copied to /tmp/sandbench-inputs/');
    }
    const inContainer = `/tmp/sandbench-inputs/${basename(input.data)}`;
    if (/\.(tar\.gz|tgz)$/.test(input.data)) {
      const at = runs.indexOf(`tar -xzf ${inContainer} -C ${input.to} `);
      if (at < 0) problems.push(`${input.data} is not extracted into ${input.to}`);
      placedAt.push(at);
    } else {
      const copy = [...runs.matchAll(/\bcp ([^;&|]+)/g)].find((match) => {
        const words = match[1]!.trim().split(/\s+/);
        return words.slice(0, -1).includes(inContainer) && words[words.length - 1]!.replace(/\/$/, '') === input.to;
      });
      if (!copy) problems.push(`${input.data} is not copied into ${input.to}`);
      placedAt.push(copy?.index ?? -2);
    }
  }
  for (const command of of.options.setup ?? []) {
    const at = runs.indexOf(command.join(' '));
    if (at < 0) {
      problems.push(`setup command \`${command.join(' ')}\` is not run`);
      continue;
    }
    if (placedAt.some((where) => where >= at)) problems.push(`setup command \`${command.join(' ')}\` runs before the inputs are in place`);
    for (const argument of command.filter((word) => word.startsWith('/tmp/sandbench-recipe/'))) {
      const file = argument.slice('/tmp/sandbench-recipe/'.length);
      if (!copies.some((copy) => copy.sources.includes(file) && copy.destination === '/tmp/sandbench-recipe/')) {
        problems.push(`${file} is not copied to /tmp/sandbench-recipe/, where the setup command reads it`);
      }
    }
  }
  return problems;
}

describe('Dockerfiles and the offline recipe', () => {
  it('every Dockerfile copies its recipe files, puts each input where recipe.json says and runs each setup command after', () => {
    for (const of of recipes) {
      expect(dockerfileProblems(of, readFileSync(join(of.folder, 'Dockerfile'), 'utf8')), of.name).toEqual([]);
    }
    // Those with inputs or setup: what the check above covers.
    expect(recipes.filter((of) => (of.options.inputs ?? []).length > 0).map((of) => of.name)).toEqual(['go', 'node', 'rust']);
    expect(recipes.filter((of) => (of.options.setup ?? []).length > 0).map((of) => of.name)).toEqual(['gcc', 'go', 'java', 'rust']);
  });

  it('names what a Dockerfile gets wrong', () => {
    const go = recipe('go');
    const text = readFileSync(join(go.folder, 'Dockerfile'), 'utf8');
    expect(dockerfileProblems(go, text.replace('-C /usr/lib/sandbench/go/humaneval-x', '-C /opt/elsewhere'))).toEqual([
      'humaneval-x-go/vendor.tar.gz is not extracted into /usr/lib/sandbench/go/humaneval-x',
    ]);
    expect(dockerfileProblems(go, text.replace('/tmp/sandbench-inputs/go.sum ', ''))).toEqual(['humaneval-x-go/go.sum is not copied into /usr/lib/sandbench/go/humaneval-x']);
    expect(dockerfileProblems(go, text.replace('    bash /tmp/sandbench-recipe/setup.sh; \\\n', ''))).toEqual([
      'setup command `bash /tmp/sandbench-recipe/setup.sh` is not run',
    ]);
    const node = recipe('node');
    expect(dockerfileProblems(node, readFileSync(join(node.folder, 'Dockerfile'), 'utf8').replace('COPY inputs/lodash/ /usr/share/nodejs/lodash/', ''))).toEqual([
      'inputs/lodash/ is not copied to /usr/share/nodejs/lodash',
    ]);
    const gcc = recipe('gcc');
    expect(dockerfileProblems(gcc, readFileSync(join(gcc.folder, 'Dockerfile'), 'utf8').replace('setup.sh precompiled-headers.txt /tmp', 'setup.sh /tmp'))).toEqual([
      'precompiled-headers.txt is not copied into the image',
    ]);
  });
});

describe('the service image', () => {
  it('has no online form: staging its build context is refused, naming why', async () => {
    const server = listImageRecipes().find((of) => of.name === 'server')!;
    expect(server.hasDockerfile).toBe(false);
    const target = mkdtempSync(join(tmpdir(), 'sandbench-context-server-'));
    try {
      await expect(stageBuildContext(server, target)).rejects.toThrow(/image server: its sandbench input is this machine's own build, which has no online form: build it offline/);
    } finally {
      rmSync(target, { recursive: true, force: true });
    }
  });
});

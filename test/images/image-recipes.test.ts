import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  hashRecipeFiles,
  imageMissingError,
  imagesRoot,
  listImageRecipes,
  listSandboxImageRecipes,
  loadImageRecipe,
  parsePackageList,
  recipeFiles,
  recipeNameOf,
  selectImageRecipes,
} from '../../src/images/image-recipes.ts';
import { loadRuntimeProfiles } from '../../src/runtimes/runtime-profiles.ts';
import { languageSchema } from '../../src/schemas/task.ts';

const scratch = mkdtempSync(join(tmpdir(), 'sandbench-recipes-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('image recipes', () => {
  const recipes = listImageRecipes();

  it('has the six sandbox images, each with both forms, and the service image', () => {
    expect(recipes.map((recipe) => recipe.name)).toEqual(['gcc', 'go', 'java', 'node', 'python', 'rust', 'server']);
    expect(listSandboxImageRecipes().map((recipe) => recipe.name)).toEqual(['gcc', 'go', 'java', 'node', 'python', 'rust']);
    const server = recipes.find((recipe) => recipe.name === 'server')!;
    expect(server.options.role).toBe('service');
    expect(server.options.inputs).toEqual([{ sandbench: '/opt/sandbench' }]);
    expect(server.options.cmd?.slice(0, 2)).toEqual(['/usr/bin/tini', '--']);
    for (const recipe of listSandboxImageRecipes()) {
      expect(recipe.options.role ?? 'sandbox').toBe('sandbox');
      expect(recipe.image).toBe(`sandbench-${recipe.name}`);
      expect(recipe.reference).toBe(`sandbench-${recipe.name}:latest`);
      expect(recipe.hasDockerfile).toBe(true);
      expect(recipe.hash).toMatch(/^[0-9a-f]{64}$/);
      // gcc, go and rust run a setup script beside their package list; gcc's reads the list of
      // precompiled headers.
      const setup = recipe.options.setup?.some((command) => command.includes('/tmp/sandbench-recipe/setup.sh')) ? ['setup.sh'] : [];
      const lists = recipe.name === 'gcc' ? ['precompiled-headers.txt'] : [];
      expect(recipe.files).toEqual(['Dockerfile', 'packages.txt', 'recipe.json', ...setup, ...lists].sort());
    }
  });

  it('hashes the data-folder inputs of a recipe: a changed input changes the hash', () => {
    const folder = join(scratch, 'with-input');
    const data = join(scratch, 'data');
    mkdirSync(join(data, 'set'), { recursive: true });
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'packages.txt'), 'python3\n');
    writeFileSync(join(folder, 'recipe.json'), JSON.stringify({ inputs: [{ data: 'set/input.txt', to: '/usr/lib/x' }] }));
    const previous = process.env.SANDBENCH_DATA;
    process.env.SANDBENCH_DATA = data;
    try {
      const missing = loadImageRecipe(folder, 'with-input').hash;
      writeFileSync(join(data, 'set', 'input.txt'), 'one');
      const one = loadImageRecipe(folder, 'with-input').hash;
      writeFileSync(join(data, 'set', 'input.txt'), 'two');
      const two = loadImageRecipe(folder, 'with-input').hash;
      expect(new Set([missing, one, two]).size).toBe(3);
      writeFileSync(join(folder, 'recipe.json'), JSON.stringify({ inputs: [{ data: '../escape', to: '/x' }] }));
      expect(() => loadImageRecipe(folder, 'with-input')).toThrow(/must not contain \.\./);
    } finally {
      if (previous === undefined) delete process.env.SANDBENCH_DATA;
      else process.env.SANDBENCH_DATA = previous;
    }
  });

  it("hashes npm package inputs over the package's files: the node image carries sandbench's lodash", () => {
    const node = recipes.find((recipe) => recipe.name === 'node')!;
    expect(node.options.inputs).toEqual([{ package: 'lodash', to: '/usr/share/nodejs' }]);
    const folder = join(scratch, 'with-package');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'packages.txt'), 'nodejs\n');
    const hashWith = (inputs: unknown[]): string => {
      writeFileSync(join(folder, 'recipe.json'), JSON.stringify({ inputs }));
      return loadImageRecipe(folder, 'with-package').hash;
    };
    const none = hashWith([]);
    const lodash = hashWith([{ package: 'lodash', to: '/usr/share/nodejs' }]);
    const elsewhere = hashWith([{ package: 'lodash', to: '/opt/node' }]);
    const missing = hashWith([{ package: 'no-such-package-here', to: '/usr/share/nodejs' }]);
    expect(new Set([none, lodash, elsewhere, missing]).size).toBe(4);
    // The same files hash the same: stable across loads.
    expect(hashWith([{ package: 'lodash', to: '/usr/share/nodejs' }])).toBe(lodash);
    for (const name of ['../lodash', 'Lodash', '@scope/../x', '']) {
      expect(() => hashWith([{ package: name, to: '/x' }]), name).toThrow(/npm package name|Invalid/);
    }
  });

  it('puts python3 in every image (the sandbox runner is a Python script)', () => {
    for (const recipe of listSandboxImageRecipes()) expect(recipe.packages).toContain('python3');
    expect(recipes.find((recipe) => recipe.name === 'node')!.packages).toContain('nodejs');
    expect(recipes.find((recipe) => recipe.name === 'gcc')!.packages).toEqual(expect.arrayContaining(['gcc', 'g++', 'libc6-dev']));
  });

  it('keeps the Dockerfile in step with the offline recipe', () => {
    for (const recipe of listSandboxImageRecipes()) {
      const dockerfile = readFileSync(join(recipe.folder, 'Dockerfile'), 'utf8');
      expect(dockerfile).toMatch(/^FROM debian:bookworm-slim$/m);
      // The Dockerfile installs packages.txt itself, so both forms get the same packages.
      expect(dockerfile).toContain('COPY packages.txt');
      expect(dockerfile).toContain('mkdir -p /work');
      expect(dockerfile).toMatch(/^WORKDIR \/work$/m);
      expect(dockerfile).toMatch(/^LABEL sandbench\.image=\$SANDBENCH_IMAGE sandbench\.recipe-hash=\$SANDBENCH_RECIPE_HASH$/m);
      const environmentLine = dockerfile.split('\n').find((line) => line.startsWith('ENV ')) ?? '';
      for (const [key, value] of Object.entries(recipe.options.env ?? {})) {
        expect(environmentLine.split(/\s+/)).toContain(`${key}=${value}`);
      }
    }
  });

  it('hashes stably, and the hash follows every recipe file', () => {
    const python = recipes.find((recipe) => recipe.name === 'python')!;
    expect(hashRecipeFiles(python.folder, python.files)).toBe(python.hash);
    expect(loadImageRecipe(python.folder, 'python').hash).toBe(python.hash);

    const copy = join(scratch, 'python');
    cpSync(python.folder, copy, { recursive: true });
    expect(loadImageRecipe(copy, 'python').hash).toBe(python.hash);

    writeFileSync(join(copy, 'packages.txt'), readFileSync(join(copy, 'packages.txt'), 'utf8') + 'bc\n');
    const changedPackages = loadImageRecipe(copy, 'python').hash;
    expect(changedPackages).not.toBe(python.hash);

    writeFileSync(join(copy, 'Dockerfile'), readFileSync(join(copy, 'Dockerfile'), 'utf8') + '# comment\n');
    const changedDockerfile = loadImageRecipe(copy, 'python').hash;
    expect(changedDockerfile).not.toBe(changedPackages);

    writeFileSync(join(copy, 'extra.conf'), 'x');
    expect(recipeFiles(copy)).toContain('extra.conf');
    expect(loadImageRecipe(copy, 'python').hash).not.toBe(changedDockerfile);
  });

  it('hashes a fixed recipe folder to the value it always had (images built before stay current)', () => {
    const folder = join(scratch, 'fixed');
    mkdirSync(folder);
    writeFileSync(join(folder, 'packages.txt'), '# a fixed recipe\npython3\n');
    writeFileSync(join(folder, 'recipe.json'), '{ "env": { "LANG": "C.UTF-8" } }\n');
    writeFileSync(join(folder, 'Dockerfile'), 'FROM debian:bookworm-slim\n');
    writeFileSync(join(folder, '.hidden'), 'not hashed');
    // Pinned when the builder was split into modules: a change here rebuilds every image.
    expect(loadImageRecipe(folder, 'fixed').hash).toBe('d45afeb8935cdf3b5305f78e3df32172c71a47309537d7dfd2aad4ff53656dce');
  });

  it('parses package lists with comments and rejects what is not a package name', () => {
    expect(parsePackageList('# heading\npython3\n\n  gcc  # the compiler\ng++\n')).toEqual(['python3', 'gcc', 'g++']);
    expect(() => parsePackageList('python3; rm -rf /\n')).toThrow(/not a Debian package name/);
  });

  it('rejects a recipe.json with unknown fields or relative paths', () => {
    const folder = join(scratch, 'bad');
    mkdirSync(folder);
    writeFileSync(join(folder, 'packages.txt'), 'python3\n');
    writeFileSync(join(folder, 'recipe.json'), JSON.stringify({ directories: ['work'] }));
    expect(() => loadImageRecipe(folder, 'bad')).toThrow(/directories\[0\]: must be an absolute path/);
    writeFileSync(join(folder, 'recipe.json'), JSON.stringify({ packages: ['x'] }));
    expect(() => loadImageRecipe(folder, 'bad')).toThrow(/recipe\.json/);
  });

  it('selects recipes by folder or image name', () => {
    expect(recipeNameOf('sandbench-python:latest')).toBe('python');
    expect(recipeNameOf('sandbench-gcc')).toBe('gcc');
    expect(selectImageRecipes(['sandbench-node:latest', 'node']).map((recipe) => recipe.name)).toEqual(['node']);
    // A bare selection is every sandbox image; the service image only when named.
    expect(selectImageRecipes(undefined).map((recipe) => recipe.name)).toEqual(['gcc', 'go', 'java', 'node', 'python', 'rust']);
    expect(selectImageRecipes(['server']).map((recipe) => recipe.name)).toEqual(['server']);
    expect(() => selectImageRecipes(['kotlin'])).toThrow(/no image recipe 'kotlin' \(have: gcc, go, java, node, python, rust, server\)/);
  });

  it('names the build command when an image is missing', () => {
    const error = imageMissingError('sandbench-gcc:latest');
    expect(error.code).toBe('image-missing');
    expect(error.message).toMatch(/sandbench-gcc:latest is missing.*\.\/sandbench images build gcc/);
    expect(error.details).toMatchObject({ image: 'sandbench-gcc:latest', fix: './sandbench images build gcc' });
  });

});

describe('runtime profiles', () => {
  const profiles = loadRuntimeProfiles();
  const imageNames = new Set(listImageRecipes(imagesRoot()).map((recipe) => recipe.image));

  it('has a valid profile for every language', () => {
    expect([...profiles.keys()].sort()).toEqual([...languageSchema.options].sort());
  });

  it('references existing images and smoke programs', () => {
    for (const profile of profiles.values()) {
      expect(imageNames.has(profile.image), `${profile.language}: image ${profile.image}`).toBe(true);
      expect(existsSync(join(profile.folder, profile.smoke)), `${profile.language}: smoke ${profile.smoke}`).toBe(true);
      expect(profile.backends).toContain('docker');
    }
  });

  it('bounds every compile step and lets compiled programs execute from the work directory', () => {
    for (const profile of profiles.values()) {
      if (profile.compile) {
        // The JVM reads class files and never executes them: Java keeps the work directory noexec.
        expect(profile.workdirExec ?? false, profile.language).toBe(profile.language !== 'java');
        expect(profile.compile.limits?.timeoutMs).toBeGreaterThan(0);
        expect(profile.compile.limits?.memoryBytes).toBeGreaterThan(0);
        expect(profile.compile.limits?.timeoutMs).toBeLessThanOrEqual(120_000);
        expect(profile.compile.limits?.memoryBytes).toBeLessThanOrEqual(2 * 1024 ** 3);
        expect(profile.compile.command.some((argument) => argument.split(/[\s"]+/).includes(profile.sourceFile)), profile.language).toBe(true);
      } else {
        // Interpreted languages keep the work directory noexec.
        expect(profile.workdirExec ?? false, profile.language).toBe(false);
      }
    }
    expect(profiles.get('typescript')!.hostTranspile).toEqual({ kind: 'typescript', transpiledFile: 'main.js' });
    expect(profiles.get('typescript')!.run.command).toContain('main.js');
    expect(profiles.get('javascript')!.backends[0]).toBe('isolate');
  });

  it('lists for C++ exactly the precompiled headers the gcc image builds, with the flags they are built with', () => {
    // images/gcc/precompiled-headers.txt: `<name> <include>...` per line; setup.sh builds each
    // into /usr/lib/sandbench/gcc/pch/<name>/ with `/usr/bin/g++ -std=c++11`.
    const built = readFileSync(join(imagesRoot(), 'gcc', 'precompiled-headers.txt'), 'utf8')
      .split('\n')
      .map((line) => line.replace(/#.*/, '').trim())
      .filter((line) => line !== '')
      .map((line) => {
        const [name, ...includes] = line.split(/\s+/);
        return { folder: `/usr/lib/sandbench/gcc/pch/${name}`, includes };
      });
    expect(built.length).toBeGreaterThan(0);
    expect(readFileSync(join(imagesRoot(), 'gcc', 'setup.sh'), 'utf8')).toContain('/usr/bin/g++ -std=c++11 -x c++-header');
    const cpp = profiles.get('cpp')!;
    const withHeaders = Object.entries(cpp.variants ?? {}).filter(([, variant]) => variant.compile?.precompiledHeaders);
    expect(withHeaders.map(([name]) => name).sort()).toEqual(['humaneval-x', 'humaneval-x-crypto']);
    for (const [name, variant] of withHeaders) {
      expect(variant.compile!.precompiledHeaders, name).toEqual(built);
      // gcc uses a .gch only under the flags it was built with: the same compiler and -std, nothing else.
      expect(variant.compile!.command.filter((argument) => argument.startsWith('-') && !argument.startsWith('-l')), name).toEqual(['-std=c++11']);
      expect(variant.compile!.command[0], name).toBe('/usr/bin/g++');
    }
    // No other profile or variant carries precompiled headers.
    for (const profile of profiles.values()) {
      if (profile.language !== 'cpp') expect(profile.compile?.precompiledHeaders, profile.language).toBeUndefined();
    }
    expect(cpp.compile?.precompiledHeaders).toBeUndefined();
  });
});

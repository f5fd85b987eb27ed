import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerSandbox } from '../../../src/sandboxes/docker-sandbox.ts';
import { dockerTestEnvironment } from './docker-test-env.ts';

const engine = await dockerTestEnvironment();

/** A HumanEval-X Rust program as upstream assembles it: an empty main, the code, then `mod tests`. */
const program = (code: string, test: string): { source: string; testCode: string } => ({
  source: `\nfn main(){ \n } \nuse std::collections::HashMap;\n${code}\n`,
  testCode: `#[cfg(test)]\nmod tests {\n    use super::*;\n    #[test]\n    fn check() {\n${test}\n    }\n}\n`,
});

// The HumanEval-X Rust variant links the standard library dynamically (`-C prefer-dynamic`: the
// image's libstd .so), which takes most of the link time away; the build stays upstream's debug
// build, so what a program does is unchanged: overflow still panics, a failing test still fails.
describe.skipIf(!engine.available)('HumanEval-X Rust builds in the Docker sandbox', () => {
  let sandbox: DockerSandbox;

  beforeAll(async () => {
    sandbox = new DockerSandbox({ poolSize: 1 });
    await sandbox.warmUp(['rust']);
  }, 120_000);

  afterAll(async () => {
    await sandbox?.dispose();
  });

  it('links the standard library as a shared object', { timeout: 120_000 }, async () => {
    const result = await sandbox.run({
      language: 'rust',
      variant: 'humaneval-x',
      ...program(
        'fn maps() -> String { std::fs::read_to_string("/proc/self/maps").unwrap() }',
        '        let maps = maps();\n        assert!(maps.lines().any(|line| line.contains("/libstd-") && line.ends_with(".so")), "{}", maps);',
      ),
    });
    expect(result.status, `${result.compile?.stderr ?? ''}\n${result.stdout}`).toBe('ok');
  });

  it('keeps overflow checks: an overflowing addition panics and fails the test', { timeout: 120_000 }, async () => {
    const result = await sandbox.run({
      language: 'rust',
      variant: 'humaneval-x',
      ...program('fn add(a: u8, b: u8) -> u8 { a + b }', '        assert_eq!(add("255".parse().unwrap(), 1), 0);'),
    });
    expect(result.status).toBe('runtime-error');
    expect(result.exitCode).toBe(101);
    expect(result.stdout + result.stderr).toMatch(/attempt to add with overflow/);
  });

  it('passes a correct answer and fails a wrong one with exit 101', { timeout: 120_000 }, async () => {
    const test = '        let mut counts = HashMap::new();\n        counts.insert("a", 1);\n        assert_eq!(twice(counts["a"]), 2);';
    const right = await sandbox.run({ language: 'rust', variant: 'humaneval-x', ...program('fn twice(x: i32) -> i32 { 2 * x }', test) });
    expect(right.status, right.compile?.stderr).toBe('ok');
    const wrong = await sandbox.run({ language: 'rust', variant: 'humaneval-x', ...program('fn twice(x: i32) -> i32 { 3 * x }', test) });
    expect(wrong.status).toBe('runtime-error');
    expect(wrong.exitCode).toBe(101);
  });
});

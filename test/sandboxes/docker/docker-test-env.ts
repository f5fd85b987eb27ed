import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DockerSandbox } from '../../../src/sandboxes/docker-sandbox.ts';
import type { SandboxRunRequest } from '../../../src/sandboxes/sandbox.ts';
import type { ExecutionResult } from '../../../src/schemas/execution-result.ts';
import type { Language } from '../../../src/schemas/task.ts';
import { repoRoot } from '../../helpers/paths.ts';

/** Whether the Docker tests run (skip only without an engine and without `CI`). */
export { dockerForTests as dockerTestEnvironment } from '../../helpers/docker-available.ts';

export const fixturesFolder = join(repoRoot, 'test', 'fixtures', 'programs', 'docker');

const LANGUAGE_BY_EXTENSION: Record<string, Language> = { py: 'python', sh: 'bash', c: 'c', cpp: 'cpp', js: 'javascript', java: 'java', go: 'go', rs: 'rust' };

/** Run one hostile program from test/fixtures/programs/docker. */
export function runFixture(
  sandbox: DockerSandbox,
  file: string,
  request: Partial<SandboxRunRequest> = {},
): Promise<ExecutionResult> {
  const language = LANGUAGE_BY_EXTENSION[file.split('.').pop() ?? ''];
  if (!language) throw new Error(`no language for fixture ${file}`);
  return sandbox.run({ language, source: readFileSync(join(fixturesFolder, file), 'utf8'), ...request });
}

/** A normal program right after a hostile one must still run fine. */
export async function healthyAfter(sandbox: DockerSandbox, language: Language = 'python'): Promise<ExecutionResult> {
  const sources: Partial<Record<Language, string>> = {
    python: 'print("healthy")',
    bash: 'echo healthy',
    c: '#include <stdio.h>\nint main(void) { puts("healthy"); return 0; }\n',
    cpp: '#include <iostream>\nint main() { std::cout << "healthy" << std::endl; }\n',
    java: 'public class Main { public static void main(String[] args) { System.out.println("healthy"); } }\n',
    go: 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("healthy") }\n',
    rust: 'fn main() { println!("healthy"); }\n',
  };
  return sandbox.run({ language, source: sources[language] ?? '' });
}

/** The container id prefix a job sees as its hostname (to tell containers apart). */
export const HOSTNAME_PROGRAM = 'import socket\nprint(socket.gethostname())';

export function readFixture(file: string): string {
  return readFileSync(join(fixturesFolder, file), 'utf8');
}

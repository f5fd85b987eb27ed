import type { AssembledProgram } from '../../src/harness/assemble-program.ts';
import { joinProgram } from '../../src/sandboxes/sandbox.ts';

/** The whole text a sandbox runs for an assembled program (program and test code joined). */
export function programText(program: AssembledProgram): string {
  return joinProgram(program.source, program.testCode).text;
}

import { LANGUAGE_NAMES } from '../harness/prompt-templates.ts';
import type { Language } from '../schemas/task.ts';

/**
 * The sentence a contest problem's statement ends with: the answer is a whole program in
 * `language` that reads standard input and writes standard output (SandboxFusion's contest sets
 * add one like it; Java's names the class its runner compiles).
 */
export function stdioProgramInstruction(language: Language): string {
  const reads = 'It must read the input from standard input and write the answer to standard output.';
  switch (language) {
    case 'python':
      return `Write a complete Python program. ${reads}`;
    case 'cpp':
    case 'c':
      return `Write a complete ${LANGUAGE_NAMES[language]} program with a main function. ${reads}`;
    case 'java':
      return `Write a complete Java program: a public class named Main with a public static void main(String[] args) method. ${reads}`;
    default:
      return `Write a complete ${LANGUAGE_NAMES[language]} program. ${reads}`;
  }
}

/** A statement followed, after a blank line, by the instruction for `language`. */
export function stdioProgramPrompt(statement: string, language: Language): string {
  return `${statement.trimEnd()}\n\n${stdioProgramInstruction(language)}`;
}

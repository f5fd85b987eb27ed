import { z } from 'zod';
import { executionLimitsInputSchema } from './limits.ts';
import { languageSchema, sandboxNameSchema } from './task.ts';

/** A command as an argv array (never a shell string, unless the argv itself runs a shell). */
const commandSchema = z.array(z.string().min(1)).min(1);

/**
 * `sandboxes/<language>/profile.json`: how to run one language. The Docker backend reads all
 * of it; the isolate backend reads the language, limits and smoke program.
 */
export const runtimeProfileSchema = z
  .object({
    language: languageSchema,
    /** Backends that can run this language, preferred first. */
    backends: z.array(sandboxNameSchema).min(1),
    /** Container image (name in `images/`) for the Docker backend. */
    image: z.string().min(1),
    /** File name the source is written to inside the work directory. */
    sourceFile: z.string().min(1),
    /**
     * Transpile on the host before the container sees the code (TypeScript → JavaScript);
     * the container then runs `run.command` on `transpiledFile`.
     */
    hostTranspile: z
      .object({ kind: z.literal('typescript'), transpiledFile: z.string().min(1) })
      .strict()
      .optional(),
    /** Compile step, run in the same container before the program. */
    compile: z
      .object({
        command: commandSchema,
        limits: executionLimitsInputSchema.optional(),
      })
      .strict()
      .optional(),
    run: z
      .object({
        command: commandSchema,
      })
      .strict(),
    /**
     * Mount the container's work directory with `exec` (still `nosuid,nodev`) so a compiled
     * program can run from it; absent or `false`: the work directory is `noexec`. Only compiled
     * languages (c, cpp) set it. `/tmp` stays `noexec` always. See images/README.md.
     */
    workdirExec: z.boolean().optional(),
    /** Default run limits for this language. */
    limits: executionLimitsInputSchema.optional(),
    /** Smoke program (file beside profile.json) whose run prints `OK`. */
    smoke: z.string().min(1),
  })
  .strict();
export type RuntimeProfile = z.infer<typeof runtimeProfileSchema>;

import { z } from 'zod';
import { executionLimitsInputSchema } from './limits.ts';
import { languageSchema, sandboxNameSchema } from './task.ts';

/** A command as an argv array (never a shell string, unless the argv itself runs a shell). */
const commandSchema = z.array(z.string().min(1)).min(1);

/** Environment variables for the profile's steps (on top of the sandbox's own job environment). */
const environmentSchema = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a variable name'), z.string());

/**
 * A precompiled header in the image: `folder` holds only `<first include>.gch`, built from one
 * `#include<name>` line per entry of `includes`, in order, with the compile command's own flags.
 */
export const precompiledHeaderSchema = z
  .object({
    /** Absolute folder in the image, added with `-I`; it holds no header text, only the `.gch`. */
    folder: z.string().regex(/^\/[^\0]*[^/]$/, 'must be an absolute path'),
    /** The headers it was built from, in order, as written between `<` and `>`. */
    includes: z.array(z.string().regex(/^[A-Za-z0-9_.+\/-]+$/, 'expected a header name')).min(1),
  })
  .strict();
export type PrecompiledHeader = z.infer<typeof precompiledHeaderSchema>;

/** A compile step: its command and limits. */
const compileSchema = z
  .object({
    command: commandSchema,
    limits: executionLimitsInputSchema.optional(),
    /**
     * Precompiled headers the Docker backend may offer gcc or g++ with `-I <folder>`: one is
     * offered when the program's own leading includes start with its `includes`, in the same
     * order, so the program compiles to what it would without it (see choose-precompiled-header.ts).
     */
    precompiledHeaders: z.array(precompiledHeaderSchema).optional(),
  })
  .strict();

/**
 * Another way to build and run the same language, chosen by a task (`runtimeVariant`): the
 * fields it sets replace the profile's. Dataset harnesses use it for their own compile flags and
 * test layouts (HumanEval-X C++ compiles with `-std=c++11`, Go runs `go test` in a module).
 */
export const runtimeVariantSchema = z
  .object({
    /** File name the source is written to. */
    sourceFile: z.string().min(1).optional(),
    /** Compile step replacing the profile's. */
    compile: compileSchema.optional(),
    /** Run command replacing the profile's. */
    run: z.object({ command: commandSchema }).strict().optional(),
    /** Environment added to the profile's. */
    env: environmentSchema.optional(),
  })
  .strict();
export type RuntimeVariant = z.infer<typeof runtimeVariantSchema>;

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
    compile: compileSchema.optional(),
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
    /**
     * Environment of every step, on top of the sandbox's job environment (compiler caches and
     * homes: `GOCACHE`, `CARGO_HOME`; a value may not name the host's paths).
     */
    env: environmentSchema.optional(),
    /** Named variants a task can ask for (see `runtimeVariantSchema`). */
    variants: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lower-case name'), runtimeVariantSchema).optional(),
    /**
     * The rlimit that bounds a step whose memory limit is below the job's largest (the cgroup
     * holds the largest): `as` (address space, the default) or `data`, for runtimes that reserve
     * far more address space than they use and fail to start under RLIMIT_AS (Go, the JVM).
     */
    memoryRlimit: z.enum(['as', 'data']).optional(),
    /** Default run limits for this language. */
    limits: executionLimitsInputSchema.optional(),
    /** Smoke program (file beside profile.json) whose run prints `OK`. */
    smoke: z.string().min(1),
  })
  .strict();
export type RuntimeProfile = z.infer<typeof runtimeProfileSchema>;

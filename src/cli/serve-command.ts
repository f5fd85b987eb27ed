import { Option, type Command } from 'commander';
import type { Logger } from 'pino';
import { wholeNumber } from './options.ts';

// Loaded with the CLI at every start: only commander's types and small modules here; fastify and
// the library are imported when the command runs.

/** What `serve` borrows from the CLI's main module: its logger and its signal handling. */
export interface ServeCommandContext {
  logger(command: Command): Promise<Logger>;
  /** Aborted by the first SIGINT / SIGTERM once `startGraceful` was called. */
  signal: AbortSignal;
  /** From now on, the first SIGINT / SIGTERM asks the command to stop instead of exiting at once. */
  startGraceful(): void;
}

/** Collects a repeatable option's values. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Register `sandbench serve` on the program. */
export function registerServeCommand(program: Command, context: ServeCommandContext): void {
  program
    .command('serve')
    .description('run the HTTP scoring service (execute, score, batch; bearer tokens from SANDBENCH_TOKENS or --config)')
    // The environment variables let one image serve every replica (Swarm gives each its own port).
    .addOption(new Option('--host <host>', 'address to bind (default 127.0.0.1; a non-loopback address needs tokens)').env('SANDBENCH_HOST'))
    .addOption(
      new Option('--port <port>', 'port to bind (default 8787; 0: any free port)').env('SANDBENCH_PORT').argParser(wholeNumber('--port (or SANDBENCH_PORT)', 0)),
    )
    .option('--config <file>', 'server config file (YAML or JSON): tokens, limits, queue, rate limits, suites…')
    .option('--suite <path>', 'load a suite at start, for {suite, taskId} scorings (repeat for several)', collect)
    .action(async (options, command: Command) => {
      const log = await context.logger(command);
      const { loadServerConfigFile, tokensFromEnvironment } = await import('../server/server-config.ts');
      const { createServer } = await import('../server/create-server.ts');
      const file = options.config ? await loadServerConfigFile(options.config) : {};
      const fromFile = (typeof file === 'object' && file !== null ? file : {}) as Record<string, unknown>;
      const fileTokens = Array.isArray(fromFile.tokens) ? (fromFile.tokens as unknown[]) : [];
      const fileSuites = Array.isArray(fromFile.suites) ? (fromFile.suites as unknown[]) : [];
      const config = {
        ...fromFile,
        ...(options.host !== undefined ? { host: options.host } : {}),
        ...(options.port !== undefined ? { port: options.port } : {}),
        tokens: [...fileTokens, ...tokensFromEnvironment(process.env.SANDBENCH_TOKENS)],
        suites: [...fileSuites, ...((options.suite as string[] | undefined) ?? [])],
      };
      const server = await createServer({ config: config as never, logger: log });
      context.startGraceful();
      const stopped = new Promise<void>((resolve) => {
        if (context.signal.aborted) resolve();
        else context.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      const address = await server.listen();
      process.stderr.write(
        `sandbench: serving on ${address} (auth ${server.config.tokens.length > 0 ? 'on' : 'off: loopback only'}; ` +
          `${server.config.suites.length} suite(s); queue ${server.config.queue.concurrency} running / ${server.config.queue.capacity} admitted)\n`,
      );
      await stopped;
      process.stderr.write(`sandbench: stopping: finishing in-flight work (up to ${server.config.shutdownGraceMs} ms), then removing containers and workers\n`);
      await server.close();
      process.stderr.write('sandbench: stopped\n');
      // A requested stop that finished its work is a clean exit.
      process.exitCode = 0;
    });
}

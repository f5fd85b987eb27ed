import swagger from '@fastify/swagger';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { type FastifyBaseLogger, type FastifyError } from 'fastify';
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { loadSuite, type Suite } from '../datasets/load-suite.ts';
import { SandbenchError } from '../errors/sandbench-error.ts';
import { silentLogger } from '../logging/silent-logger.ts';
import { SandboxSet } from '../sandboxes/resolve-sandbox.ts';
import { SANDBENCH_VERSION } from '../version.ts';
import { AdmissionQueue } from './admission-queue.ts';
import { requestSchemas } from './api-schemas.ts';
import { BearerAuth } from './bearer-auth.ts';
import { ApiError, describeError, ERROR_HTTP_STATUSES, type ApiErrorBody } from './error-table.ts';
import { registerBatchRoute } from './routes/batch-route.ts';
import { registerExecuteRoute } from './routes/execute-route.ts';
import { registerHealthRoute } from './routes/health-route.ts';
import { registerMetricsRoute } from './routes/metrics-route.ts';
import { registerRuntimesRoute } from './routes/runtimes-route.ts';
import { registerScoreRoute } from './routes/score-route.ts';
import { registerTasksRoute } from './routes/tasks-route.ts';
import { SandboxService } from './sandbox-service.ts';
import { isLoopbackHost, parseServerConfig, serverMaximumLimits, type ServerConfig, type ServerConfigInput } from './server-config.ts';
import type { ServerContext, ZodFastify } from './server-context.ts';
import { ServerMetrics } from './server-metrics.ts';
import { TokenRateLimiter } from './token-rate-limiter.ts';

export interface CreateServerOptions {
  /** Settings (see `serverConfigSchema`); defaults for what is left out. */
  config?: ServerConfigInput;
  /** Logs go here (requests, engine faults); silent without one. */
  logger?: Logger;
  /** Backends to run in; default: a set the server creates, owns and disposes. */
  sandboxes?: SandboxSet;
}

/** A running (or ready to run) sandbench service. */
export interface SandbenchServer {
  /** The fastify instance (for `inject` in tests, or more routes). */
  readonly app: ZodFastify;
  /** The settings in force. */
  readonly config: ServerConfig;
  /** Settles when the pools have warmed (the server answers meanwhile; `/healthz` says 503). */
  readonly warmed: Promise<void>;
  /** Bind `config.host:config.port`; resolves to the base URL (`http://127.0.0.1:8787`). */
  listen(): Promise<string>;
  /**
   * Graceful stop: refuse new requests (503), let in-flight work finish within
   * `config.shutdownGraceMs` (then cancel it: its callers get 503 `shutting-down`), and remove
   * the containers and workers. Idempotent.
   */
  close(): Promise<void>;
}

/** Paths that answer without a token: liveness and the API description. */
const PUBLIC_PATHS = new Set(['/healthz', '/openapi.json']);

/**
 * Create the HTTP scoring service over the library. Refuses (a `config` error) settings that
 * would be unsafe: a non-loopback host without tokens.
 */
export async function createServer(options: CreateServerOptions = {}): Promise<SandbenchServer> {
  const config = parseServerConfig(options.config ?? {});
  if (config.tokens.length === 0 && !isLoopbackHost(config.host)) {
    throw new SandbenchError(
      'config',
      `refusing to listen on ${config.host} without authentication: set tokens (SANDBENCH_TOKENS or "tokens" in the config file), or bind a loopback address such as 127.0.0.1`,
      { details: { field: 'host' } },
    );
  }
  const logger = options.logger ?? silentLogger;
  const suites = await loadSuites(config.suites);
  const ownsSandboxes = options.sandboxes === undefined;
  const sandboxes =
    options.sandboxes ??
    new SandboxSet(undefined, {
      logger,
      ...(config.sandbox.isolateWorkers ? { isolateWorkers: config.sandbox.isolateWorkers } : {}),
      ...(config.sandbox.dockerPoolSize ? { dockerPoolSize: config.sandbox.dockerPoolSize } : {}),
      ...(config.sandbox.dockerRecycle ? { dockerRecycle: config.sandbox.dockerRecycle } : {}),
      dockerLeaseMs: config.sandbox.dockerLeaseMs,
      dockerSweepEveryMs: config.sandbox.dockerSweepEveryMs,
      ...(config.sandbox.dockerLabels ? { dockerContainerLabels: config.sandbox.dockerLabels } : {}),
    });
  const maximumLimits = serverMaximumLimits(config);
  const admission = new AdmissionQueue(config.queue);
  // The metrics read the service's pools; the service counts into the metrics.
  let service: SandboxService | undefined;
  const metrics = new ServerMetrics({
    queue: () => ({ waiting: admission.waiting, running: admission.running }),
    poolSizes: () => service?.poolSizes() ?? {},
  });
  service = new SandboxService({ sandboxes, suites, admission, metrics, maximumLimits, limitsPolicy: config.limits.policy, logger });

  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger as FastifyBaseLogger } : { logger: false }),
    bodyLimit: config.bodyLimitBytes,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  let state: 'warming' | 'ready' | 'shutting-down' = 'warming';
  const context: ServerContext = {
    config,
    schemas: requestSchemas(config),
    service,
    admission,
    metrics,
    suites,
    state: () => state,
    startedAt: new Date(),
  };

  const auth = new BearerAuth(config.tokens);
  const rateLimiter = config.rateLimit === false ? undefined : new TokenRateLimiter(config.rateLimit);
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?', 1)[0]!;
    if (PUBLIC_PATHS.has(path)) return;
    const caller = auth.identify(request.headers.authorization);
    if (caller === undefined) throw new ApiError('unauthorized', 'a valid bearer token is required (Authorization: Bearer <token>)');
    const wait = rateLimiter?.take(caller) ?? 0;
    if (wait > 0) throw new ApiError('rate-limited', `too many requests for this token; retry in ${wait} s`, { retryAfterSeconds: wait });
  });
  // While closing, a keep-alive connection would hold `close` open after its last answer: tell
  // the client the connection ends, and drop it once the answer is out.
  app.addHook('onSend', async (_request, reply) => {
    if (state === 'shutting-down') void reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (request, reply) => {
    if (state === 'shutting-down') setImmediate(() => app.server.closeIdleConnections());
    metrics.requestSeconds.observe({ route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send(errorBody('not-found', `no route ${request.method} ${request.url.split('?', 1)[0]}`));
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    let body: ApiErrorBody;
    let status: number;
    if (hasZodFastifySchemaValidationErrors(error)) {
      const issues = error.validation;
      const where = error.validationContext === 'querystring' ? 'query' : '';
      const fields = issues.map((issue) => fieldPath(where, issue.instancePath));
      body = errorBody('invalid-request', issues.map((issue, index) => (fields[index] ? `${fields[index]}: ${issue.message}` : issue.message)).join('; '), fields[0]);
      status = ERROR_HTTP_STATUSES['invalid-request'];
    } else {
      const described = describeError(error);
      status = ERROR_HTTP_STATUSES[described.code];
      body = errorBody(described.code, described.message, described.field);
      if (described.retryAfterSeconds !== undefined) void reply.header('retry-after', String(described.retryAfterSeconds));
      if (described.code === 'unauthorized') void reply.header('www-authenticate', 'Bearer');
    }
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    if (status >= 400 && status < 500) metrics.rejected.inc({ reason: body.error.code });
    void reply.code(status).send(body);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'sandbench', description: 'Sandboxed code execution and scoring', version: SANDBENCH_VERSION },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  registerExecuteRoute(app, context);
  registerScoreRoute(app, context);
  registerBatchRoute(app, context);
  registerRuntimesRoute(app, context, maximumLimits);
  registerTasksRoute(app, context);
  registerHealthRoute(app, context);
  registerMetricsRoute(app, context);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.ready();

  // Requests in progress per connection. Node's closeIdleConnections leaves open a connection
  // that never sent a request (clients open them ahead of use), and close() would wait for it
  // until its header timeout (~70 s): close closes every connection with nothing in progress.
  const requestsInProgress = new Map<Socket, number>();
  app.server.on('connection', (socket: Socket) => {
    requestsInProgress.set(socket, 0);
    socket.once('close', () => requestsInProgress.delete(socket));
  });
  app.server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    requestsInProgress.set(socket, (requestsInProgress.get(socket) ?? 0) + 1);
    response.once('close', () => {
      if (requestsInProgress.has(socket)) requestsInProgress.set(socket, requestsInProgress.get(socket)! - 1);
    });
  });
  const closeUnusedConnections = (): void => {
    for (const [socket, inProgress] of requestsInProgress) if (inProgress === 0) socket.destroy();
  };

  let warmed: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  const warm = (): Promise<void> => {
    warmed ??= service.warmUp(config.warmLanguages).finally(() => {
      if (state === 'warming') state = 'ready';
    });
    return warmed;
  };
  return {
    app,
    config,
    get warmed() {
      return warm();
    },
    async listen() {
      const address = await app.listen({ host: config.host, port: config.port });
      void warm();
      return address;
    },
    close() {
      closing ??= (async () => {
        state = 'shutting-down';
        admission.close();
        const deadline = setTimeout(() => service.cancelAll(), config.shutdownGraceMs);
        try {
          const closed = app.close();
          closeUnusedConnections();
          await closed;
        } finally {
          clearTimeout(deadline);
          await warmed?.catch(() => {});
          if (ownsSandboxes) await sandboxes.dispose();
        }
      })();
      return closing;
    },
  };
}

function errorBody(code: ApiErrorBody['error']['code'], message: string, field?: string): ApiErrorBody {
  return { error: { code, message, ...(field ? { field } : {}) } };
}

/** `/items/3/code` → `items[3].code` (the notation of the library's messages). */
function fieldPath(prefix: string, instancePath: string): string {
  let out = prefix;
  for (const segment of instancePath.split('/').filter((part) => part !== '')) {
    if (/^\d+$/.test(segment)) out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

/** Load the configured suites, keyed by name; two suites of one name are a config error. */
async function loadSuites(paths: readonly string[]): Promise<Map<string, Suite>> {
  const suites = new Map<string, Suite>();
  for (const path of paths) {
    const suite = await loadSuite(path);
    if (suites.has(suite.name)) throw new SandbenchError('config', `two suites are named '${suite.name}' (${suites.get(suite.name)!.source} and ${path})`, { details: { field: 'suites' } });
    suites.set(suite.name, suite);
  }
  return suites;
}

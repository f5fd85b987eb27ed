import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the gauges read when Prometheus scrapes. */
export interface MetricsSources {
  /** Units of work waiting for a slot, and running. */
  queue(): { waiting: number; running: number };
  /** Live workers or containers per backend. */
  poolSizes(): Record<string, number>;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * The service's Prometheus metrics, in a registry of its own (never prom-client's global one, so
 * two servers in one process, or an application's own metrics, do not collide).
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly executions: Counter<'language' | 'backend' | 'status'>;
  readonly samples: Counter<'language' | 'outcome'>;
  readonly executionSeconds: Histogram<'language' | 'backend'>;
  readonly queueWaitSeconds: Histogram;
  readonly requestSeconds: Histogram<'route' | 'status_code'>;
  readonly rejected: Counter<'reason'>;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    this.executions = new Counter({
      name: 'sandbench_executions_total',
      help: 'Programs run, by language, backend and how they ended (status; sandbox-error for an engine fault; cancelled when the client left or shutdown cut it short)',
      labelNames: ['language', 'backend', 'status'],
      registers,
    });
    this.samples = new Counter({
      name: 'sandbench_scored_samples_total',
      help: 'Completions scored, by language and outcome (cancelled: the client left or shutdown cut it short)',
      labelNames: ['language', 'outcome'],
      registers,
    });
    this.executionSeconds = new Histogram({
      name: 'sandbench_execution_duration_seconds',
      help: 'Time in the sandbox per execution or scored completion (from its start, not its admission)',
      labelNames: ['language', 'backend'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.queueWaitSeconds = new Histogram({
      name: 'sandbench_queue_wait_seconds',
      help: 'Time admitted work waited for a slot',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'sandbench_http_request_duration_seconds',
      help: 'HTTP request latency, by route and status code',
      labelNames: ['route', 'status_code'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.rejected = new Counter({
      name: 'sandbench_rejected_requests_total',
      help: 'Requests refused, by reason (the error code: queue-full, rate-limited, unauthorized, invalid-request, …)',
      labelNames: ['reason'],
      registers,
    });
    new Gauge({
      name: 'sandbench_queue_depth',
      help: 'Units of work admitted and waiting for a slot',
      registers,
      collect() {
        this.set(sources.queue().waiting);
      },
    });
    new Gauge({
      name: 'sandbench_in_flight',
      help: 'Units of work running now',
      registers,
      collect() {
        this.set(sources.queue().running);
      },
    });
    new Gauge({
      name: 'sandbench_pool_size',
      help: 'Live isolate workers or warm containers, by backend',
      labelNames: ['backend'],
      registers,
      collect() {
        this.reset();
        for (const [backend, size] of Object.entries(sources.poolSizes())) this.set({ backend }, size);
      },
    });
  }
}

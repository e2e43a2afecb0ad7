import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StoredEvent } from './event.js';
import { EVENT_TYPES } from './event.js';
import type { EventLog } from './event-log.js';

export interface MetricsDeps {
  events: EventLog;
  /** Builds waiting for a builder (the scheduler's queue). */
  queueLength: () => number;
  /** Notifications waiting to be delivered. */
  pendingNotifications: () => number;
  /** Days until each signing archive key that expires does so. */
  keyDaysLeft?: () => { fingerprint: string; days: number }[];
}

const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

/**
 * Seconds from an event's details: `seconds` (PUBLISHED), the scheduler's
 * `times.totalMs` (BUILT, FAILED), or one of the builds' millisecond fields.
 */
function secondsOf(event: StoredEvent): number | undefined {
  const d = event.details;
  const times = d.times as { totalMs?: unknown } | undefined;
  if (typeof times?.totalMs === 'number') return times.totalMs / 1000;
  for (const [key, factor] of [
    ['seconds', 1],
    ['totalTimeMs', 1000],
    ['durationMs', 1000],
  ] as const) {
    if (typeof d[key] === 'number') return (d[key] as number) / factor;
  }
  return undefined;
}

/**
 * The daemon's metrics in Prometheus' text format (prom-client, a registry of its own):
 * counted from the event stream since the daemon started, plus gauges asked at scrape
 * time and the process' own metrics.
 */
export class Metrics {
  readonly registry = new Registry();
  private unsubscribe: (() => void) | undefined;
  private readonly events: Counter;
  private readonly uploads: Counter;
  private readonly builds: Counter;
  private readonly buildSeconds: Histogram;
  private readonly publishSeconds: Histogram;

  constructor(private readonly deps: MetricsDeps) {
    const registers = [this.registry];
    this.events = new Counter({
      name: 'debyard_events_total',
      help: 'Events since the daemon started, by type',
      labelNames: ['type'],
      registers,
    });
    this.uploads = new Counter({
      name: 'debyard_uploads_total',
      help: 'Uploads processed by the incoming, by result (accepted, rejected)',
      labelNames: ['result'],
      registers,
    });
    this.builds = new Counter({
      name: 'debyard_builds_total',
      help: 'Finished builds, by result (built, failed, cancelled)',
      labelNames: ['result'],
      registers,
    });
    this.buildSeconds = new Histogram({
      name: 'debyard_build_duration_seconds',
      help: 'Duration of finished builds',
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.publishSeconds = new Histogram({
      name: 'debyard_publish_duration_seconds',
      help: 'Duration of distribution publishes',
      buckets: DURATION_BUCKETS,
      registers,
    });
    new Gauge({
      name: 'debyard_build_queue_length',
      help: 'Builds waiting for a builder',
      registers,
      collect() {
        this.set(deps.queueLength());
      },
    });
    new Gauge({
      name: 'debyard_notifications_pending',
      help: 'Webhook and email deliveries waiting to go out',
      registers,
      collect() {
        this.set(deps.pendingNotifications());
      },
    });
    new Gauge({
      name: 'debyard_archive_key_days_left',
      help: 'Days until a signing archive key expires (keys that never expire are not listed)',
      labelNames: ['fingerprint'],
      registers,
      collect() {
        this.reset();
        for (const { fingerprint, days } of deps.keyDaysLeft?.() ?? []) {
          this.set({ fingerprint }, days);
        }
      },
    });
    for (const type of EVENT_TYPES) this.events.inc({ type }, 0);
    for (const result of ['accepted', 'rejected']) this.uploads.inc({ result }, 0);
    for (const result of ['built', 'failed', 'cancelled']) this.builds.inc({ result }, 0);
    collectDefaultMetrics({ register: this.registry, prefix: 'debyard_' });
  }

  start(): void {
    this.unsubscribe = this.deps.events.subscribe((event) => this.count(event));
  }

  stop(): void {
    this.unsubscribe?.();
  }

  /** The text exposition (`Content-Type: contentType`). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private count(event: StoredEvent): void {
    this.events.inc({ type: event.type });
    // Only the incoming's decisions on uploads (a failed auto-port is no upload).
    if (event.uploadId !== null && event.type === 'ACCEPTED') {
      this.uploads.inc({ result: 'accepted' });
    }
    if (event.uploadId !== null && event.type === 'REJECTED') {
      this.uploads.inc({ result: 'rejected' });
    }
    if (event.type === 'PUBLISHED') {
      const seconds = secondsOf(event);
      if (seconds !== undefined) this.publishSeconds.observe(seconds);
    }
    if (event.buildId !== null && ['BUILT', 'FAILED', 'CANCELLED'].includes(event.type)) {
      const result = { BUILT: 'built', FAILED: 'failed', CANCELLED: 'cancelled' }[
        event.type as 'BUILT' | 'FAILED' | 'CANCELLED'
      ];
      this.builds.inc({ result });
      const seconds = secondsOf(event);
      if (seconds !== undefined && event.type !== 'CANCELLED') this.buildSeconds.observe(seconds);
    }
  }
}

import type { StoredEvent } from '../events/event.js';
import type { EventLog } from '../events/event-log.js';
import { describeError, formatProblem, isAppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { formatRequester, type Requester } from '../incoming/requester.js';
import type { Ports } from './ports.js';

export interface AutoPortsDeps {
  events: EventLog;
  ports: Pick<Ports, 'port'>;
  /**
   * The auto-ports upload option of an upload (distribution names), and whom the upload
   * is for (its signer, anonymous, or the requester of a daemon-made upload).
   */
  autoPortsOf(uploadId: number): { to: string[]; requester: Requester };
  /** How far the INSTALLED events were looked at (durable). */
  cursor: { get(): number | undefined; set(id: number): void };
  logger: Logger;
}

/**
 * The `auto-ports` upload option: once an upload is INSTALLED, its source is ported to
 * the distributions the option names, for the uploader: a target repository that would
 * not take the uploader's own upload (an anonymous one where uploads must be signed, a
 * key without rights there) is refused, with a REJECTED event naming why. Driven by the
 * durable event log with a stored cursor, so an install just before a crash is still
 * ported after the restart; one port per upload (its first INSTALLED event).
 */
export class AutoPorts {
  private unsubscribe: (() => void) | undefined;
  private running: Promise<void> = Promise.resolve();
  private readonly abort = new AbortController();

  constructor(private readonly deps: AutoPortsDeps) {}

  start(): void {
    if (this.deps.cursor.get() === undefined) {
      this.deps.cursor.set(this.deps.events.list({ limit: 1 })[0]?.id ?? 0);
    }
    this.unsubscribe = this.deps.events.subscribe(() => this.wake(), { types: ['INSTALLED'] });
    this.wake();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.abort.abort(new Error('daemon stopping'));
    await this.running;
  }

  /** Resolves once every INSTALLED event so far was handled. */
  idle(): Promise<void> {
    return this.running;
  }

  private wake(): void {
    this.running = this.running.then(() => this.catchUp());
  }

  private async catchUp(): Promise<void> {
    for (;;) {
      if (this.abort.signal.aborted) return;
      const after = this.deps.cursor.get() ?? 0;
      const batch = this.deps.events.list({ afterId: after, types: ['INSTALLED'], limit: 100 });
      if (batch.length === 0) return;
      for (const event of batch) {
        await this.handle(event);
        this.deps.cursor.set(event.id);
      }
    }
  }

  private async handle(event: StoredEvent): Promise<void> {
    if (event.uploadId === null || !event.source || !event.distribution) return;
    const { to, requester } = this.deps.autoPortsOf(event.uploadId);
    if (to.length === 0) return;
    const first = this.deps.events.list({
      uploadId: event.uploadId,
      types: ['INSTALLED'],
      afterId: 0,
      limit: 1,
    })[0];
    if (first && first.id !== event.id) return;
    try {
      const outcomes = await this.deps.ports.port(
        {
          source: event.source,
          from: event.distribution,
          to,
          requester,
          requestedBy: 'auto-ports',
        },
        this.abort.signal,
      );
      this.deps.logger.info('auto-ported', {
        source: event.source,
        to: outcomes.map((o) => `${o.distribution} ${o.version} ${o.state}`),
      });
    } catch (error) {
      if (this.abort.signal.aborted) return;
      const reasons = reasonsOf(error);
      this.deps.events.emit({
        type: 'REJECTED',
        message: `auto-port of ${event.source} ${event.version} from ${event.distribution} to ${to.join(', ')} failed: ${oneLine(error)}`,
        source: event.source,
        version: event.version,
        distribution: event.distribution,
        details: {
          autoPorts: to,
          autoPortOf: event.uploadId,
          requestedBy: formatRequester(requester),
          reasons,
        },
      });
    }
  }
}

/** Why a port failed: each problem of the error, else the error itself. */
function reasonsOf(error: unknown): string[] {
  if (isAppError(error) && error.problems.length > 0) return error.problems.map(formatProblem);
  return [describeError(error)];
}

function oneLine(error: unknown): string {
  if (!isAppError(error) || error.problems.length === 0) return describeError(error);
  return `${error.message}: ${reasonsOf(error).join('; ')}`;
}

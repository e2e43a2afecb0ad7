import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { CommandRunner } from '../../exec/command.js';
import { lastLines } from '../../exec/command.js';
import type { Logger } from '../../shared/logger.js';
import type { StoredEvent } from '../event.js';
import type { EventLog } from '../event-log.js';

export interface EventHooksDeps {
  /** `<home>/hooks`. */
  dir: string;
  events: EventLog;
  runner: CommandRunner;
  logger: Logger;
  timeoutMs: number;
}

/** Hook names as run-parts(8) takes them: no dots, so editor backups and .dpkg-* are skipped. */
const HOOK_NAME = /^[A-Za-z0-9_-]+$/;
/** Events waiting for the hooks beyond this are dropped (and logged). */
const MAX_QUEUED = 10_000;

/**
 * Runs the executable files in the hooks folder for every event, one event at a time and
 * the hooks in name order: the event as JSON on standard input, its type and id in
 * DEBYARD_EVENT_TYPE and DEBYARD_EVENT_ID. A hook running past the timeout is killed;
 * what a hook prints is logged. Hooks see events from the moment the daemon runs (for
 * guaranteed delivery use a webhook).
 */
export class EventHooks {
  private readonly queue: StoredEvent[] = [];
  private running: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly abort = new AbortController();

  constructor(private readonly deps: EventHooksDeps) {}

  start(): void {
    this.unsubscribe = this.deps.events.subscribe((event) => this.push(event));
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.queue.length = 0;
    this.abort.abort(new Error('daemon stopping'));
    await this.running;
  }

  /** Resolves once every queued event went through the hooks. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private push(event: StoredEvent): void {
    if (this.queue.length >= MAX_QUEUED) {
      this.deps.logger.error('too many events wait for the hooks; one is dropped', {
        event: event.id,
      });
      return;
    }
    this.queue.push(event);
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  private async drain(): Promise<void> {
    for (let event = this.queue.shift(); event; event = this.queue.shift()) {
      for (const hook of await this.hooks()) {
        if (this.abort.signal.aborted) return;
        await this.run(hook, event);
      }
    }
  }

  /** The executable hooks, in name order. */
  private async hooks(): Promise<string[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.deps.dir);
    } catch {
      return [];
    }
    const hooks: string[] = [];
    for (const name of names.filter((n) => HOOK_NAME.test(n)).sort()) {
      const file = path.join(this.deps.dir, name);
      const stat = await fs.stat(file).catch(() => null);
      if (stat?.isFile() && (stat.mode & 0o111) !== 0) hooks.push(file);
    }
    return hooks;
  }

  private async run(hook: string, event: StoredEvent): Promise<void> {
    const { logger } = this.deps;
    const name = path.basename(hook);
    try {
      const result = await this.deps.runner.run({
        command: hook,
        cwd: this.deps.dir,
        env: {
          PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
          DEBYARD_EVENT_TYPE: event.type,
          DEBYARD_EVENT_ID: String(event.id),
        },
        input: `${JSON.stringify(event)}\n`,
        timeoutMs: this.deps.timeoutMs,
        signal: this.abort.signal,
        maxOutputBytes: 64 * 1024,
      });
      const output = lastLines(`${result.stdout}\n${result.stderr}`, 20);
      const fields = { hook: name, event: event.id, type: event.type, output };
      if (result.timedOut) {
        logger.warn(`hook ${name} was killed after ${this.deps.timeoutMs / 1000} s`, fields);
      } else if (result.exitCode !== 0) {
        logger.warn(
          `hook ${name} failed (${result.signal ?? `status ${result.exitCode}`})`,
          fields,
        );
      } else {
        logger.info(`hook ${name} ran`, fields);
      }
    } catch (error) {
      if (!this.abort.signal.aborted) {
        logger.warn(`hook ${name} could not run`, { event: event.id, err: error });
      }
    }
  }
}

import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';

export interface RetentionDeps {
  deleteEventsBefore(before: Date): number;
  /** Deletes finished webhook and email deliveries last touched before a date. */
  pruneDeliveries(before: Date): number;
  /** `<home>/builds`: one entry (file or folder) per build. */
  buildsDir: string;
  clock: Clock;
  logger: Logger;
  settings: { eventsDays: number; buildLogsDays: number };
}

const DAY = 86_400_000;
/** Finished deliveries are kept this long when events are kept for ever. */
const DELIVERY_LOG_DAYS = 30;

/**
 * Expires what grows without end: events older than `retention.events_days`, the
 * delivery log (as long as events, else 30 days) and build logs and results older than
 * `retention.build_logs_days` (by the newest time anything in a build's folder changed,
 * so a running build is never touched). 0 keeps events or build logs for ever.
 */
export async function applyRetention(deps: RetentionDeps): Promise<{
  events: number;
  deliveries: number;
  builds: number;
}> {
  const now = deps.clock.now().getTime();
  const { eventsDays, buildLogsDays } = deps.settings;
  const events = eventsDays > 0 ? deps.deleteEventsBefore(new Date(now - eventsDays * DAY)) : 0;
  const deliveries = deps.pruneDeliveries(
    new Date(now - (eventsDays > 0 ? eventsDays : DELIVERY_LOG_DAYS) * DAY),
  );
  const builds = buildLogsDays > 0 ? await expireBuilds(deps, now - buildLogsDays * DAY) : 0;
  if (events + deliveries + builds > 0) {
    deps.logger.info('expired old events, deliveries and build logs', {
      events,
      deliveries,
      builds,
    });
  }
  return { events, deliveries, builds };
}

async function expireBuilds(deps: RetentionDeps, before: number): Promise<number> {
  let entries: string[];
  try {
    entries = await fs.readdir(deps.buildsDir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const entry of entries) {
    const full = path.join(deps.buildsDir, entry);
    if ((await newestChange(full)) < before) {
      await fs.rm(full, { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}

/** The newest modification time of a file, or of a folder and everything in it. */
async function newestChange(file: string): Promise<number> {
  const stat = await fs.lstat(file).catch(() => null);
  if (!stat) return Number.POSITIVE_INFINITY;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of await fs.readdir(file).catch(() => [] as string[])) {
    newest = Math.max(newest, await newestChange(path.join(file, entry)));
  }
  return newest;
}

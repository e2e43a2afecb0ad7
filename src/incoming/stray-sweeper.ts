import { formatDuration } from '../config/units.js';
import type { EventLog } from '../events/event-log.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { IncomingArea } from './incoming-area.js';
import type { PendingUploads } from './pending-uploads.js';
import type { UploadFolders } from './upload-folders.js';

export interface StraySweeperDeps {
  area: IncomingArea;
  folders: UploadFolders;
  pending: PendingUploads;
  events: EventLog;
  clock: Clock;
  logger: Logger;
  settings: { strayTimeoutSeconds: number; rejectedRetentionSeconds: number };
}

/** Names listed in an event's message; the details hold up to MAX_DETAILS. */
const MAX_NAMED = 10;
const MAX_DETAILS = 1000;

/**
 * Removes what waited too long in the incoming (incomplete uploads, files no .changes
 * lists), each with an INCOMING event, and rejected uploads past their retention.
 */
export class StraySweeper {
  private lastRetentionSweep = 0;

  constructor(private readonly deps: StraySweeperDeps) {}

  async sweep(): Promise<void> {
    const { pending, area, clock, settings } = this.deps;
    const timeout = formatDuration(settings.strayTimeoutSeconds);
    const cutoff = new Date(clock.now().getTime() - settings.strayTimeoutSeconds * 1000);
    const { incomplete, strays } = pending.expired(cutoff);
    for (const changes of incomplete) {
      const names = [changes.name, ...changes.present];
      await area.remove(names);
      pending.removeFiles(names);
      this.deps.events.emit({
        type: 'INCOMING',
        message: `removed the incomplete upload ${changes.name} after waiting ${timeout}: ${describeNames(changes.missing)} never arrived`,
        details: {
          changes: changes.name,
          removed: names,
          missing: changes.missing.slice(0, MAX_DETAILS),
        },
      });
    }
    if (strays.length > 0) {
      await area.remove(strays);
      pending.removeFiles(strays);
      this.deps.events.emit({
        type: 'INCOMING',
        message: `removed ${strays.length === 1 ? 'a file' : `${strays.length} files`} that no .changes listed after waiting ${timeout}: ${describeNames(strays)}`,
        details: { removed: strays.slice(0, MAX_DETAILS), count: strays.length },
      });
    }
    await this.sweepRejected();
  }

  private async sweepRejected(): Promise<void> {
    const { folders, clock, settings, logger } = this.deps;
    const now = clock.now().getTime();
    const every = Math.min(600, Math.max(1, settings.rejectedRetentionSeconds / 4)) * 1000;
    if (now - this.lastRetentionSweep < every) return;
    this.lastRetentionSweep = now;
    const cutoff = now - settings.rejectedRetentionSeconds * 1000;
    for (const folder of await folders.list('rejected')) {
      if (folder.modifiedAt.getTime() >= cutoff) continue;
      await folders.remove(folder.relativePath);
      logger.info('removed a rejected upload past its retention', { folder: folder.relativePath });
    }
  }
}

function describeNames(names: readonly string[]): string {
  if (names.length === 0) return 'nothing';
  const shown = names.slice(0, MAX_NAMED).join(', ');
  return names.length > MAX_NAMED ? `${shown} and ${names.length - MAX_NAMED} more` : shown;
}

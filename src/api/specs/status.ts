import { z } from 'zod';
import { defineCall } from '../call.js';
import { formatIncomingState, type IncomingStateView } from './incoming.js';

/** A builder as the status shows it. */
export interface BuilderView {
  name: string;
  capacity: number;
  running: number;
  /** running / capacity */
  load: number;
  available: boolean;
  /** `codename/architecture` of its ready chroots. */
  chroots: string[];
  /** The architectures it builds natively (null: it does not say, all of them). */
  native: string[] | null;
  /** Those of `chroots` it builds under emulation (qemu-user). */
  emulated: string[];
}

export interface StatusOutput {
  name: 'debyard';
  version: string;
  identity: string;
  startedAt: string;
  uptimeSeconds: number;
  /** Running builds over the capacity of the available builders. */
  load: number;
  builders: BuilderView[];
  /** Builds waiting to start, and running. */
  queue: { queued: number; building: number };
  /** Whether the FTP incoming takes uploads (paused by an admin or not). */
  incoming: IncomingStateView;
}

export const statusCall = defineCall({
  name: 'status',
  method: 'GET',
  access: 'anonymous',
  summary: "Show the daemon's version, builders, queue and incoming",
  description:
    "Its version, identity and uptime, the builders with their load, the build queue and the incoming's state.",
  input: z.object({}).strict(),
  format: (s: StatusOutput) =>
    [
      `debyard ${s.version} on ${s.identity}`,
      `up ${formatDuration(s.uptimeSeconds)} (since ${s.startedAt})`,
      `queue: ${s.queue.queued} waiting, ${s.queue.building} building; load ${s.load.toFixed(2)}`,
      ...s.builders.map(
        (b) =>
          `builder ${b.name}: ${b.available ? `${b.running}/${b.capacity} running` : 'down'}; chroots ${b.chroots.map((c) => (b.emulated.includes(c) ? `${c} (emulated)` : c)).join(', ') || 'none ready'}${b.native ? `; native ${b.native.join(', ')}` : ''}`,
      ),
      formatIncomingState(s.incoming),
    ].join('\n'),
  examples: [['debyard status --server http://builds.example.org:8066', 'check a daemon']],
});

/** `3d 4h 5m 6s`, leaving out leading zero units. */
export function formatDuration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return [d && `${d}d`, (d || h) && `${h}h`, (d || h || m) && `${m}m`, `${s}s`]
    .filter(Boolean)
    .join(' ');
}

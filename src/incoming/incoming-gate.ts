import type { EventLog } from '../events/event-log.js';
import type { EventInput } from '../events/event.js';
import type { Clock } from '../shared/clock.js';

/** Whether the FTP incoming takes new uploads; kept across restarts. */
export interface IncomingState {
  paused: boolean;
  /** When it was paused (ISO 8601), while paused. */
  since: string | null;
  /** Who paused it, while paused. */
  by: string | null;
  reason: string | null;
}

/** Where the state is kept: a small key/value store (the meta table). */
export interface GateStore {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
}

export interface IncomingGateDeps {
  store: GateStore;
  /** Runs `fn` in one database transaction: the state and its event commit together. */
  transaction: <T>(fn: () => T) => T;
  events: Pick<EventLog, 'record' | 'publish'>;
  clock: Clock;
}

const KEY = 'incoming-paused';
const OPEN: IncomingState = { paused: false, since: null, by: null, reason: null };

/**
 * The admin's switch for the incoming: while paused, the FTP incoming refuses new
 * uploads (uploads already under way finish, complete uploads are still processed).
 */
export class IncomingGate {
  private current: IncomingState;

  constructor(private readonly deps: IncomingGateDeps) {
    this.current = readState(deps.store.get(KEY));
  }

  state(): IncomingState {
    return { ...this.current };
  }

  pause(by: string, reason: string | null): IncomingState {
    if (this.current.paused) return this.state();
    const since = this.deps.clock.now().toISOString();
    this.save(
      { paused: true, since, by, reason },
      {
        type: 'INCOMING',
        message: `incoming paused by ${by}${reason ? `: ${reason}` : ''}; FTP uploads are refused`,
        details: { paused: true, reason },
      },
    );
    return this.state();
  }

  resume(by: string): IncomingState {
    if (!this.current.paused) return this.state();
    this.save(OPEN, {
      type: 'INCOMING',
      message: `incoming resumed by ${by}; FTP uploads are taken again`,
      details: { paused: false },
    });
    return this.state();
  }

  /** The FTP reply text refusing an upload, or null while open. */
  refusal(): string | null {
    const s = this.current;
    if (!s.paused) return null;
    return `Uploads are paused on this debyard since ${s.since}${s.reason ? ` (${s.reason})` : ''}; try again later`;
  }

  private save(state: IncomingState, event: EventInput): void {
    const stored = this.deps.transaction(() => {
      this.deps.store.set(KEY, JSON.stringify(state));
      return this.deps.events.record(event);
    });
    this.current = state;
    this.deps.events.publish(stored);
  }
}

function readState(text: string | undefined): IncomingState {
  if (!text) return { ...OPEN };
  try {
    const parsed = JSON.parse(text) as Partial<IncomingState>;
    return parsed.paused
      ? {
          paused: true,
          since: parsed.since ?? null,
          by: parsed.by ?? null,
          reason: parsed.reason ?? null,
        }
      : { ...OPEN };
  } catch {
    return { ...OPEN };
  }
}

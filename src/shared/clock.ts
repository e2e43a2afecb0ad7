/** Time, injected so that tests can control it. */
export interface Clock {
  /** Wall-clock time. */
  now(): Date;
  /** A monotonic reading in milliseconds, for durations. */
  monotonicMs(): number;
}

export const systemClock: Clock = {
  now: () => new Date(),
  monotonicMs: () => performance.now(),
};

/** A clock that only moves when told to; for tests of time-dependent logic. */
export class ManualClock implements Clock {
  private current: number;
  private mono = 0;

  constructor(start: Date | string = '2026-01-01T00:00:00Z') {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  monotonicMs(): number {
    return this.mono;
  }

  advance(ms: number): void {
    this.current += ms;
    this.mono += ms;
  }
}

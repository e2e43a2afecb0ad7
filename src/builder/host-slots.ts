/**
 * The build slots of this host (`build.parallelism`), shared by its own builds (the ones
 * its scheduler starts) and the peer jobs it runs for other daemons, so that the two
 * together never exceed the total. Both sides count synchronously: the scheduler marks a
 * build running when it assigns it, a peer job takes its slot when it is created.
 */
export class HostSlots {
  private peerJobs = 0;

  /**
   * @param total build.parallelism
   * @param ownRunning the builds this host's scheduler runs here now
   */
  constructor(
    readonly total: number,
    private readonly ownRunning: () => number,
  ) {}

  /** Slots held by peer jobs (builds the scheduler did not start, which it must count). */
  peerRunning(): number {
    return this.peerJobs;
  }

  inUse(): number {
    return this.ownRunning() + this.peerJobs;
  }

  /** A slot for a peer job, or null when all are in use; the result gives it back (once). */
  takeForPeer(): (() => void) | null {
    if (this.inUse() >= this.total) return null;
    this.peerJobs++;
    let released = false;
    return () => {
      if (!released) this.peerJobs--;
      released = true;
    };
  }

  /** `2 of 2 builds running` */
  describe(): string {
    return `${this.inUse()} of ${this.total} builds running`;
  }
}

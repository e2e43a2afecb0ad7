import type { ChrootKey } from '../chroot/chroot-paths.js';
import type { ChrootRecord } from '../chroot/chroot-records.js';
import type { BuildRequest, BuildResult } from './build-request.js';
import type { Builder } from './builder.js';
import type { HostSlots } from './host-slots.js';

export interface LocalHostDeps {
  /** Runs one build (LocalBuilder). */
  builder: { build(request: BuildRequest, signal?: AbortSignal): Promise<BuildResult> };
  /** The base chroots of this host (ChrootService). */
  chroots: { list(): Pick<ChrootRecord, 'codename' | 'architecture' | 'state' | 'generation'>[] };
  /** The build slots of this host (settings.build.parallelism), shared with peer jobs. */
  slots: Pick<HostSlots, 'total' | 'peerRunning'>;
  /** The architectures this host builds natively; its other chroots build emulated. */
  native: readonly string[];
}

/**
 * This host as a builder: its ready base chroots, `build.parallelism` builds at once,
 * the peer jobs it runs for other daemons included.
 */
export class LocalHost implements Builder {
  readonly name = 'local';

  constructor(private readonly deps: LocalHostDeps) {}

  capacity(): number {
    return this.deps.slots.total;
  }

  othersRunning(): number {
    return this.deps.slots.peerRunning();
  }

  available(): boolean {
    return true;
  }

  /** Ready chroots; one being updated still lends its current generation. */
  readyChroots(): ChrootKey[] {
    return this.deps.chroots
      .list()
      .filter((c) => c.generation > 0 && (c.state === 'ready' || c.state === 'updating'))
      .map(({ codename, architecture }) => ({ codename, architecture }));
  }

  nativeArchitectures(): readonly string[] {
    return this.deps.native;
  }

  build(request: BuildRequest, signal: AbortSignal): Promise<BuildResult> {
    return this.deps.builder.build(request, signal);
  }
}

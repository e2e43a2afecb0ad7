import type { ChrootKey } from '../chroot/chroot-paths.js';
import type { ChrootRecord } from '../db/chroots-repository.js';
import type { BuildRequest, BuildResult } from './build-request.js';
import type { Builder } from './builder.js';

export interface LocalHostDeps {
  /** Runs one build (LocalBuilder). */
  builder: { build(request: BuildRequest, signal?: AbortSignal): Promise<BuildResult> };
  /** The base chroots of this host (ChrootService). */
  chroots: { list(): Pick<ChrootRecord, 'codename' | 'architecture' | 'state' | 'generation'>[] };
  /** Parallel builds on this host (settings.build.parallelism). */
  capacity: number;
}

/** This host as a builder: its ready base chroots, `build.parallelism` builds at once. */
export class LocalHost implements Builder {
  readonly name = 'local';

  constructor(private readonly deps: LocalHostDeps) {}

  capacity(): number {
    return this.deps.capacity;
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

  build(request: BuildRequest, signal: AbortSignal): Promise<BuildResult> {
    return this.deps.builder.build(request, signal);
  }
}

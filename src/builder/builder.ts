import type { ChrootKey } from '../chroot/chroot-paths.js';
import type { BuildRequest, BuildResult } from './build-request.js';

/**
 * A place where builds run: this host (LocalBuilder) or a remote peer daemon reached over
 * SSH. The scheduler chooses among builders and counts what it gave each; a builder only
 * runs what it is given.
 */
export interface Builder {
  /** `local`, or the peer's name. */
  readonly name: string;
  /** How many builds may run on it at once. */
  capacity(): number;
  /**
   * Builds running on it that this scheduler did not start (the peer jobs this host runs
   * for other daemons); they take slots of the capacity too.
   */
  othersRunning?(): number;
  /** Whether it takes builds now (a peer that stopped answering is down). */
  available(): boolean;
  /** The (codename, architecture) pairs it has a ready chroot for. */
  readyChroots(): ChrootKey[];
  /**
   * The architectures it builds natively; its chroots of any other architecture build
   * under emulation (qemu-user). A builder that does not say builds all natively.
   */
  nativeArchitectures?(): readonly string[];
  /**
   * Runs one build to its end. The .dsc and its files are local paths; the result files
   * end up in `request.resultDir` and the log in `request.logFile` (and the live-log hub
   * under `request.id`), wherever the build ran. Throws only when the build could not be
   * started; every later failure is in the result.
   */
  build(request: BuildRequest, signal: AbortSignal): Promise<BuildResult>;
}

import type { BuildRequest, BuildResult } from '../builder/build-request.js';
import type { ChrootKey } from '../chroot/chroot-paths.js';

/**
 * What a debyard daemon tells the daemons that use it as a remote builder (the
 * peer_status call), and what they ask of it: peer jobs, each one build of one source
 * package, whose files are sent first, whose log is followed live and whose result files
 * are fetched at the end. The calls are defined in api/ (specs/peers.ts); the daemon
 * that uses a peer reaches them through an SSH tunnel.
 */
export interface PeerStatus {
  identity: string;
  version: string;
  /** How many builds the peer runs at once, its own and peer jobs together. */
  capacity: number;
  /** How many run now. */
  running: number;
  /** running / capacity. */
  load: number;
  /** The chroots it can build in now. */
  chroots: ChrootKey[];
  /**
   * The architectures it builds natively; its chroots of others build under emulation.
   * Peers older than this field build everything natively as far as we know.
   */
  native?: string[];
  /** Peer jobs it holds (any state). */
  jobs: number;
}

/** A file sent to a peer job, as a .changes lists it. */
export interface PeerFile {
  name: string;
  size: number;
  sha256: string;
}

/** One build, as a peer job: the request without the requesting host's paths. */
export interface PeerJobRequest extends Omit<BuildRequest, 'id' | 'dsc' | 'resultDir' | 'logFile'> {
  /** The .dsc's file name; it is one of `files`. */
  dsc: string;
  /** The .dsc and every file it lists. */
  files: PeerFile[];
}

export const PEER_JOB_STATES = ['receiving', 'building', 'done'] as const;
export type PeerJobState = (typeof PEER_JOB_STATES)[number];

/** A build result as a peer reports it: file names instead of its own paths. */
export interface PeerBuildResult extends Omit<BuildResult, 'id' | 'changes' | 'files' | 'logFile'> {
  /** The .changes' file name, when the build made one. */
  changes: string | null;
  /** The .changes and the files it lists. */
  files: string[];
}

export interface PeerJobView {
  job: string;
  state: PeerJobState;
  codename: string;
  architecture: string;
  dsc: string;
  /** Files not received yet. */
  missing: string[];
  createdAt: string;
  result: PeerBuildResult | null;
}

/** One item of a followed peer job log: text as it comes, then the result. */
export type PeerLogItem = { text: string } | { result: PeerBuildResult };

/** The peer calls as the daemon using a peer makes them (implemented in api/). */
export interface PeerApi {
  status(signal?: AbortSignal): Promise<PeerStatus>;
  createJob(request: PeerJobRequest, signal?: AbortSignal): Promise<PeerJobView>;
  /** Sends one declared file; the peer checks its size and SHA-256. */
  upload(job: string, file: PeerFile, path: string, signal?: AbortSignal): Promise<void>;
  startJob(job: string, signal?: AbortSignal): Promise<PeerJobView>;
  /**
   * Follows the job's log from the start, handing text to `onText`; resolves with the
   * result when the build has ended. A broken stream is resumed where it stopped for up
   * to `resumeForMs`.
   */
  follow(
    job: string,
    onText: (text: string) => void,
    options: { signal?: AbortSignal; resumeForMs: number },
  ): Promise<PeerBuildResult>;
  /** Fetches one result file into `target`. */
  download(job: string, name: string, target: string, signal?: AbortSignal): Promise<void>;
  /** Cancels the job if it still runs and lets the peer delete its files. */
  removeJob(job: string, signal?: AbortSignal): Promise<void>;
}

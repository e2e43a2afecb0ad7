import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  validateBuildRequest,
  type BuildRequest,
  type BuildResult,
} from '../builder/build-request.js';
import type { Builder } from '../builder/builder.js';
import { readDsc } from '../builder/control-files.js';
import type { ChrootKey } from '../chroot/chroot-paths.js';
import { NotFoundError, RemotePeerError } from '../shared/errors.js';
import type { PeerFile } from './peer-api.js';
import type { PeerHandle, RemoteBuilderDeps } from './peer-handle.js';
import { describeFile } from './received-file.js';
import { RemoteBuildRun, type SourceToSend } from './remote-build-run.js';

/**
 * A Builder that runs builds on a remote peer daemon: the source files go over the SSH
 * tunnel, the peer builds in its own chroot on its own build slots, the log comes back
 * live and the result files are fetched and checked against the returned .changes.
 *
 * `build` rejects with a RemotePeerError naming the peer when the build could not be
 * started there, or when the peer was lost during the build (down, removed, or not
 * answering for the failover timeout): either way the build should run elsewhere.
 * Failures of the build itself come back in the result, as from the local builder.
 */
export class RemoteBuilder implements Builder {
  /** Builds of this daemon running on the peer now. */
  private ours = 0;

  constructor(
    private readonly peer: PeerHandle,
    private readonly deps: RemoteBuilderDeps,
  ) {}

  get name(): string {
    return this.peer.name;
  }

  capacity(): number {
    return this.peer.capacity();
  }

  /**
   * The peer's own builds and other daemons' jobs, from its last health check, so the
   * scheduler does not send a build a busy peer would refuse (a refusal costs an attempt).
   */
  othersRunning(): number {
    return Math.max(0, (this.peer.status()?.running ?? 0) - this.ours);
  }

  available(): boolean {
    return this.peer.state().up;
  }

  readyChroots(): ChrootKey[] {
    return this.peer.status()?.chroots ?? [];
  }

  /** What the peer reports; an older peer that does not say counts as native for all. */
  nativeArchitectures(): readonly string[] {
    const status = this.peer.status();
    return status?.native ?? [...new Set(status?.chroots.map((c) => c.architecture))];
  }

  async build(request: BuildRequest, signal: AbortSignal): Promise<BuildResult> {
    validateBuildRequest(request);
    const state = this.peer.state();
    if (!state.up) {
      throw new RemotePeerError(
        `${this.peer.label} is down${state.reason ? `: ${state.reason}` : ''}`,
      );
    }
    this.ours++;
    try {
      const source = await sourceFiles(request.dsc);
      return await new RemoteBuildRun(this.peer, request, source, this.deps).execute(signal);
    } finally {
      this.ours--;
    }
  }
}

/** The .dsc and every file it lists, with their sizes and SHA-256 sums. */
async function sourceFiles(dsc: string): Promise<SourceToSend> {
  const name = path.basename(dsc);
  const text = await readFile(dsc, 'utf8').catch((error: unknown) => {
    throw new NotFoundError(`cannot read ${dsc}: ${(error as Error).message}`, { cause: error });
  });
  const summary = readDsc(text, name);
  const listed = summary.files.map((file) => file.name);
  const dir = path.dirname(dsc);
  const files: PeerFile[] = [];
  for (const file of [name, ...listed]) {
    files.push(
      await describeFile(path.join(dir, file)).catch((error: unknown) => {
        throw new NotFoundError(`${file}, listed in ${name}, cannot be read from ${dir}`, {
          cause: error,
        });
      }),
    );
  }
  return { dir, dsc: name, source: summary.source, version: summary.version, files };
}

import type { GitSourcesRepository } from '../../db/git-sources-repository.js';
import type { GitSourceRecord } from './git-source-records.js';
import type { EventLog } from '../../events/event-log.js';
import type { Requester } from '../../incoming/requester.js';
import type { Clock } from '../../shared/clock.js';
import { AppError, ConflictError, describeError } from '../../shared/errors.js';
import { readDelivery, verifyHook, type HookRequest } from './forge-hooks.js';
import type { GitBuilds } from './git-builds.js';
import type { GitRemote, GitRemoteSource } from './git-remote.js';
import { triggers } from './ref-patterns.js';

export interface GitTriggersDeps {
  store: GitSourcesRepository;
  builds: Pick<GitBuilds, 'trigger'>;
  remote: Pick<GitRemote, 'listRefs'>;
  remoteOf(source: GitSourceRecord): GitRemoteSource;
  events: EventLog;
  clock: Clock;
}

/** What a webhook delivery came to. */
export interface HookAnswer {
  /** started: a git build began; ignored: nothing to build (the reason says why). */
  result: 'started' | 'ignored' | 'pong';
  reason?: string;
  build?: number;
}

/** Automatic builds are the admin's who added the source. */
export const requesterOfSource = (source: GitSourceRecord): Requester => ({
  kind: 'user',
  name: source.createdBy ?? 'admin',
  role: 'admin',
});

/**
 * What starts git builds on its own: forge webhooks (signature checked in constant time,
 * each delivery taken once) and polling with git ls-remote (a new or moved ref that
 * triggers builds). A refused webhook is a GIT event as well as a problem answer.
 */
export class GitTriggers {
  constructor(private readonly deps: GitTriggersDeps) {}

  /** Takes a webhook delivery for a source; throws (after an event) when it is refused. */
  receive(name: string, request: HookRequest): HookAnswer {
    const { store } = this.deps;
    try {
      const source = store.get(name);
      const forge = verifyHook(request, source.secret);
      const delivery = readDelivery(request, forge);
      if (!store.takeDelivery(source.id, delivery.delivery, this.deps.clock.now())) {
        throw new ConflictError(
          `webhook delivery ${delivery.delivery} was received before: a replay is not built again`,
        );
      }
      if (delivery.kind === 'ping') return { result: 'pong' };
      if (delivery.kind === 'other') {
        return {
          result: 'ignored',
          reason: `${delivery.event} events build nothing; send push events`,
        };
      }
      if (delivery.commit === null)
        return { result: 'ignored', reason: `${delivery.ref} was deleted` };
      if (!triggers(source, delivery.ref)) {
        return { result: 'ignored', reason: `${delivery.ref} is not among the refs that build` };
      }
      const build = this.deps.builds.trigger(
        source,
        delivery.ref,
        delivery.commit,
        'webhook',
        requesterOfSource(source),
      );
      if (!build) {
        return {
          result: 'ignored',
          reason: `commit ${delivery.commit} of ${delivery.ref} was built before`,
        };
      }
      return { result: 'started', build: build.id };
    } catch (error) {
      this.deps.events.emit({
        type: 'GIT',
        message: `webhook for git source ${name} refused: ${describeError(error)}`,
        details: {
          gitSource: name,
          refused: error instanceof AppError ? error.code : 'internal',
        },
      });
      throw error;
    }
  }

  /**
   * Lists the source's refs and builds each that triggers builds and is new or moved
   * since the last poll. The first poll of a source only notes what is there.
   */
  async poll(source: GitSourceRecord, signal?: AbortSignal): Promise<number[]> {
    const { store } = this.deps;
    const now = this.deps.clock.now();
    let refs: Map<string, string>;
    try {
      refs = await this.deps.remote.listRefs(this.deps.remoteOf(source), signal);
    } catch (error) {
      store.polled(source.id, now, describeError(error));
      throw error;
    }
    const known = store.refs(source.id);
    const first = source.polledAt === null;
    store.setRefs(source.id, refs);
    store.polled(source.id, now, null);
    if (first) return [];
    const started: number[] = [];
    for (const [ref, commit] of refs) {
      if (known.get(ref) === commit || !triggers(source, ref)) continue;
      const build = this.deps.builds.trigger(
        source,
        ref,
        commit,
        'poll',
        requesterOfSource(source),
      );
      if (build) started.push(build.id);
    }
    return started;
  }
}

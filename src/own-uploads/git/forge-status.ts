import type { GitSourcesRepository } from '../../db/git-sources-repository.js';
import type { GitBuildRecord } from './git-source-records.js';
import type { StoredEvent } from '../../events/event.js';
import type { EventLog } from '../../events/event-log.js';
import { describeError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';

export type CommitState = 'pending' | 'success' | 'failure' | 'error';

export interface ForgeStatusDeps {
  store: Pick<GitSourcesRepository, 'build' | 'buildOfUpload' | 'byId'>;
  events: EventLog;
  /** The daemon's base URL for the links (its upload pages). */
  baseUrl(): string;
  logger: Logger;
  timeoutMs: number;
}

/**
 * Commit statuses back to the forge, for git sources with a status API and token: a
 * git build whose upload the incoming accepted is `pending` (building), an installed
 * upload `success`, a rejected upload or failed build `failure`, a git build that could
 * not make its upload `error`; each links to the upload's page (or the git page).
 */
export class ForgeStatus {
  private unsubscribe: (() => void) | undefined;
  private readonly sending = new Set<Promise<void>>();

  constructor(private readonly deps: ForgeStatusDeps) {}

  start(): void {
    this.unsubscribe = this.deps.events.subscribe((event) => this.heard(event), {
      types: ['GIT', 'INSTALLED', 'FAILED'],
    });
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await Promise.allSettled([...this.sending]);
  }

  private heard(event: StoredEvent): void {
    const build =
      event.type === 'GIT'
        ? typeof event.details.gitBuild === 'number'
          ? this.deps.store.build(event.details.gitBuild)
          : undefined
        : event.uploadId === null
          ? undefined
          : this.deps.store.buildOfUpload(event.uploadId);
    if (!build?.commit || build.sourceId === null) return;
    const state = stateOf(event, build);
    if (!state) return;
    const sent = this.send(build, state[0], state[1]).finally(() => this.sending.delete(sent));
    this.sending.add(sent);
  }

  private async send(build: GitBuildRecord, state: CommitState, description: string) {
    const source = this.deps.store.byId(build.sourceId!);
    if (!source?.status) return;
    const { forge, url, token } = source.status;
    const base = this.deps.baseUrl().replace(/\/+$/, '');
    const target = build.uploadId === null ? `${base}/git` : `${base}/uploads/${build.uploadId}`;
    const body =
      forge === 'gitlab'
        ? {
            state: state === 'failure' || state === 'error' ? 'failed' : state,
            target_url: target,
            description,
            name: 'debyard',
          }
        : { state, target_url: target, description, context: 'debyard' };
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      ...(forge === 'github'
        ? { authorization: `Bearer ${token}`, accept: 'application/vnd.github+json' }
        : forge === 'gitea'
          ? { authorization: `token ${token}` }
          : { 'private-token': token }),
    };
    try {
      const answer = await fetch(`${url.replace(/\/+$/, '')}/statuses/${build.commit}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.deps.timeoutMs),
      });
      if (!answer.ok) throw new Error(`the forge answered ${answer.status}`);
    } catch (error) {
      this.deps.logger.warn('sending a commit status failed', {
        source: source.name,
        commit: build.commit,
        error: describeError(error),
      });
    }
  }
}

function stateOf(event: StoredEvent, build: GitBuildRecord): [CommitState, string] | undefined {
  const what = `${build.package ?? ''} ${build.version ?? ''}`.trim();
  if (event.type === 'INSTALLED') return ['success', `${what} installed`];
  if (event.type === 'FAILED') return ['failure', `${what} failed to build`];
  switch (build.state) {
    case 'uploaded':
      return ['pending', `${what} accepted, building`];
    case 'rejected':
      return ['failure', `${what} rejected: ${build.error ?? ''}`.slice(0, 140)];
    case 'failed':
      return ['error', `git build failed: ${build.error ?? ''}`.slice(0, 140)];
    default:
      return undefined;
  }
}

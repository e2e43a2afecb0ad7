import express, { type Request, type Response } from 'express';
import type { GitBuildRecord, GitSourceRecord } from '../../own-uploads/git/git-source-records.js';
import type { GitBuilds } from '../../own-uploads/git/git-builds.js';
import type { GitSources } from '../../own-uploads/git/git-sources.js';
import type { GitTriggers } from '../../own-uploads/git/git-triggers.js';
import type { Requester } from '../../incoming/requester.js';
import { InvalidInputError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import {
  implement,
  rawBodyOf,
  sendProblem,
  type CallImplementation,
  type Principal,
} from '../api-router.js';
import {
  gitBuildCall,
  gitBuildsCall,
  gitSourceAddCall,
  gitSourcePollCall,
  gitSourceRemoveCall,
  gitSourcesCall,
  type GitBuildView,
  type GitSourceView,
} from '../specs/git-sources.js';

export interface GitSourceRoutesDeps {
  sources: GitSources;
  builds: Pick<GitBuilds, 'buildByHand'>;
  triggers: Pick<GitTriggers, 'poll'>;
  store: { builds(filter: { source?: string; limit: number }): GitBuildRecord[] };
  /** The daemon's base URL as forges reach it (null: the request's). */
  publicUrl: string | null;
  /** Git builds, once asked for, run on even if the client goes away. */
  shutdown: AbortSignal;
}

export const gitBuildView = (b: GitBuildRecord): GitBuildView => ({
  id: b.id,
  source: b.sourceName,
  url: b.url,
  ref: b.ref,
  commit: b.commit,
  trigger: b.trigger,
  state: b.state,
  package: b.package,
  version: b.version,
  uploadId: b.uploadId,
  error: b.error,
  createdAt: b.createdAt,
  updatedAt: b.updatedAt,
});

const requesterOf = (principal: Principal): Requester =>
  principal.user === null
    ? { kind: 'anonymous' }
    : { kind: 'user', name: principal.user, role: principal.role };

/** git_source_add, git_sources, git_source_remove, git_build, git_builds, git_source_poll. */
export function gitSourceRoutes(deps: GitSourceRoutesDeps): CallImplementation[] {
  const base = (req: Request) =>
    (deps.publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost:8066'}`).replace(
      /\/+$/,
      '',
    );
  const view = (s: GitSourceRecord, req: Request): GitSourceView => ({
    name: s.name,
    url: s.url,
    tags: s.tags,
    branches: s.branches,
    distribution: s.distribution,
    layout: s.layout,
    upstreamTag: s.upstreamTag,
    origUrlPrefixes: s.origUrlPrefixes,
    signingKey: s.signingKey,
    deployKey: s.deployKey,
    pollMinutes: s.pollMinutes,
    polledAt: s.polledAt,
    pollError: s.pollError,
    statusForge: s.status?.forge ?? null,
    statusUrl: s.status?.url ?? null,
    webhook: `${base(req)}/api/v1/git_hook/${s.name}`,
    createdAt: s.createdAt,
    createdBy: s.createdBy,
  });
  return [
    implement(gitSourceAddCall, async (input, { principal, request }) => {
      const added = await deps.sources.add({
        name: input.name,
        url: input.url,
        tags: input.tags ?? null,
        branches: input.branches ?? [],
        distribution: input.distribution ?? null,
        layout: input.layout,
        upstreamTag: input.upstream_tag,
        origUrlPrefixes: input.orig_url_prefix,
        signingKey: input.signing_key,
        pollMinutes: input.poll_minutes,
        secret: input.secret,
        createdBy: principal.user,
        status:
          input.status_forge && input.status_url && input.status_token
            ? { forge: input.status_forge, url: input.status_url, token: input.status_token }
            : null,
      });
      return { ...view(added, request), secret: added.secret };
    }),
    implement(gitSourcesCall, (_input, { request }) =>
      deps.sources.list().map((s) => view(s, request)),
    ),
    implement(gitSourceRemoveCall, async (input, { request }) => {
      const source = deps.sources.get(input.name);
      await deps.sources.remove(input.name);
      return view(source, request);
    }),
    implement(gitBuildCall, async (input, { principal }) =>
      gitBuildView(
        await deps.builds.buildByHand(input.name, input.ref, requesterOf(principal), deps.shutdown),
      ),
    ),
    implement(gitBuildsCall, (input) =>
      deps.store.builds({ source: input.name, limit: input.limit }).map(gitBuildView),
    ),
    implement(gitSourcePollCall, (input) =>
      deps.triggers.poll(deps.sources.get(input.name), deps.shutdown),
    ),
  ];
}

/**
 * POST /api/v1/git_hook/<source>: a forge's push webhook (GitHub, Gitea/Forgejo,
 * GitLab). 202 with what it started; refused ones get a problem: 401 unsigned or a
 * wrong signature, 409 a replayed delivery, 404 an unknown source.
 */
export function gitHookRouter(deps: { triggers: Pick<GitTriggers, 'receive'>; logger: Logger }) {
  const router = express.Router();
  router.post('/git_hook/:name', (req: Request, res: Response) => {
    try {
      const body = rawBodyOf(req);
      if (!body) {
        throw new InvalidInputError(
          `a webhook's body is JSON (Content-Type: application/json), not ${req.get('content-type') ?? 'nothing'}`,
        );
      }
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
      }
      const answer = deps.triggers.receive(String(req.params.name), { headers, body });
      res.status(answer.result === 'started' ? 202 : 200).json(answer);
    } catch (error) {
      deps.logger.debug('git webhook refused', { source: req.params.name, err: error });
      sendProblem(res, error);
    }
  });
  return router;
}

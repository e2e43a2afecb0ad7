import express, { type Request, type Response } from 'express';
import type { CallImplementation } from '../../api/api-router.js';
import { repositoriesCall } from '../../api/specs/repositories.js';
import {
  keyForbidCall,
  keyPermissionsCall,
  keyPermitCall,
  keyRemoveCall,
} from '../../api/specs/uploader-keys.js';
import { outcomeOf, type Outcome, type PageKit } from './page-kit.js';

export interface UploadersPageDeps {
  pages: PageKit;
  /** Every call of the daemon (the key calls and `repositories`). */
  calls: () => readonly CallImplementation[];
}

/** /uploaders (admin): every uploader key, and the repositories each may upload to. */
export function createUploadersPage(deps: UploadersPageDeps): express.Router {
  const { pages } = deps;
  const router = express.Router();
  const show = async (req: Request, res: Response, outcome: Outcome = {}) => {
    const keys = await pages.attempt(deps.calls(), keyPermissionsCall, {}, req, res);
    const repos = await pages.attempt(deps.calls(), repositoriesCall, {}, req, res);
    const { status, ...data } = outcome;
    pages.render(
      req,
      res,
      'uploads/uploaders',
      {
        title: 'Uploaders',
        keys: keys.ok ? keys.output : [],
        repositories: repos.ok ? repos.output.map((r) => r.id) : [],
        ...data,
      },
      status,
    );
  };
  router.get('/uploaders', pages.require('admin'), (req, res) => show(req, res));
  router.post('/uploaders/:fingerprint', pages.require('admin'), async (req, res) => {
    pages.redirect(req, res, '/uploaders', await setRepositories(deps, req, res));
  });
  router.post('/uploaders/:fingerprint/remove', pages.require('admin'), async (req, res) => {
    const input = { fingerprint: req.params.fingerprint };
    const result = await pages.attempt(deps.calls(), keyRemoveCall, input, req, res);
    pages.redirect(
      req,
      res,
      '/uploaders',
      outcomeOf(result, (o) => ({ notice: `Key ${o.removed} removed.` })),
    );
  });
  return router;
}

/** The checked repositories become the key's: permit the new ones, forbid the unchecked. */
async function setRepositories(
  deps: UploadersPageDeps,
  req: Request,
  res: Response,
): Promise<Outcome> {
  const { pages } = deps;
  const fingerprint = String(req.params.fingerprint);
  const body = (req.body ?? {}) as Record<string, unknown>;
  const raw = body.repositories;
  const wanted = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(String);
  const keys = await pages.attempt(deps.calls(), keyPermissionsCall, {}, req, res);
  if (!keys.ok) return { error: keys.problem.detail, status: keys.problem.status };
  const key = keys.output.find((k) => k.fingerprint === fingerprint.toUpperCase());
  if (!key) return { error: `there is no uploader key ${fingerprint}`, status: 404 };
  const permit = wanted.filter((r) => !key.repositories.includes(r));
  const forbid = key.repositories.filter((r) => !wanted.includes(r));
  for (const [spec, repositories] of [
    [keyPermitCall, permit],
    [keyForbidCall, forbid],
  ] as const) {
    if (repositories.length === 0) continue;
    const result = await pages.attempt(deps.calls(), spec, { fingerprint, repositories }, req, res);
    if (!result.ok) return { error: result.problem.detail, status: result.problem.status };
  }
  return {
    notice: `${key.fingerprint} may upload to ${wanted.length ? wanted.join(', ') : 'no repository'}.`,
  };
}

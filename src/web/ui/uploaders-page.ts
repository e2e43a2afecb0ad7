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

/** A form field's values: none, one, or repeated. */
function values(body: unknown, field: string): string[] {
  const raw = ((body ?? {}) as Record<string, unknown>)[field];
  return (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(String);
}

/**
 * The checked repositories become the key's, and the checked binary rights its binary
 * rights (a binary right checked brings its repository): forbid what was unchecked, then
 * permit what is new.
 */
async function setRepositories(
  deps: UploadersPageDeps,
  req: Request,
  res: Response,
): Promise<Outcome> {
  const { pages } = deps;
  const fingerprint = String(req.params.fingerprint);
  const binary = values(req.body, 'binary');
  const wanted = [...new Set([...values(req.body, 'repositories'), ...binary])];
  const keys = await pages.attempt(deps.calls(), keyPermissionsCall, {}, req, res);
  if (!keys.ok) return { error: keys.problem.detail, status: keys.problem.status };
  const key = keys.output.find((k) => k.fingerprint === fingerprint.toUpperCase());
  if (!key) return { error: `there is no uploader key ${fingerprint}`, status: 404 };
  const steps = [
    [keyForbidCall, key.binaryRepositories.filter((r) => !binary.includes(r)), true],
    [keyForbidCall, key.repositories.filter((r) => !wanted.includes(r)), false],
    [
      keyPermitCall,
      wanted.filter((r) => !key.repositories.includes(r) && !binary.includes(r)),
      false,
    ],
    [keyPermitCall, binary.filter((r) => !key.binaryRepositories.includes(r)), true],
  ] as const;
  for (const [spec, repositories, binaryOnly] of steps) {
    if (repositories.length === 0) continue;
    const input = { fingerprint, repositories, binary: binaryOnly };
    const result = await pages.attempt(deps.calls(), spec, input, req, res);
    if (!result.ok) return { error: result.problem.detail, status: result.problem.status };
  }
  const shown = wanted.map((r) => (binary.includes(r) ? `${r}+binary` : r));
  return {
    notice: `${key.fingerprint} may upload to ${shown.length ? shown.join(', ') : 'no repository'}.`,
  };
}

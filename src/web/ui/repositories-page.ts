import express, { type Request, type Response } from 'express';
import type { CallImplementation } from '../../api/api-router.js';
import type { CallSpec } from '../../api/call.js';
import { layoutsCall } from '../../api/specs/layouts.js';
import {
  distributionAddCall,
  distributionRemoveCall,
  distributionUpdateCall,
  reindexCall,
  repositoriesCall,
  repositoryAddCall,
  repositoryRemoveCall,
  repositoryUpdateCall,
  type RepositoryView,
} from '../../api/specs/repositories.js';
import { formInput, outcomeOf, type Outcome, type PageKit } from './page-kit.js';

export interface RepositoriesPageDeps {
  pages: PageKit;
  /** Every call of the daemon (the repository and layout calls). */
  calls: () => readonly CallImplementation[];
  /** The archive key's fingerprint, for the apt setup. */
  keyFingerprint: () => string | null;
}

const DIST_FIELDS = ['architectures', 'components', 'codeversion', 'arch_all', 'mandatory'];

/**
 * /repositories: every repository with its distributions and suites; /repositories/<id>:
 * one repository with its apt setup, package counts and (admin) the forms that change it.
 */
export function createRepositoriesPage(deps: RepositoriesPageDeps): express.Router {
  const { pages } = deps;
  const router = express.Router();
  const attempt = <S extends CallSpec>(spec: S, input: unknown, req: Request, res: Response) =>
    pages.attempt(deps.calls(), spec, input, req, res);

  const showList = async (req: Request, res: Response, outcome: Outcome = {}) => {
    const repos = await attempt(repositoriesCall, {}, req, res);
    const layouts = await attempt(layoutsCall, {}, req, res);
    const { status, ...data } = outcome;
    pages.render(
      req,
      res,
      'repositories',
      {
        title: 'Repositories',
        repositories: repos.ok ? repos.output : [],
        layouts: layouts.ok ? layouts.output.map((l) => l.name) : [],
        form: {},
        ...data,
      },
      status,
    );
  };
  const showOne = async (req: Request, res: Response, outcome: Outcome = {}) => {
    const id = String(req.params.id);
    const repos = await attempt(repositoriesCall, {}, req, res);
    const repo = repos.ok ? repos.output.find((r) => r.id === id) : undefined;
    if (!repo) {
      const message = `There is no repository "${id}".`;
      return pages.render(req, res, 'error', { title: 'Not found', message }, 404);
    }
    const layouts = await attempt(layoutsCall, {}, req, res);
    const { status, ...data } = outcome;
    pages.render(
      req,
      res,
      'repository',
      {
        title: `Repository ${id}`,
        repo,
        dists: distributionRows(repo),
        layouts: layouts.ok ? layouts.output.map((l) => l.name) : [],
        fingerprint: deps.keyFingerprint(),
        form: {},
        ...data,
      },
      status,
    );
  };

  router.get('/repositories', (req, res) => showList(req, res));
  router.get('/repositories/:id', (req, res) => showOne(req, res));
  router.post('/repositories', pages.require('admin'), async (req, res) => {
    const input = formInput(req.body, [
      'id',
      'description',
      'layout',
      'allow_unsigned',
      'codename',
      ...DIST_FIELDS,
    ]);
    const result = await attempt(repositoryAddCall, input, req, res);
    await showList(
      req,
      res,
      result.ok
        ? { notice: `Repository ${result.output.id} added.` }
        : { ...outcomeOf(result, () => ({})), form: input },
    );
  });
  router.post('/repositories/:id/remove', pages.require('admin'), async (req, res) => {
    const result = await attempt(repositoryRemoveCall, { id: req.params.id }, req, res);
    if (result.ok)
      return showList(req, res, { notice: `Repository ${result.output.removed} removed.` });
    await showOne(
      req,
      res,
      outcomeOf(result, () => ({})),
    );
  });

  const actions: [string, CallSpec, (req: Request) => unknown, (o: never) => string][] = [
    [
      'update',
      repositoryUpdateCall,
      (req) => ({
        ...formInput(req.body, ['description', 'layout', 'allow_unsigned']),
        id: req.params.id,
      }),
      (r: RepositoryView) => `Repository ${r.id} updated.`,
    ],
    [
      'distributions',
      distributionAddCall,
      (req) => ({ ...formInput(req.body, ['codename', ...DIST_FIELDS]), repo: req.params.id }),
      (r: RepositoryView) => `Distribution ${r.distributions.at(-1)?.codename} added.`,
    ],
    [
      'distributions/:codename/update',
      distributionUpdateCall,
      (req) => ({
        ...formInput(req.body, DIST_FIELDS),
        repo: req.params.id,
        codename: req.params.codename,
      }),
      () => 'Distribution updated.',
    ],
    [
      'distributions/:codename/remove',
      distributionRemoveCall,
      (req) => ({ repo: req.params.id, codename: req.params.codename }),
      () => 'Distribution removed.',
    ],
    [
      'reindex',
      reindexCall,
      (req) => ({ ...formInput(req.body, ['distribution']), repo: req.params.id }),
      (o: { republished: string[] }) => `Republished ${o.republished.join(', ')}.`,
    ],
  ];
  for (const [path, spec, input, said] of actions) {
    router.post(`/repositories/:id/${path}`, pages.require('admin'), async (req, res) => {
      const result = await attempt(spec, input(req), req, res);
      await showOne(
        req,
        res,
        outcomeOf(result, (o) => ({ notice: said(o as never) })),
      );
    });
  }
  return router;
}

/** Every distribution name of a repository with how many sources it holds. */
function distributionRows(repo: RepositoryView) {
  return repo.distributions.flatMap((d) =>
    repo.suites.map((suite) => {
      const name = `${d.codename}-${repo.id}-${suite}`;
      const rollbacks = Object.entries(repo.sources)
        .filter(([dist]) => dist.startsWith(`${name}-rollback`))
        .reduce((sum, [, count]) => sum + count, 0);
      return { name, codename: d.codename, suite, sources: repo.sources[name] ?? 0, rollbacks };
    }),
  );
}

import express, { type Request, type Response } from 'express';
import type { CallImplementation } from '../../api/api-router.js';
import type { CallSpec } from '../../api/call.js';
import { layoutsCall } from '../../api/specs/layouts.js';
import {
  distributionAddCall,
  distributionLimitsText,
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

const DIST_FIELDS = [
  'architectures',
  'components',
  'codeversion',
  'arch_all',
  'mandatory',
  'limit_pids',
  'limit_memory',
  'limit_cpus',
  'limit_disk',
];

type Show = (req: Request, res: Response, outcome?: Outcome) => Promise<void>;

/** A form that runs one call on a repository and shows the repository page again. */
interface RepositoryAction {
  path: string;
  spec: CallSpec;
  input(req: Request): unknown;
  said(output: never): string;
}

const ACTIONS: readonly RepositoryAction[] = [
  {
    path: 'update',
    spec: repositoryUpdateCall,
    input: (req) => ({
      ...formInput(req.body, ['description', 'layout', 'allow_unsigned']),
      id: req.params.id,
    }),
    said: (r: RepositoryView) => `Repository ${r.id} updated.`,
  },
  {
    path: 'distributions',
    spec: distributionAddCall,
    input: (req) => ({ ...formInput(req.body, ['codename', ...DIST_FIELDS]), repo: req.params.id }),
    said: (r: RepositoryView) => `Distribution ${r.distributions.at(-1)?.codename} added.`,
  },
  {
    path: 'distributions/:codename/update',
    spec: distributionUpdateCall,
    input: (req) => ({
      ...formInput(req.body, DIST_FIELDS),
      repo: req.params.id,
      codename: req.params.codename,
    }),
    said: () => 'Distribution updated.',
  },
  {
    path: 'distributions/:codename/remove',
    spec: distributionRemoveCall,
    input: (req) => ({ repo: req.params.id, codename: req.params.codename }),
    said: () => 'Distribution removed.',
  },
  {
    path: 'reindex',
    spec: reindexCall,
    input: (req) => ({ ...formInput(req.body, ['distribution']), repo: req.params.id }),
    said: (o: { republished: string[] }) => `Republished ${o.republished.join(', ')}.`,
  },
];

/**
 * /repositories: every repository with its distributions and suites; /repositories/<id>:
 * one repository with its apt setup, package counts and (admin) the forms that change it.
 */
export function createRepositoriesPage(deps: RepositoriesPageDeps): express.Router {
  const { pages } = deps;
  const router = express.Router();
  const attempt = <S extends CallSpec>(spec: S, input: unknown, req: Request, res: Response) =>
    pages.attempt(deps.calls(), spec, input, req, res);
  const showList = listView(deps);
  const showOne = repositoryView(deps);
  router.get('/repositories', (req, res) => showList(req, res));
  router.get('/repositories/:id', (req, res) => showOne(req, res));
  const page = (id: unknown) => `/repositories/${encodeURIComponent(String(id))}`;
  router.post('/repositories', pages.require('admin'), async (req, res) => {
    const fields = ['id', 'description', 'layout', 'allow_unsigned', 'codename', ...DIST_FIELDS];
    const input = formInput(req.body, fields);
    const result = await attempt(repositoryAddCall, input, req, res);
    pages.redirect(
      req,
      res,
      '/repositories',
      result.ok
        ? { notice: `Repository ${result.output.id} added.` }
        : { ...outcomeOf(result, () => ({})), form: input },
    );
  });
  router.post('/repositories/:id/remove', pages.require('admin'), async (req, res) => {
    const result = await attempt(repositoryRemoveCall, { id: req.params.id }, req, res);
    if (!result.ok)
      return pages.redirect(
        req,
        res,
        page(req.params.id),
        outcomeOf(result, () => ({})),
      );
    pages.redirect(req, res, '/repositories', {
      notice: `Repository ${result.output.removed} removed.`,
    });
  });
  for (const action of ACTIONS) {
    router.post(`/repositories/:id/${action.path}`, pages.require('admin'), async (req, res) => {
      const result = await attempt(action.spec, action.input(req), req, res);
      pages.redirect(
        req,
        res,
        page(req.params.id),
        outcomeOf(result, (o) => ({ notice: action.said(o as never) })),
      );
    });
  }
  return router;
}

function listView(deps: RepositoriesPageDeps): Show {
  const { pages } = deps;
  return async (req, res, outcome = {}) => {
    const repos = await pages.attempt(deps.calls(), repositoriesCall, {}, req, res);
    const layouts = await pages.attempt(deps.calls(), layoutsCall, {}, req, res);
    const { status, ...data } = outcome;
    pages.render(
      req,
      res,
      'archive/repositories',
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
}

function repositoryView(deps: RepositoriesPageDeps): Show {
  const { pages } = deps;
  return async (req, res, outcome = {}) => {
    const id = String(req.params.id);
    const repos = await pages.attempt(deps.calls(), repositoriesCall, {}, req, res);
    const repo = repos.ok ? repos.output.find((r) => r.id === id) : undefined;
    if (!repo) {
      const message = `There is no repository "${id}".`;
      return pages.render(req, res, 'site/error', { title: 'Not found', message }, 404);
    }
    const layouts = await pages.attempt(deps.calls(), layoutsCall, {}, req, res);
    const { status, ...data } = outcome;
    pages.render(
      req,
      res,
      'archive/repository',
      {
        title: `Repository ${id}`,
        repo,
        dists: distributionRows(repo),
        limits: Object.fromEntries(
          repo.distributions.map((d) => [d.codename, distributionLimitsText(d.buildLimits)]),
        ),
        layouts: layouts.ok ? layouts.output.map((l) => l.name) : [],
        fingerprint: deps.keyFingerprint(),
        ...data,
      },
      status,
    );
  };
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

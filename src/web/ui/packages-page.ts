import express, { type Request, type Response } from 'express';
import type { CallImplementation } from '../../api/api-router.js';
import { searchCall, showCall, type PackageVersionRow } from '../../api/specs/archive.js';
import type { PageKit } from './page-kit.js';

export interface PackagesPageDeps {
  pages: PageKit;
  /** Every call of the daemon: search and show, and the actions that exist. */
  calls: () => readonly CallImplementation[];
  /** The source files (.dsc, tarballs) of a version in a repository's pool. */
  sourceFiles(
    repository: string,
    source: string,
    version: string,
  ): { path: string; size: number }[];
}

/** One source version in one repository, with where it is and its files. */
interface VersionGroup {
  repository: string;
  source: string;
  version: string;
  component: string;
  distributions: string[];
  files: { path: string; size: number | null }[];
}

/** /packages: search by name; /packages/<name>: a package's versions, files and actions. */
export function createPackagesPage(deps: PackagesPageDeps): express.Router {
  const { pages } = deps;
  const router = express.Router();
  router.get('/packages', async (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q.trim() : '';
    const result = q
      ? await pages.attempt(deps.calls(), searchCall, { pattern: q }, req, res)
      : null;
    pages.render(
      req,
      res,
      'packages',
      {
        title: 'Packages',
        q,
        matches: result?.ok ? result.output.matches : [],
        error: result && !result.ok ? result.problem.detail : null,
      },
      result && !result.ok ? result.problem.status : 200,
    );
  });
  router.get('/packages/:name', (req, res) => showPackage(deps, req, res));
  return router;
}

async function showPackage(deps: PackagesPageDeps, req: Request, res: Response): Promise<void> {
  const { pages } = deps;
  const name = String(req.params.name);
  const result = await pages.attempt(deps.calls(), showCall, { package: name }, req, res);
  if (!result.ok) {
    const message = result.problem.detail;
    return pages.render(req, res, 'error', { title: 'Package', message }, result.problem.status);
  }
  const rows = result.output.versions;
  pages.render(req, res, 'package', {
    title: `Package ${name}`,
    name,
    rows,
    groups: versionGroups(deps, rows),
  });
}

function versionGroups(deps: PackagesPageDeps, rows: readonly PackageVersionRow[]): VersionGroup[] {
  const groups = new Map<string, VersionGroup>();
  for (const row of rows) {
    const key = `${row.repository} ${row.source} ${row.version}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        repository: row.repository,
        source: row.source,
        version: row.version,
        component: row.component,
        distributions: [],
        files: [
          ...deps.sourceFiles(row.repository, row.source, row.version),
          ...row.binaries.map((b) => ({ path: b.path, size: null })),
        ],
      };
      groups.set(key, group);
    }
    group.distributions.push(row.distribution);
  }
  return [...groups.values()];
}

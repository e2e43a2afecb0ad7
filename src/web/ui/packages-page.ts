import express, { type Request, type Response } from 'express';
import type { CallImplementation } from '../../api/api-router.js';
import { accessAllows } from '../../api/call.js';
import { searchCall, showCall } from '../../api/specs/archive.js';
import { buildsCall, type BuildSummary } from '../../api/specs/builds.js';
import { byteSize } from './byte-size.js';
import { durationChart, shortDuration } from './duration-chart.js';
import { versionGroups, type PackageFileLookups } from './package-files.js';
import { actionFields, PACKAGE_ACTIONS, type PackageAction } from './package-actions.js';
import type { Outcome, PageKit } from './page-kit.js';

export interface PackagesPageDeps extends PackageFileLookups {
  pages: PageKit;
  /** Every call of the daemon: search and show, and the actions that exist. */
  calls: () => readonly CallImplementation[];
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
      'archive/packages',
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
  for (const action of PACKAGE_ACTIONS) {
    router.get(`/packages/:name/${action.name}`, pages.require(action.access), (req, res) =>
      confirmAction(deps, action, req, res),
    );
    router.post(`/packages/:name/${action.name}`, pages.require(action.access), (req, res) =>
      runAction(deps, action, req, res),
    );
  }
  return router;
}

/** The confirmation page of an action: its question and a Confirm button (GET, so it reloads). */
function confirmAction(
  deps: PackagesPageDeps,
  action: PackageAction,
  req: Request,
  res: Response,
): void {
  const name = String(req.params.name);
  const fields = actionFields(action, req.query);
  deps.pages.render(req, res, 'site/confirm', {
    title: `${action.label} ${name}`,
    question: action.question(name, fields),
    action: `/packages/${encodeURIComponent(name)}/${action.name}`,
    label: action.label,
    fields,
    back: `/packages/${encodeURIComponent(name)}`,
  });
}

/**
 * An action asks first: the form (or the confirmation dialog, with JavaScript) sends
 * confirmed=yes; without it the browser goes to the confirmation page. Either way the
 * post ends in a redirect to a page (Post/Redirect/Get).
 */
async function runAction(
  deps: PackagesPageDeps,
  action: PackageAction,
  req: Request,
  res: Response,
): Promise<void> {
  const name = String(req.params.name);
  const fields = actionFields(action, req.body);
  const page = `/packages/${encodeURIComponent(name)}`;
  if ((req.body as Record<string, unknown>).confirmed !== 'yes') {
    return res.redirect(303, `${page}/${action.name}?${new URLSearchParams(fields)}`);
  }
  const input = action.input(name, fields);
  const result = await deps.pages.attempt(deps.calls(), action.spec, input, req, res);
  deps.pages.redirect(
    req,
    res,
    page,
    result.ok
      ? { notice: action.notice(result.output) }
      : { error: result.problem.detail, status: result.problem.status },
  );
}

async function showPackage(
  deps: PackagesPageDeps,
  req: Request,
  res: Response,
  outcome: Outcome = {},
): Promise<void> {
  const { pages } = deps;
  const name = String(req.params.name);
  const result = await pages.attempt(deps.calls(), showCall, { package: name }, req, res);
  if (!result.ok) {
    const message = result.problem.detail;
    return pages.render(
      req,
      res,
      'site/error',
      { title: 'Package', message },
      result.problem.status,
    );
  }
  const rows = result.output.versions;
  const builds = await buildsOf(deps, rows.length ? rows.map((r) => r.source) : [name], req, res);
  const role = pages.principal(req).role;
  const { status, ...data } = outcome;
  pages.render(
    req,
    res,
    'archive/package',
    {
      title: `Package ${name}`,
      name,
      rows,
      groups: versionGroups(deps, rows, builds),
      builds,
      chart: durationChart(builds),
      retryOn: retryOffers(builds),
      shortDuration,
      byteSize,
      may: Object.fromEntries(PACKAGE_ACTIONS.map((a) => [a.name, accessAllows(role, a.access)])),
      ...data,
    },
    status,
  );
}

/**
 * Where Retry is offered: per upload with nothing queued or running, its newest build
 * waiting for build dependencies (tried again now), else its newest failed build.
 */
function retryOffers(builds: readonly BuildSummary[]): number[] {
  const byUpload = new Map<number, BuildSummary[]>();
  for (const b of builds) byUpload.set(b.upload, [...(byUpload.get(b.upload) ?? []), b]);
  return [...byUpload.values()].flatMap((list) =>
    list.some((b) => b.state === 'QUEUED' || b.state === 'BUILDING')
      ? []
      : list
          .filter((b) => b.state === 'DEPWAIT')
          .concat(list.filter((b) => b.state === 'FAILED'))
          .slice(0, 1)
          .map((b) => b.id),
  );
}

/** The builds of the package's sources, newest first. */
async function buildsOf(
  deps: PackagesPageDeps,
  sources: readonly string[],
  req: Request,
  res: Response,
): Promise<BuildSummary[]> {
  const builds: BuildSummary[] = [];
  for (const source of new Set(sources)) {
    const input = { source, limit: 200 };
    const result = await deps.pages.attempt(deps.calls(), buildsCall, input, req, res);
    if (result.ok) builds.push(...result.output);
  }
  return builds.sort((a, b) => b.id - a.id);
}

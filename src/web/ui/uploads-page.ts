import express from 'express';
import type { CallImplementation } from '../../api/api-router.js';
import type { BuildSummary } from '../../api/specs/builds.js';
import {
  UPLOAD_STATE_NAMES,
  uploadCall,
  uploadsCall,
  uploaderText,
} from '../../api/specs/uploads.js';
import { byteSize } from './byte-size.js';
import { shortDuration } from './duration-chart.js';
import { formInput, type PageKit } from './page-kit.js';

export interface UploadsPageDeps {
  pages: PageKit;
  /** The upload calls. */
  calls: readonly CallImplementation[];
}

const FILTERS = ['state', 'source', 'repository', 'uploader', 'before', 'limit'] as const;

/**
 * GET /uploads: the uploads, newest first, with filters; GET /uploads/<id>: one upload
 * with its files, rejection reasons, builds per architecture, events and what it installed.
 */
export function createUploadsPage(deps: UploadsPageDeps): express.Router {
  const { pages, calls } = deps;
  const router = express.Router();
  router.get('/uploads', async (req, res) => {
    const filters = formInput(req.query, FILTERS);
    const result = await pages.attempt(calls, uploadsCall, filters, req, res);
    const uploads = result.ok ? result.output : [];
    const limit = Number(filters.limit ?? 50);
    const last = uploads.at(-1);
    pages.render(
      req,
      res,
      'uploads/uploads',
      {
        title: 'Uploads',
        states: UPLOAD_STATE_NAMES,
        filters,
        uploads,
        uploaderText,
        error: result.ok ? null : result.problem.detail,
        olderUrl:
          last && uploads.length >= limit
            ? `/uploads?${new URLSearchParams({ ...stringsOf(filters), before: String(last.id) })}`
            : null,
      },
      result.ok ? 200 : result.problem.status,
    );
  });
  router.get('/uploads/:id', async (req, res) => {
    const result = await pages.attempt(calls, uploadCall, { upload: req.params.id }, req, res);
    if (!result.ok) {
      // A malformed id is no page either.
      const status = result.problem.status === 400 ? 404 : result.problem.status;
      const message =
        status === 404 ? `There is no upload "${req.params.id}".` : result.problem.detail;
      return pages.render(req, res, 'site/error', { title: 'Upload', message }, status);
    }
    const { upload, builds, events, installed } = result.output;
    pages.render(req, res, 'uploads/upload', {
      title: `Upload ${upload.id}: ${upload.source ?? upload.changesFile}`,
      upload,
      architectures: byArchitecture(builds),
      events,
      installed,
      uploaderText,
      shortDuration,
      byteSize,
      options: optionTexts(upload.options),
    });
  });
  return router;
}

/** The builds per architecture, each architecture's newest attempt first. */
function byArchitecture(builds: readonly BuildSummary[]) {
  const groups = new Map<string, BuildSummary[]>();
  for (const b of builds) groups.set(b.architecture, [...(groups.get(b.architecture) ?? []), b]);
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([architecture, list]) => ({
      architecture,
      archAll: list.some((b) => b.archAll),
      builds: list.sort((a, b) => b.id - a.id),
    }));
}

/**
 * The upload options that were set, as written in the changelog: lintian-mode=errfail,
 * run-lintian[arm64]=false, auto-ports=…; unset ones (null, empty) are left out.
 */
export function optionTexts(options: Record<string, unknown>): string[] {
  const texts: string[] = [];
  for (const [key, value] of Object.entries(options)) {
    const name = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    if (key === 'testModes' && value !== null && typeof value === 'object') {
      // autopkgtest-mode=…, installtest-mode=…, installability-mode=…
      const modes = Object.entries(value).map(([check, per]) => [`${check}Mode`, per]);
      texts.push(...optionTexts(Object.fromEntries(modes)));
      continue;
    }
    if (value === null || value === undefined) continue;
    if (Array.isArray(value)) {
      if (value.length > 0) texts.push(`${name}=${value.join(',')}`);
    } else if (typeof value === 'object' && 'byArchitecture' in value) {
      const per = value as { default?: unknown; byArchitecture: Record<string, unknown> };
      if (per.default !== null && per.default !== undefined)
        texts.push(`${name}=${String(per.default)}`);
      for (const [arch, v] of Object.entries(per.byArchitecture))
        texts.push(`${name}[${arch}]=${String(v)}`);
    } else {
      texts.push(`${name}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
    }
  }
  return texts;
}

function stringsOf(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)]));
}

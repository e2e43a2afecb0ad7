import { open } from 'node:fs/promises';
import express from 'express';
import type { Principal } from '../../api/api-router.js';
import { summary } from '../../api/routers/builds-router.js';
import type { BuildInfo } from '../../scheduler/scheduler.js';
import { AppError, NotFoundError } from '../../shared/errors.js';
import { shortDuration } from './duration-chart.js';
import type { PageKit } from './page-kit.js';

export interface BuildPageDeps {
  pages: PageKit;
  /**
   * A build by id as `principal` may see it (NotFoundError when there is none, and for
   * a build of a private repository an anonymous visitor may not read).
   */
  build(id: number, principal: Principal): BuildInfo;
}

/** The page shows at most this much of a log: its tail (the plain-text link has it all). */
const LOG_TAIL_BYTES = 1024 * 1024;

/**
 * GET /builds/<id>: a build with its log as plain text. While the build is queued or
 * runs, a script follows the log (build_log with follow) and keeps the tail in view.
 */
export function createBuildPage(deps: BuildPageDeps): express.Router {
  const { pages } = deps;
  const router = express.Router();
  router.get('/builds/:id', async (req, res) => {
    const id = /^\d+$/.test(req.params.id) ? Number(req.params.id) : NaN;
    let build: BuildInfo;
    try {
      if (!Number.isSafeInteger(id) || id < 1) {
        throw new NotFoundError(`there is no build "${req.params.id}"`);
      }
      build = deps.build(id, pages.principal(req));
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const message = error.message;
      return pages.render(req, res, 'site/error', { title: 'Build', message }, 404);
    }
    const running = build.state === 'QUEUED' || build.state === 'BUILDING';
    const log = build.logFile ? await logTail(build.logFile) : null;
    pages.render(req, res, 'builds/build', {
      title: `Build ${build.id}: ${build.source} ${build.version}`,
      build: summary(build),
      log,
      shortDuration,
      liveUrl: running ? `/api/v1/build_log?build=${build.id}&follow=true` : null,
      plainUrl: `/api/v1/build_log?build=${build.id}`,
    });
  });
  return router;
}

/** The log's text, or its last LOG_TAIL_BYTES (from a line start) with `cut` set. */
async function logTail(file: string): Promise<{ text: string; cut: boolean } | null> {
  const handle = await open(file, 'r').catch(() => null);
  if (!handle) return null;
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - LOG_TAIL_BYTES);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    const text = buffer.toString('utf8');
    return start === 0
      ? { text, cut: false }
      : { text: text.slice(text.indexOf('\n') + 1), cut: true };
  } finally {
    await handle.close();
  }
}

import { realpathSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import type { ReadAccess } from './auth/read-access.js';

export interface ReposRouterDeps {
  /** `<home>/repos`, holding one folder per repository. */
  reposRoot: string;
  /** Who may read which repository (private repositories); absent: everyone everything. */
  access?: Pick<ReadAccess, 'check'>;
}

const REPO = /^[a-z0-9]+$/;
const SEGMENT = /^[A-Za-z0-9+~_-][A-Za-z0-9.+~_-]*$/;

/** Content types of what an apt repository holds. */
function contentType(file: string): string {
  if (file.endsWith('.deb') || file.endsWith('.udeb'))
    return 'application/vnd.debian.binary-package';
  if (file.endsWith('.gz')) return 'application/gzip';
  if (file.endsWith('.xz')) return 'application/x-xz';
  if (file.endsWith('.gpg')) return 'application/pgp-signature';
  if (/\/by-hash\//.test(file)) return 'application/octet-stream';
  if (
    /\.(dsc|changes|buildinfo)$/.test(file) ||
    /\/(InRelease|Release|Packages|Sources)$/.test(file)
  )
    return 'text/plain; charset=utf-8';
  return 'application/octet-stream';
}

/** Immutable content (pool files, by-hash indices) is cached long; the rest briefly. */
function cacheControl(file: string): string {
  if (file.startsWith('pool/') || file.includes('/by-hash/')) {
    return 'public, max-age=31536000, immutable';
  }
  return 'public, max-age=30, must-revalidate';
}

/**
 * Serves `/repos/<repo>/` (dists and pool, and the same under snapshots/<name>/) read-only with Range, HEAD and conditional
 * GETs. Only plain names are accepted (no dot files, no `..`), and the resolved real
 * path must stay inside the repository's folder, so no symlink leads out of it.
 */
export function createReposRouter(deps: ReposRouterDeps): express.Router {
  const router = express.Router();
  router.get('/repos/:repo/{*rest}', async (req, res, next) => {
    const repo = req.params.repo;
    const rest = (req.params as { rest?: string[] }).rest ?? [];
    if (!REPO.test(repo)) return notFound(res, req.path);
    if (deps.access) {
      const decision = await deps.access.check(repo, req.get('authorization'), req.ip ?? 'unknown');
      if (!decision.ok) return refuse(res, decision);
    }
    if (rest.length === 0 || !rest.every((s) => SEGMENT.test(s))) {
      return notFound(res, req.path);
    }
    // A snapshot is a repository of its own under snapshots/<name>/.
    const tree = rest[0] === 'snapshots' ? rest.slice(2) : rest;
    if (tree[0] !== 'dists' && tree[0] !== 'pool') return notFound(res, req.path);
    const relative = tree.join('/');
    let real: string;
    let root: string;
    try {
      root = realpathSync(path.join(deps.reposRoot, repo));
      real = realpathSync(path.join(root, ...rest));
    } catch {
      return notFound(res, req.path);
    }
    if (!real.startsWith(root + path.sep)) return notFound(res, req.path);
    res.sendFile(
      real,
      {
        dotfiles: 'allow',
        lastModified: true,
        etag: true,
        maxAge: 0,
        headers: { 'Content-Type': contentType(relative), 'Cache-Control': cacheControl(relative) },
      },
      (error?: Error & { code?: string; status?: number }) => {
        if (!error) return;
        if (error.code === 'EISDIR' || error.status === 404) notFound(res, req.path);
        else if (!res.headersSent) next(error);
      },
    );
  });
  return router;
}

/** The same answer for a private repository and for one that does not exist. */
function refuse(
  res: express.Response,
  decision: { status: 401 } | { status: 429; retryAfterSeconds: number },
): void {
  if (decision.status === 429) {
    res.set('Retry-After', String(decision.retryAfterSeconds));
    res.status(429).type('text/plain').send('Too many failed logins; try again later.\n');
    return;
  }
  res.set('WWW-Authenticate', 'Basic realm="debyard repositories", charset="UTF-8"');
  res.status(401).type('text/plain').send('This needs a read token (HTTP basic auth).\n');
}

function notFound(res: express.Response, what: string): void {
  if (!res.headersSent) res.status(404).type('text/plain').send(`Not found: ${what}\n`);
}

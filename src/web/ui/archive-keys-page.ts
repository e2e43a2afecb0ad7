import express, { type Request, type Response } from 'express';
import type { CallImplementation } from '../../api/api-router.js';
import {
  archiveKeysCall,
  keyExportCall,
  keyExtendCall,
  keyImportCall,
  keyRetireCall,
  keyRotateCall,
} from '../../api/specs/archive-keys.js';
import { formInput, outcomeOf, type PageKit } from './page-kit.js';

export interface ArchiveKeysPageDeps {
  pages: PageKit;
  /** The implementations of the archive key calls the forms run. */
  calls: () => readonly CallImplementation[];
}

/**
 * /archive-keys (admins): the archive's signing keys and their expiry; forms to extend,
 * rotate, retire, import and export (a download). A form that failed keeps none of what
 * was typed into it: it may hold a secret key or a passphrase.
 */
export function createArchiveKeysPage(deps: ArchiveKeysPageDeps): express.Router {
  const { pages } = deps;
  const router = express.Router();
  const admin = pages.require('admin');
  router.get('/archive-keys', admin, async (req: Request, res: Response) => {
    const list = await pages.attempt(deps.calls(), archiveKeysCall, {}, req, res);
    pages.render(req, res, 'archive/archive-keys', {
      title: 'Archive keys',
      keys: list.ok ? list.output : [],
    });
  });
  const form = (
    path: string,
    spec: typeof keyExtendCall | typeof keyRotateCall | typeof keyRetireCall | typeof keyImportCall,
    fields: string[],
    done: string,
  ) =>
    router.post(path, admin, async (req, res) => {
      const input = formInput(req.body, fields);
      if (fields.includes('replace')) input.replace = input.replace === 'true';
      const result = await pages.attempt(deps.calls(), spec, input, req, res);
      pages.redirect(
        req,
        res,
        '/archive-keys',
        outcomeOf(result, (o) => ({
          notice: `${done} ${(o as { fingerprint: string }).fingerprint}.`,
        })),
      );
    });
  form('/archive-keys/extend', keyExtendCall, ['expires', 'fingerprint'], 'Extended key');
  form(
    '/archive-keys/rotate',
    keyRotateCall,
    ['algorithm', 'expires', 'retire_at'],
    'New primary key',
  );
  form('/archive-keys/retire', keyRetireCall, ['fingerprint'], 'Retired key');
  form(
    '/archive-keys/import',
    keyImportCall,
    ['key', 'passphrase', 'replace', 'retire_at'],
    'Imported key',
  );
  router.post('/archive-keys/export', admin, async (req, res) => {
    const input = formInput(req.body, ['fingerprint', 'passphrase']);
    const result = await pages.attempt(deps.calls(), keyExportCall, input, req, res);
    if (!result.ok) {
      return pages.redirect(
        req,
        res,
        '/archive-keys',
        outcomeOf(result, () => ({})),
      );
    }
    res.set({
      'Content-Type': 'application/pgp-keys',
      'Content-Disposition': `attachment; filename="archive-key-${result.output.fingerprint}.asc"`,
      'Cache-Control': 'no-store',
    });
    res.send(result.output.armored);
  });
  return router;
}

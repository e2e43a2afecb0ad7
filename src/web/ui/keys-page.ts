import express, { type Request, type Response } from 'express';
import type { CallImplementation } from '../../api/api-router.js';
import { keyAddCall, keyRemoveCall, keysCall } from '../../api/specs/uploader-keys.js';
import { formInput, outcomeOf, type Outcome, type PageKit } from './page-kit.js';

export interface KeysPageDeps {
  pages: PageKit;
  /** The implementations of the uploader key calls the forms run. */
  calls: readonly CallImplementation[];
}

/** /keys: your own OpenPGP uploader keys; add (paste the armored key) and remove. */
export function createKeysPage(deps: KeysPageDeps): express.Router {
  const { pages, calls } = deps;
  const router = express.Router();
  const show = async (req: Request, res: Response, outcome: Outcome = {}) => {
    const list = await pages.attempt(calls, keysCall, {}, req, res);
    const { status, ...data } = outcome;
    pages.render(
      req,
      res,
      'account/keys',
      { title: 'My keys', keys: list.ok ? list.output : [], form: {}, ...data },
      status,
    );
  };
  router.get('/keys', pages.require('login'), (req, res) => show(req, res));
  router.post('/keys', pages.require('login'), async (req, res) => {
    const input = formInput(req.body, ['key', 'comment']);
    const result = await pages.attempt(calls, keyAddCall, input, req, res);
    pages.redirect(
      req,
      res,
      '/keys',
      result.ok
        ? {
            notice: `Added ${result.output.map((k) => k.fingerprint).join(', ')}. An admin decides which repositories it may upload to.`,
          }
        : { ...outcomeOf(result, () => ({})), form: input },
    );
  });
  router.post('/keys/:fingerprint/remove', pages.require('login'), async (req, res) => {
    const input = { fingerprint: req.params.fingerprint };
    const result = await pages.attempt(calls, keyRemoveCall, input, req, res);
    pages.redirect(
      req,
      res,
      '/keys',
      outcomeOf(result, (o) => ({ notice: `Key ${o.removed} removed.` })),
    );
  });
  return router;
}

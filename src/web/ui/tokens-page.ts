import express, { type Request, type Response } from 'express';
import type { CallImplementation } from '../../api/api-router.js';
import { tokenCreateCall, tokenRevokeCall, tokensCall } from '../../api/specs/tokens.js';
import { formInput, outcomeOf, type Outcome, type PageKit } from './page-kit.js';

export interface TokensPageDeps {
  pages: PageKit;
  /** The implementations of the token calls the forms run. */
  calls: readonly CallImplementation[];
}

/** /tokens: your own API tokens; create (the secret is shown once) and revoke. */
export function createTokensPage(deps: TokensPageDeps): express.Router {
  const { pages, calls } = deps;
  const router = express.Router();
  const show = async (req: Request, res: Response, outcome: Outcome = {}) => {
    const list = await pages.attempt(calls, tokensCall, {}, req, res);
    const { status, ...data } = outcome;
    const tokens = list.ok ? list.output : [];
    pages.render(
      req,
      res,
      'account/tokens',
      { title: 'API tokens', tokens, created: null, ...data },
      status,
    );
  };
  router.get('/tokens', pages.require('login'), (req, res) => show(req, res));
  router.post('/tokens', pages.require('login'), async (req, res) => {
    const input = formInput(req.body, ['name', 'expires_days']);
    const result = await pages.attempt(calls, tokenCreateCall, input, req, res);
    pages.redirect(
      req,
      res,
      '/tokens',
      outcomeOf(result, (created) => ({ created })),
    );
  });
  router.post('/tokens/:id/revoke', pages.require('login'), async (req, res) => {
    const result = await pages.attempt(calls, tokenRevokeCall, { id: req.params.id }, req, res);
    pages.redirect(
      req,
      res,
      '/tokens',
      outcomeOf(result, (o) => ({ notice: `Token ${o.revoked} revoked.` })),
    );
  });
  return router;
}

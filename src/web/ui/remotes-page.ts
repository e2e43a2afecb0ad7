import express, { type Request, type Response } from 'express';
import type { CallImplementation } from '../../api/api-router.js';
import {
  remoteAddCall,
  remoteCheckCall,
  remoteRemoveCall,
  remoteScanCall,
  remotesCall,
} from '../../api/specs/remotes.js';
import { formInput, outcomeOf, type Outcome, type PageKit } from './page-kit.js';

export interface RemotesPageDeps {
  pages: PageKit;
  /** The implementations of the remote calls the forms run. */
  calls: readonly CallImplementation[];
}

const ADD_FIELDS = [
  'name',
  'host',
  'port',
  'user',
  'key',
  'key_text',
  'token',
  'api',
  'fingerprint',
  'capacity',
] as const;

/**
 * /remotes (admin): the remote peers with their state; check and remove them; add one in
 * two steps: contact its sshd and see the host key it offers, then add it with that key
 * pinned (a different key by then is refused).
 */
export function createRemotesPage(deps: RemotesPageDeps): express.Router {
  const { pages, calls } = deps;
  const router = express.Router();
  const show = async (req: Request, res: Response, outcome: Outcome = {}) => {
    const list = await pages.attempt(calls, remotesCall, {}, req, res);
    const { status, ...data } = outcome;
    pages.render(
      req,
      res,
      'builds/remotes',
      {
        title: 'Remote peers',
        remotes: list.ok ? list.output : [],
        scanned: null,
        added: null,
        form: {},
        ...data,
      },
      status,
    );
  };
  router.get('/remotes', pages.require('admin'), (req, res) => show(req, res));
  router.post('/remotes/scan', pages.require('admin'), async (req, res) => {
    const input = formInput(req.body, ['host', 'port']);
    const result = await pages.attempt(calls, remoteScanCall, input, req, res);
    pages.redirect(req, res, '/remotes', {
      form: input,
      ...outcomeOf(result, (scanned) => ({ scanned })),
    });
  });
  router.post('/remotes', pages.require('admin'), async (req, res) => {
    const input = formInput(req.body, ADD_FIELDS);
    const result = await pages.attempt(calls, remoteAddCall, input, req, res);
    const { key_text: _secret, token: _token, ...kept } = input;
    pages.redirect(
      req,
      res,
      '/remotes',
      result.ok
        ? { added: result.output, notice: `Remote peer ${result.output.remote.name} added.` }
        : {
            // Back to the second step, the key offered still shown.
            form: kept,
            scanned: input.fingerprint
              ? { text: input.fingerprint, fingerprint: input.fingerprint }
              : null,
            error: result.problem.detail,
            status: result.problem.status,
          },
    );
  });
  router.post(
    '/remotes/:name/check',
    pages.require('admin'),
    pages.itemForm(calls, remoteCheckCall, '/remotes', (r) => ({
      notice: `${r.name} is ${r.state}${r.reason ? `: ${r.reason}` : ''}.`,
    })),
  );
  router.post(
    '/remotes/:name/remove',
    pages.require('admin'),
    pages.itemForm(calls, remoteRemoveCall, '/remotes', (r) => ({
      notice: `Remote peer ${r.removed} removed.`,
    })),
  );
  return router;
}

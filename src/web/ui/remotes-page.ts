import type express from 'express';
import type { CallImplementation } from '../../api/api-router.js';
import {
  remoteAddCall,
  remoteCheckCall,
  remoteRemoveCall,
  remoteScanCall,
  remotesCall,
} from '../../api/specs/remotes.js';
import { formCall, formInput, outcomeOf, type PageKit } from './page-kit.js';

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
  const router = pages.listPage({
    path: '/remotes',
    access: 'admin',
    view: 'builds/remotes',
    title: 'Remote peers',
    calls,
    show: { remotes: [remotesCall, {}] },
    defaults: { scanned: null, added: null },
    add: formCall(remoteAddCall, {
      access: 'admin',
      fields: ADD_FIELDS,
      secret: ['key_text', 'token'],
      onOk: (added) => ({ added, notice: `Remote peer ${added.remote.name} added.` }),
      // Back to the second step, the key offered still shown.
      onError: (form, problem) => ({
        form,
        scanned:
          typeof form.fingerprint === 'string'
            ? { text: form.fingerprint, fingerprint: form.fingerprint }
            : null,
        error: problem.detail,
        status: problem.status,
      }),
    }),
    actions: {
      check: formCall(remoteCheckCall, {
        access: 'admin',
        onOk: (r) => ({ notice: `${r.name} is ${r.state}${r.reason ? `: ${r.reason}` : ''}.` }),
      }),
      remove: formCall(remoteRemoveCall, {
        access: 'admin',
        onOk: (r) => ({ notice: `Remote peer ${r.removed} removed.` }),
      }),
    },
  });
  router.post('/remotes/scan', pages.require('admin'), async (req, res) => {
    const input = formInput(req.body, ['host', 'port']);
    const result = await pages.attempt(calls, remoteScanCall, input, req, res);
    pages.redirect(req, res, '/remotes', {
      form: input,
      ...outcomeOf(result, (scanned) => ({ scanned })),
    });
  });
  return router;
}

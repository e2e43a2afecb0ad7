import type express from 'express';
import type { CallImplementation } from '../../api/api-router.js';
import {
  gitBuildsCall,
  gitSourceAddCall,
  gitSourcePollCall,
  gitSourceRemoveCall,
  gitSourcesCall,
} from '../../api/specs/git-sources.js';
import { formCall, type PageKit } from './page-kit.js';

export interface GitPageDeps {
  pages: PageKit;
  /** The implementations of the git calls the page and its forms run. */
  calls: readonly CallImplementation[];
}

const ADD_FIELDS = [
  'name',
  'url',
  'tags',
  'branches',
  'distribution',
  'layout',
  'upstream_tag',
  'orig_url_prefix',
  'signing_key',
  'poll_minutes',
  'secret',
] as const;

/**
 * /git (staff): the git sources with their webhook URLs and deploy keys, and the latest
 * git builds with their commits and uploads; admins add (the secret and deploy key are
 * shown once), poll and remove sources.
 */
export function createGitPage(deps: GitPageDeps): express.Router {
  return deps.pages.listPage({
    path: '/git',
    access: 'staff',
    view: 'builds/git',
    title: 'Git sources',
    calls: deps.calls,
    show: { sources: [gitSourcesCall, {}], builds: [gitBuildsCall, { limit: 30 }] },
    defaults: { added: null },
    add: formCall(gitSourceAddCall, {
      access: 'admin',
      fields: ADD_FIELDS,
      secret: ['secret'],
      onOk: (added) => ({ added, notice: `Git source ${added.name} added.` }),
    }),
    actions: {
      poll: formCall(gitSourcePollCall, {
        access: 'staff',
        onOk: (started, name) => ({
          notice: started.length
            ? `Polled ${name}: git builds ${started.join(', ')} started.`
            : `Polled ${name}: nothing new to build.`,
        }),
      }),
      remove: formCall(gitSourceRemoveCall, {
        access: 'admin',
        onOk: (s) => ({ notice: `Git source ${s.name} removed.` }),
      }),
    },
  });
}

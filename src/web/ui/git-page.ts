import express, { type Request, type Response } from 'express';
import type { CallImplementation } from '../../api/api-router.js';
import {
  gitBuildsCall,
  gitSourceAddCall,
  gitSourcePollCall,
  gitSourceRemoveCall,
  gitSourcesCall,
} from '../../api/specs/git-sources.js';
import { formInput, type Outcome, type PageKit } from './page-kit.js';

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
  const { pages, calls } = deps;
  const router = express.Router();
  const show = async (req: Request, res: Response) => {
    const sources = await pages.attempt(calls, gitSourcesCall, {}, req, res);
    const builds = await pages.attempt(calls, gitBuildsCall, { limit: 30 }, req, res);
    pages.render(req, res, 'builds/git', {
      title: 'Git sources',
      sources: sources.ok ? sources.output : [],
      builds: builds.ok ? builds.output : [],
      added: null,
      form: {},
    });
  };
  router.get('/git', pages.require('staff'), (req, res) => show(req, res));
  router.post('/git', pages.require('admin'), async (req, res) => {
    const input = formInput(req.body, ADD_FIELDS);
    const result = await pages.attempt(calls, gitSourceAddCall, input, req, res);
    const { secret: _secret, ...kept } = input;
    pages.redirect(
      req,
      res,
      '/git',
      result.ok
        ? { added: result.output, notice: `Git source ${result.output.name} added.` }
        : ({ form: kept, error: result.problem.detail, status: result.problem.status } as Outcome),
    );
  });
  router.post(
    '/git/:name/poll',
    pages.require('staff'),
    pages.itemForm(calls, gitSourcePollCall, '/git', (started, name) => ({
      notice: started.length
        ? `Polled ${name}: git builds ${started.join(', ')} started.`
        : `Polled ${name}: nothing new to build.`,
    })),
  );
  router.post(
    '/git/:name/remove',
    pages.require('admin'),
    pages.itemForm(calls, gitSourceRemoveCall, '/git', (s) => ({
      notice: `Git source ${s.name} removed.`,
    })),
  );
  return router;
}

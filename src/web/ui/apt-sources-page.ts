import express, { type Request, type Response } from 'express';
import type { CallImplementation } from '../../api/api-router.js';
import {
  aptSourceAddCall,
  aptSourceRemoveCall,
  aptSourcesCall,
} from '../../api/specs/apt-sources.js';
import { formInput, outcomeOf, type Outcome, type PageKit } from './page-kit.js';

export interface AptSourcesPageDeps {
  pages: PageKit;
  /** The implementations of the extra-source calls the forms run. */
  calls: readonly CallImplementation[];
}

const ADD_FIELDS = [
  'name',
  'url',
  'suites',
  'components',
  'distributions',
  'key',
  'unsigned',
  'priority',
  'login',
  'password',
] as const;

/**
 * /apt-sources (admin): the extra apt sources builds take build dependencies from; add one
 * (checked as apt will before it is added) and remove one.
 */
export function createAptSourcesPage(deps: AptSourcesPageDeps): express.Router {
  const { pages, calls } = deps;
  const router = express.Router();
  const show = async (req: Request, res: Response, outcome: Outcome = {}) => {
    const list = await pages.attempt(calls, aptSourcesCall, {}, req, res);
    const { status, ...data } = outcome;
    pages.render(
      req,
      res,
      'archive/apt-sources',
      { title: 'Extra apt sources', sources: list.ok ? list.output : [], form: {}, ...data },
      status,
    );
  };
  router.get('/apt-sources', pages.require('admin'), (req, res) => show(req, res));
  router.post('/apt-sources', pages.require('admin'), async (req, res) => {
    const input = formInput(req.body, ADD_FIELDS);
    const result = await pages.attempt(calls, aptSourceAddCall, input, req, res);
    const { password: _secret, ...kept } = input;
    pages.redirect(
      req,
      res,
      '/apt-sources',
      result.ok
        ? { notice: `Extra source ${result.output.name} added.` }
        : { form: kept, error: result.problem.detail, status: result.problem.status },
    );
  });
  router.post('/apt-sources/:name/remove', pages.require('admin'), async (req, res) => {
    const name = req.params.name;
    const result = await pages.attempt(calls, aptSourceRemoveCall, { name }, req, res);
    pages.redirect(
      req,
      res,
      '/apt-sources',
      outcomeOf(result, (s) => ({ notice: `Extra source ${s.name} removed.` })),
    );
  });
  return router;
}

import express, { type Request, type Response } from 'express';
import type { CallImplementation } from '../../api/api-router.js';
import { tokenCreateCall, tokenRevokeCall, tokensCall } from '../../api/specs/tokens.js';
import {
  userAddCall,
  userDisableCall,
  userEnableCall,
  userRoleCall,
  usersCall,
  type UserView,
} from '../../api/specs/users.js';
import { ROLES } from '../../db/users-repository.js';
import { formInput, type Attempt, type PageKit } from './page-kit.js';

export interface AccountPagesDeps {
  pages: PageKit;
  /** The implementations of the token and user calls the forms run. */
  calls: readonly CallImplementation[];
}

type Outcome = { notice?: string; error?: string; status?: number; [key: string]: unknown };

/** /tokens (own API tokens) and /users (admin): each form runs the matching API call. */
export function createAccountPages(deps: AccountPagesDeps): express.Router {
  const { pages, calls } = deps;
  const router = express.Router();

  const tokensPage = async (req: Request, res: Response, outcome: Outcome = {}) => {
    const list = await pages.attempt(calls, tokensCall, {}, req, res);
    const { status, ...data } = outcome;
    pages.render(
      req,
      res,
      'tokens',
      {
        title: 'API tokens',
        tokens: list.ok ? list.output : [],
        created: null,
        ...data,
      },
      status,
    );
  };
  router.get('/tokens', pages.require('login'), (req, res) => tokensPage(req, res));
  router.post('/tokens', pages.require('login'), async (req, res) => {
    const result = await pages.attempt(
      calls,
      tokenCreateCall,
      formInput(req.body, ['name', 'expires_days']),
      req,
      res,
    );
    await tokensPage(req, res, result.ok ? { created: result.output } : failure(result));
  });
  router.post('/tokens/:id/revoke', pages.require('login'), async (req, res) => {
    const result = await pages.attempt(calls, tokenRevokeCall, { id: req.params.id }, req, res);
    await tokensPage(
      req,
      res,
      result.ok ? { notice: `Token ${result.output.revoked} revoked.` } : failure(result),
    );
  });

  const usersPage = async (req: Request, res: Response, outcome: Outcome = {}) => {
    const list = await pages.attempt(calls, usersCall, {}, req, res);
    const { status, ...data } = outcome;
    pages.render(
      req,
      res,
      'users',
      {
        title: 'Users',
        users: list.ok ? list.output : [],
        roles: ROLES,
        added: null,
        ...data,
      },
      status,
    );
  };
  router.get('/users', pages.require('admin'), (req, res) => usersPage(req, res));
  router.post('/users', pages.require('admin'), async (req, res) => {
    const result = await pages.attempt(
      calls,
      userAddCall,
      formInput(req.body, ['name', 'role', 'password']),
      req,
      res,
    );
    await usersPage(
      req,
      res,
      result.ok
        ? { added: result.output, notice: `User ${result.output.name} added.` }
        : failure(result),
    );
  });
  const actions = [
    ['role', userRoleCall, (u: UserView) => `${u.name} now has role ${u.role}.`],
    ['disable', userDisableCall, (u: UserView) => `${u.name} is disabled.`],
    ['enable', userEnableCall, (u: UserView) => `${u.name} is enabled again.`],
  ] as const;
  for (const [action, spec, said] of actions) {
    router.post(`/users/:name/${action}`, pages.require('admin'), async (req, res) => {
      const input = { ...formInput(req.body, ['role']), name: req.params.name };
      const result = await pages.attempt(calls, spec, input, req, res);
      await usersPage(req, res, result.ok ? { notice: said(result.output) } : failure(result));
    });
  }
  return router;
}

function failure(result: Attempt<unknown>): Outcome {
  return result.ok ? {} : { error: result.problem.detail, status: result.problem.status };
}

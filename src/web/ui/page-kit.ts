import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import {
  ANONYMOUS,
  invokeCall,
  type CallContext,
  type CallImplementation,
  type Principal,
} from '../../api/api-router.js';
import { accessAllows, type Access, type CallOutput, type CallSpec } from '../../api/call.js';
import { toProblem, type ProblemDocument } from '../../api/problem.js';
import { AppError } from '../../shared/errors.js';
import { principalOf } from '../auth/authenticator.js';
import { CSRF_FIELD, csrfTokenFor, csrfValid, SAFE_METHODS } from '../auth/csrf.js';
import type { SessionService } from '../auth/session-service.js';
import { eventLinks } from './event-links.js';
import { FlashStore } from './flash-store.js';
import type { NavItem } from './ui-types.js';

export type Attempt<O> = { ok: true; output: O } | { ok: false; problem: ProblemDocument };

const PAGE_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
};

/**
 * What every page router uses: who is asking (session), role guards, rendering in the
 * layout (navigation, CSRF token), and running API calls from forms with the API's own
 * access check and validation.
 */
export class PageKit {
  private readonly flashes: FlashStore<Outcome>;
  private readonly bannerSources: ((principal: Principal) => string | null)[] = [];

  constructor(
    private readonly sessions: SessionService,
    private readonly site: { identity: string; version: string },
    now: () => number = Date.now,
  ) {
    this.flashes = new FlashStore(now);
  }

  principal(req: Request): Principal {
    const active = this.sessions.resolve(req);
    return active ? principalOf(active.user, 'session') : ANONYMOUS;
  }

  /** A warning every page shows at its top while `source` gives one (e.g. a key expiring). */
  addBanner(source: (principal: Principal) => string | null): void {
    this.bannerSources.push(source);
  }

  /** Anonymous visitors are sent to the login page; users without the role get 403. */
  require(access: Access): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      const principal = this.principal(req);
      if (accessAllows(principal.role, access)) return next();
      if (principal.user === null && SAFE_METHODS.has(req.method)) {
        return res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
      }
      const message =
        principal.user === null
          ? `This page needs a logged-in user with role ${access}; log in first.`
          : `This page needs role ${access}; you (${principal.user}) have role ${principal.role}.`;
      this.render(
        req,
        res,
        'site/error',
        { title: 'Permission denied', message },
        principal.user ? 403 : 401,
      );
    };
  }

  /** Refuses unsafe requests without the CSRF token of their page (403). */
  csrfGuard(): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      if (SAFE_METHODS.has(req.method)) return next();
      const presented = (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD];
      if (
        csrfValid(
          req,
          this.sessions.resolve(req),
          typeof presented === 'string' ? presented : undefined,
        )
      ) {
        return next();
      }
      this.render(
        req,
        res,
        'site/error',
        {
          title: 'Form refused',
          message:
            'The form did not carry a valid CSRF token (it was stale, or sent from another site). Reload the page and try again.',
        },
        403,
      );
    };
  }

  render(
    req: Request,
    res: Response,
    view: string,
    data: { title: string } & Record<string, unknown>,
    status = 200,
  ): void {
    const active = this.sessions.resolve(req);
    const principal = this.principal(req);
    const nav = ((res.locals.nav ?? []) as NavItem[]).filter((item) =>
      accessAllows(principal.role, item.access),
    );
    // What the form post that led here left for this page (once); the live updates'
    // background loads of a page (static/debyard.js) leave it for the page itself.
    const background = req.get('x-debyard-refresh') !== undefined;
    const flash =
      active && !background && SAFE_METHODS.has(req.method)
        ? this.flashes.take(String(active.session.id), req.path)
        : undefined;
    const { status: flashStatus, ...flashData } = flash ?? {};
    res.set(PAGE_HEADERS);
    res.status(status === 200 ? (flashStatus ?? 200) : status).render(view, {
      principal,
      csrfToken: csrfTokenFor(req, res, active),
      nav,
      path: req.path,
      site: this.site,
      notice: null,
      error: null,
      banners: this.bannerSources.map((b) => b(principal)).filter((b) => b !== null),
      eventLinks,
      ...data,
      ...flashData,
    });
  }

  /**
   * Ends a form post (Post/Redirect/Get): the outcome (a notice, or the problem with its
   * status, and what the page shows with it) waits for the page at `to`, and the browser
   * is sent there with 303, so reloading it or going back never posts the form again.
   */
  redirect(req: Request, res: Response, to: string, outcome: Outcome = {}): void {
    const active = this.sessions.resolve(req);
    if (active && Object.keys(outcome).length > 0) {
      const path = new URL(to, 'http://page.invalid').pathname;
      this.flashes.put(String(active.session.id), path, outcome);
    }
    res.redirect(303, to);
  }

  /**
   * The handler of a form post on one named item (a route with `:name`): runs `spec` with
   * `{ name }` and returns to `to` with what `onOk` makes of the output, or the problem.
   */
  itemForm<S extends CallSpec>(
    implementations: readonly CallImplementation[] | (() => readonly CallImplementation[]),
    spec: S,
    to: string,
    onOk: (output: CallOutput<S>, name: string) => Outcome,
  ): RequestHandler {
    return async (req: Request, res: Response) => {
      const name = String(req.params.name);
      const calls = typeof implementations === 'function' ? implementations() : implementations;
      const result = await this.attempt(calls, spec, { name }, req, res);
      this.redirect(
        req,
        res,
        to,
        outcomeOf(result, (output) => onOk(output, name)),
      );
    };
  }

  /**
   * The router of a list page (`config.path`): a GET that shows what the `show` calls
   * list, an add form posted to the page itself and the actions on one item posted to
   * `<path>/:name/<action>`; each post ends in a redirect back to the page with its outcome
   * (a refused add keeps the form, less its secrets).
   */
  listPage(config: ListPageConfig): express.Router {
    const router = express.Router();
    const calls = () => (typeof config.calls === 'function' ? config.calls() : config.calls);
    const guard = (access: Access | undefined): RequestHandler[] =>
      access ? [this.require(access)] : [];
    router.get(config.path, ...guard(config.access), async (req, res) => {
      const shown: Record<string, unknown> = {};
      for (const [key, [spec, input]] of Object.entries(config.show)) {
        const list = await this.attempt(calls(), spec, input, req, res);
        shown[key] = list.ok ? list.output : [];
      }
      this.render(req, res, config.view, {
        title: config.title,
        ...config.defaults,
        ...shown,
        form: {},
      });
    });
    const post = (path: string, form: FormCall, name?: string) =>
      router.post(path, this.require(form.access), async (req, res) => {
        const raw = formFields(req.body, form.fields);
        const input = name === undefined ? raw : { ...raw, name: String(req.params[name]) };
        const result = await this.attempt(calls(), form.spec, input, req, res);
        const kept = keptForm(req.body, form);
        this.redirect(
          req,
          res,
          config.path,
          result.ok
            ? form.onOk(result.output, String(input.name ?? ''))
            : (form.onError?.(kept, result.problem) ?? {
                ...(name === undefined && { form: kept }),
                error: result.problem.detail,
                status: result.problem.status,
              }),
        );
      });
    if (config.add) post(config.path, config.add);
    for (const [action, form] of Object.entries(config.actions ?? {})) {
      post(`${config.path}/:name/${action}`, form, 'name');
    }
    return router;
  }

  /** Runs an API call for a form; AppErrors come back as problems to show. */
  async attempt<S extends CallSpec>(
    implementations: readonly CallImplementation[],
    spec: S,
    raw: unknown,
    req: Request,
    res: Response,
  ): Promise<Attempt<CallOutput<S>>> {
    const context: CallContext = {
      principal: this.principal(req),
      signal: new AbortController().signal,
      request: req,
      response: res,
    };
    try {
      return { ok: true, output: await invokeCall(implementations, spec, raw, context) };
    } catch (error) {
      if (!(error instanceof AppError) || error.code === 'internal') throw error;
      return { ok: false, problem: toProblem(error) };
    }
  }
}

/** Form fields as call input: empty fields are left out, the CSRF field is dropped. */
export function formInput(body: unknown, fields: readonly string[]): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const field of fields) {
    const value = (body as Record<string, unknown> | undefined)?.[field];
    if (typeof value === 'string' && value.trim() !== '') input[field] = value.trim();
  }
  return input;
}

/** A form of a list page: the call it runs, who may post it, and what its outcome says. */
export interface FormCall {
  spec: CallSpec;
  access: Access;
  /** The form fields the call takes (empty ones left out), or the input made of the body. */
  fields: readonly string[] | ((body: unknown) => Record<string, unknown>);
  /** Fields a refused form does not keep (passwords, secrets). */
  secret: readonly string[];
  onOk(output: unknown, name: string): Outcome;
  /** What a refused form shows (default: the problem, and the form as posted for an add). */
  onError?(form: Record<string, unknown>, problem: ProblemDocument): Outcome;
}

/** A form of a list page for `spec` (its output typed for `onOk`). */
export function formCall<S extends CallSpec>(
  spec: S,
  options: {
    access: Access;
    fields?: FormCall['fields'];
    secret?: readonly string[];
    onOk: (output: CallOutput<S>, name: string) => Outcome;
    onError?: FormCall['onError'];
  },
): FormCall {
  return {
    spec,
    access: options.access,
    fields: options.fields ?? [],
    secret: options.secret ?? [],
    onOk: options.onOk as FormCall['onOk'],
    ...(options.onError && { onError: options.onError }),
  };
}

/** What `PageKit.listPage` makes a page of. */
export interface ListPageConfig {
  /** The page's path; its add form posts there, its item actions to `<path>/:name/<action>`. */
  path: string;
  /** Who sees the page (default: everyone; the calls still check their own access). */
  access?: Access;
  view: string;
  title: string;
  calls: readonly CallImplementation[] | (() => readonly CallImplementation[]);
  /** What the page lists: template key → [call, its input]; a refused call lists nothing. */
  show: Record<string, readonly [CallSpec, Record<string, unknown>]>;
  /** Further template data before any form outcome (e.g. `added: null`). */
  defaults?: Record<string, unknown>;
  add?: FormCall;
  /** Actions on one item: `<path>/:name/<action>` runs the call with the item's name. */
  actions?: Record<string, FormCall>;
}

function formFields(body: unknown, fields: FormCall['fields']): Record<string, unknown> {
  return typeof fields === 'function' ? fields(body) : formInput(body, fields);
}

/** The form as posted, for showing it again: its fields (or whole body), less secrets. */
function keptForm(body: unknown, form: FormCall): Record<string, unknown> {
  const posted =
    typeof form.fields === 'function'
      ? { ...(body as Record<string, unknown>) }
      : formInput(body, form.fields);
  for (const field of [...form.secret, CSRF_FIELD]) delete posted[field];
  return posted;
}

/** What a page shows after a form: a notice and data on success, the problem otherwise. */
export interface Outcome {
  notice?: string;
  error?: string;
  status?: number;
  [key: string]: unknown;
}

export function outcomeOf<O>(result: Attempt<O>, onOk: (output: O) => Outcome): Outcome {
  return result.ok
    ? onOk(result.output)
    : { error: result.problem.detail, status: result.problem.status };
}

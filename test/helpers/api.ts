import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Daemon } from '../../src/app/daemon.js';

export interface ApiAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  headers: Headers;
}

/**
 * Calls `/api/v1/<name>` as a client would: GET with a query string, POST with JSON.
 * `token` becomes a bearer token; `cookie` and `csrf` act as the web UI does.
 */
export async function api(
  base: string,
  name: string,
  options: {
    method?: 'GET' | 'POST';
    input?: Record<string, unknown>;
    token?: string;
    cookie?: string;
    csrf?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<ApiAnswer> {
  const method = options.method ?? 'GET';
  const url = new URL(`${base}/api/v1/${name}`);
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.cookie) headers.cookie = options.cookie;
  if (options.csrf) headers['x-csrf-token'] = options.csrf;
  let body: string | undefined;
  if (method === 'GET') {
    for (const [key, value] of Object.entries(options.input ?? {})) {
      for (const item of Array.isArray(value) ? value : [value]) {
        url.searchParams.append(key, String(item));
      }
    }
  } else {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.input ?? {});
  }
  const response = await fetch(url, { method, headers, body });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? JSON.parse(text) : null,
    headers: response.headers,
  };
}

/** The first admin's password, as the daemon wrote it on first start. */
export function adminPassword(daemon: Daemon): string {
  return readFileSync(path.join(daemon.layout.root, 'admin-password'), 'utf8').trim();
}

/** A fresh API token of the first admin. */
export async function adminToken(daemon: Daemon): Promise<string> {
  const answer = await api(daemon.url, 'token_create', {
    method: 'POST',
    input: { user: 'admin', password: adminPassword(daemon), name: 'test' },
  });
  if (answer.status !== 200) throw new Error(`admin login failed: ${JSON.stringify(answer.body)}`);
  return answer.body.token as string;
}

/** Adds a user with a role (as the admin) and returns a token of theirs. */
export async function userWithToken(
  daemon: Daemon,
  admin: string,
  name: string,
  role: 'login' | 'staff' | 'admin',
): Promise<{ token: string; password: string }> {
  const password = `${name}-password-123`;
  const added = await api(daemon.url, 'user_add', {
    method: 'POST',
    token: admin,
    input: { name, role, password },
  });
  if (added.status !== 200) throw new Error(`user_add failed: ${JSON.stringify(added.body)}`);
  const created = await api(daemon.url, 'token_create', {
    method: 'POST',
    input: { user: name, password, name: 'test' },
  });
  return { token: created.body.token as string, password };
}

/** Logs in through the web form as a browser would; returns the session cookie and CSRF token. */
export async function webLogin(
  base: string,
  user: string,
  password: string,
): Promise<{ cookie: string; csrf: string }> {
  const form = await fetch(`${base}/login`);
  const csrfCookie = form.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  const response = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie },
    body: new URLSearchParams({ _csrf: token, user, password, next: '/' }),
  });
  if (response.status !== 303) throw new Error(`web login failed with ${response.status}`);
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith('debyard_session='))!;
  const page = await (await fetch(`${base}/`, { headers: { cookie } })).text();
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(page)![1]!;
  return { cookie, csrf };
}

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { AuthenticationError, InvalidInputError } from '../../shared/errors.js';

/** The forges whose push webhooks debyard understands. */
export type Forge = 'github' | 'gitea' | 'gitlab';

/** A push as a forge's webhook told it, once its secret checked out. */
export type ForgeDelivery =
  | { kind: 'push'; forge: Forge; delivery: string; ref: string; commit: string | null }
  | { kind: 'ping'; forge: Forge; delivery: string }
  | { kind: 'other'; forge: Forge; delivery: string; event: string };

/** The request, reduced to what the verification reads. Header names in lower case. */
export interface HookRequest {
  headers: Readonly<Record<string, string | undefined>>;
  body: Buffer;
}

const ZERO_COMMIT = /^0+$/;

/**
 * Which forge sent a webhook, by its signature header: GitHub's X-Hub-Signature-256
 * (`sha256=` HMAC-SHA256 of the body), Gitea's and Forgejo's X-Gitea-Signature (the
 * HMAC in hex), GitLab's X-Gitlab-Token (the secret itself). Refuses a request with
 * none as unsigned.
 */
export function forgeOf(headers: HookRequest['headers']): Forge {
  if (headers['x-hub-signature-256'] !== undefined) return 'github';
  if (headers['x-gitea-signature'] !== undefined) return 'gitea';
  if (headers['x-gitlab-token'] !== undefined) return 'gitlab';
  throw new AuthenticationError(
    'the webhook is unsigned: it carries none of X-Hub-Signature-256 (GitHub), X-Gitea-Signature (Gitea, Forgejo) or X-Gitlab-Token (GitLab); set the secret debyard showed in the forge’s webhook settings',
  );
}

/** Compares in constant time (digests first, so lengths leak nothing). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Checks the signature (or token) of a webhook against the source's secret. */
export function verifyHook(request: HookRequest, secret: string): Forge {
  const forge = forgeOf(request.headers);
  const hmac = createHmac('sha256', secret).update(request.body).digest('hex');
  const given = (name: string) => (request.headers[name] ?? '').trim();
  const ok =
    forge === 'github'
      ? sameSecret(given('x-hub-signature-256').toLowerCase(), `sha256=${hmac}`)
      : forge === 'gitea'
        ? sameSecret(given('x-gitea-signature').toLowerCase(), hmac)
        : sameSecret(given('x-gitlab-token'), secret);
  if (!ok) {
    throw new AuthenticationError(
      forge === 'gitlab'
        ? 'the webhook’s X-Gitlab-Token is not this git source’s secret'
        : `the webhook’s ${forge === 'github' ? 'X-Hub-Signature-256' : 'X-Gitea-Signature'} does not match the HMAC-SHA256 of its body with this git source’s secret`,
    );
  }
  return forge;
}

const DELIVERY_HEADERS: Record<Forge, readonly string[]> = {
  github: ['x-github-delivery'],
  gitea: ['x-gitea-delivery', 'x-forgejo-delivery'],
  gitlab: ['x-gitlab-event-uuid', 'idempotency-key'],
};

const EVENT_HEADERS: Record<Forge, readonly string[]> = {
  github: ['x-github-event'],
  gitea: ['x-gitea-event', 'x-forgejo-event'],
  gitlab: ['x-gitlab-event'],
};

/** Reads a verified webhook: its delivery id, and the ref and commit of a push. */
export function readDelivery(request: HookRequest, forge: Forge): ForgeDelivery {
  const first = (names: readonly string[]) =>
    names.map((n) => request.headers[n]?.trim()).find((v) => v !== undefined && v !== '');
  const delivery = first(DELIVERY_HEADERS[forge]);
  if (delivery === undefined || !/^[A-Za-z0-9._:-]{1,100}$/.test(delivery)) {
    throw new InvalidInputError(
      `the webhook has no usable delivery id (${DELIVERY_HEADERS[forge].join(' or ')}); debyard needs it to refuse replays`,
    );
  }
  const event = first(EVENT_HEADERS[forge]) ?? '';
  if (event === 'ping' || event === 'System Hook') return { kind: 'ping', forge, delivery };
  const push = forge === 'gitlab' ? /^(Tag )?Push Hook$/.test(event) : event === 'push';
  if (!push) return { kind: 'other', forge, delivery, event };
  let payload: { ref?: unknown; after?: unknown; checkout_sha?: unknown };
  try {
    payload = JSON.parse(request.body.toString('utf8')) as typeof payload;
  } catch (error) {
    throw new InvalidInputError(
      'the push webhook’s body is not JSON (set the content type application/json in the forge)',
      { cause: error },
    );
  }
  if (typeof payload?.ref !== 'string' || !payload.ref.startsWith('refs/')) {
    throw new InvalidInputError(
      'the push webhook names no ref (a "ref" like refs/tags/debian/1.0-1)',
    );
  }
  const after = typeof payload.after === 'string' ? payload.after : null;
  const commit =
    after !== null && /^[0-9a-f]{40,64}$/.test(after) && !ZERO_COMMIT.test(after) ? after : null;
  return { kind: 'push', forge, delivery, ref: payload.ref, commit };
}

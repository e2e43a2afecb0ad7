import type { EventInput, StoredEvent } from '../events/event.js';
import { AppError } from '../shared/errors.js';
import type { CallContext, CallImplementation } from './api-router.js';
import { commandName } from './call.js';

/** Input fields whose values never go into an event: secrets and key material. */
const SECRET_FIELD = /pass|secret|token|^key$|armored/i;

/** Calls peers make of each other over their SSH tunnel: machine traffic, not admin actions. */
const NOT_AUDITED = /^peer_/;

export interface AuditDeps {
  /** Records and publishes an event (the event log's `emit`). */
  emit: (event: EventInput) => StoredEvent;
}

/**
 * The audit trail: every change a user makes through a call (POST, over HTTP or from a
 * web form) becomes an AUDIT event naming the acting user, the call, its input with
 * secrets left out, and its outcome; `debyard events --type AUDIT --user NAME` finds them.
 */
export function withAudit(
  implementations: readonly CallImplementation[],
  deps: AuditDeps,
): CallImplementation[] {
  return implementations.map((implementation) => {
    const { spec } = implementation;
    if (spec.method !== 'POST' || NOT_AUDITED.test(spec.name)) return implementation;
    return {
      ...implementation,
      async handle(input: unknown, context: CallContext) {
        const actor = actorOf(spec.name, input, context);
        if (actor === null) return implementation.handle(input, context);
        try {
          const output: unknown = await implementation.handle(input, context);
          deps.emit(auditEvent(spec.name, input, context, actor, 'done'));
          return output;
        } catch (error) {
          const code = error instanceof AppError ? error.code : 'internal';
          deps.emit(auditEvent(spec.name, input, context, actor, `failed (${code})`));
          throw error;
        }
      },
    };
  });
}

/** Who acts: the logged-in user; for token_create (password login), the user named. */
function actorOf(call: string, input: unknown, context: CallContext): string | null {
  if (context.principal.user !== null) return context.principal.user;
  const named = (input as { user?: unknown } | null)?.user;
  return call === 'token_create' && typeof named === 'string' ? named : null;
}

function auditEvent(
  call: string,
  input: unknown,
  context: CallContext,
  actor: string,
  outcome: string,
): EventInput {
  const shown = redact(input);
  const args = Object.entries(shown)
    .filter(([, v]) => v !== undefined && v !== false && v !== '[secret]')
    .map(([k, v]) =>
      v === true ? `--${k}` : `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`,
    )
    .join(' ');
  return {
    type: 'AUDIT',
    actor,
    message: `${actor}: ${commandName({ name: call })}${args ? ` ${args}` : ''}: ${outcome}`,
    details: {
      call,
      input: shown,
      outcome,
      role: context.principal.role,
      via: context.principal.via ?? 'password',
      address: context.request?.ip ?? null,
    },
  };
}

function redact(input: unknown): Record<string, unknown> {
  if (typeof input !== 'object' || input === null) return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    out[key] = SECRET_FIELD.test(key) ? '[secret]' : clip(value);
  }
  return out;
}

/** Long values (a pasted text) are cut to keep events small. */
function clip(value: unknown): unknown {
  if (typeof value === 'string' && value.length > 200) return `${value.slice(0, 200)}…`;
  return value;
}

import type { EventInput } from '../../events/event.js';
import type { ArchiveKey, ArchiveKeys } from '../../pgp/archive-keys.js';
import type { KeyInfo } from '../../pgp/key-info.js';
import type { Clock } from '../../shared/clock.js';
import { parseWhen } from '../../shared/when.js';
import { implement, type CallContext, type CallImplementation } from '../api-router.js';
import {
  archiveKeysCall,
  keyExportCall,
  keyExtendCall,
  keyImportCall,
  keyRetireCall,
  keyRotateCall,
  type ArchiveKeyView,
} from '../specs/archive-keys.js';

export interface ArchiveKeysRouterDeps {
  keys: () => Pick<
    ArchiveKeys,
    'list' | 'signer' | 'import' | 'rotate' | 'extend' | 'retire' | 'exportSecret'
  >;
  /** Records and publishes a KEY event. */
  emit: (event: EventInput) => void;
  /** After the keys changed: re-sign every distribution, upload the keyring package again. */
  changed: (what: string, actor: string | null) => Promise<void>;
  clock: Clock;
}

const DAY = 86_400_000;

/** The archive key calls: list, import, export, extend, rotate, retire. */
export function archiveKeyRoutes(deps: ArchiveKeysRouterDeps): CallImplementation[] {
  const { clock } = deps;
  const view = (fingerprint: string) => {
    const found = deps
      .keys()
      .list()
      .find((k) => k.info.fingerprint === fingerprint);
    return archiveKeyView(found!, signingNow(deps), clock.now());
  };
  const event = (context: CallContext, message: string, key: KeyInfo, extra = {}) =>
    deps.emit({
      type: 'KEY',
      actor: context.principal.user,
      message,
      details: { fingerprint: key.fingerprint, ...extra },
    });
  return [
    implement(archiveKeysCall, () => {
      const signing = signingNow(deps);
      return deps
        .keys()
        .list()
        .map((k) => archiveKeyView(k, signing, clock.now()));
    }),
    implement(keyImportCall, async (input, context) => {
      const retireAt = input.retire_at
        ? parseWhen(input.retire_at, clock.now(), 'retire_at')
        : null;
      const key = await deps.keys().import({
        armored: input.key,
        passphrase: input.passphrase,
        replace: input.replace,
        retireAt,
      });
      event(context, `archive key ${key.fingerprint} (${key.algorithm}) imported`, key, {
        replace: input.replace,
        retireAt: retireAt?.toISOString() ?? null,
      });
      await deps.changed('key imported', context.principal.user);
      return view(key.fingerprint);
    }),
    implement(keyExportCall, async (input, context) => {
      const armored = await deps.keys().exportSecret(input.fingerprint, input.passphrase);
      const fingerprint = fingerprintOf(deps, input.fingerprint);
      const key = deps
        .keys()
        .list()
        .find((k) => k.info.fingerprint === fingerprint)!.info;
      event(
        context,
        `archive secret key ${fingerprint} exported by ${context.principal.user}`,
        key,
        {
          protected: input.passphrase !== undefined,
        },
      );
      return { fingerprint, armored };
    }),
    implement(keyExtendCall, async (input, context) => {
      const expires =
        input.expires === 'never' ? null : parseWhen(input.expires, clock.now(), 'expires');
      const key = await deps.keys().extend(input.fingerprint, expires);
      event(
        context,
        `archive key ${key.fingerprint} now expires ${expires ? expires.toISOString() : 'never'}`,
        key,
        { expires: expires?.toISOString() ?? null },
      );
      await deps.changed('key extended', context.principal.user);
      return view(key.fingerprint);
    }),
    implement(keyRotateCall, async (input, context) => {
      const now = clock.now();
      const key = await deps.keys().rotate({
        algorithm: input.algorithm,
        expires: input.expires ? parseWhen(input.expires, now, 'expires') : null,
        retireAt: input.retire_at ? parseWhen(input.retire_at, now, 'retire_at') : null,
      });
      event(
        context,
        `archive key rotated: new primary key ${key.fingerprint} (${key.algorithm})`,
        key,
      );
      await deps.changed('key rotated', context.principal.user);
      return view(key.fingerprint);
    }),
    implement(keyRetireCall, async (input, context) => {
      const key = await deps.keys().retire(input.fingerprint);
      event(context, `archive key ${key.fingerprint} retired: it signs no more`, key);
      await deps.changed('key retired', context.principal.user);
      return view(key.fingerprint);
    }),
  ];
}

function signingNow(deps: ArchiveKeysRouterDeps): Set<string> {
  return new Set(
    deps
      .keys()
      .signer()
      .keys.map((k) => k.fingerprint),
  );
}

function fingerprintOf(deps: ArchiveKeysRouterDeps, wanted: string | undefined): string {
  const keys = deps.keys().list();
  if (!wanted) return keys[0]!.info.fingerprint;
  return keys.find((k) => k.info.fingerprint.endsWith(wanted))!.info.fingerprint;
}

export function archiveKeyView(key: ArchiveKey, signing: Set<string>, now: Date): ArchiveKeyView {
  const { info } = key;
  return {
    fingerprint: info.fingerprint,
    algorithm: info.algorithm,
    userId: info.userId,
    state: key.state,
    signing: signing.has(info.fingerprint),
    created: info.created.toISOString(),
    expires: info.expires?.toISOString() ?? null,
    daysLeft: daysLeft(info, now),
    retireAt: key.retireAt?.toISOString() ?? null,
    publicKey: key.publicKey,
  };
}

/** Whole days until the key expires (rounded down; negative once expired); null: never. */
export function daysLeft(info: Pick<KeyInfo, 'expires'>, now: Date): number | null {
  if (!info.expires) return null;
  return Math.floor((info.expires.getTime() - now.getTime()) / DAY);
}

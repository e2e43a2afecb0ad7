import { archiveKeyRoutes, daysLeft } from '../../api/routers/archive-keys-router.js';
import { MetaRepository } from '../../db/meta-repository.js';
import type { Requester } from '../../incoming/requester.js';
import type { KeyringPackages } from '../../own-uploads/keyring-packages.js';
import { describeError } from '../../shared/errors.js';
import type { CallImplementation } from '../../api/api-router.js';
import { createArchiveKeysPage } from '../../web/ui/archive-keys-page.js';
import type { PageKit } from '../../web/ui/page-kit.js';
import type { AppContext, DaemonPart } from '../part.js';
import type { ArchivePart } from './archive-part.js';

export interface KeysPartDeps {
  archive: ArchivePart;
  keyring: Pick<KeyringPackages, 'upload'>;
  pages: PageKit;
  /** Every call of the daemon (audited), asked per request: the page's forms run them. */
  calls: () => readonly CallImplementation[];
}

/** Days before a signing key's expiry from which the daemon warns (event, banner). */
export const EXPIRY_WARNING_DAYS = 30;
const CHECK_INTERVAL_MS = 60 * 60_000;

/**
 * The archive key lifecycle: the key calls (import, export, extend, rotate, retire),
 * and after each change every distribution signed again and the keyring package
 * uploaded again. Hourly (and at start) it retires the retiring keys whose date has
 * come and warns (a KEY event a day, the web banner) when a signing key expires within
 * EXPIRY_WARNING_DAYS days.
 */
export function keysPart(ctx: AppContext, deps: KeysPartDeps): DaemonPart {
  const logger = ctx.logger.child({ module: 'keys' });
  const { archive } = deps;
  const meta = new MetaRepository(ctx.db);
  let timer: NodeJS.Timeout | undefined;

  /** Re-signs every distribution (awaited), then uploads the keyring package (not). */
  const changed = async (what: string, actor: string | null) => {
    await archive.service.resignAll(ctx.shutdown);
    warnExpiring();
    const requester: Requester = { kind: 'user', name: actor ?? 'debyard', role: 'admin' };
    const baseUrl = ctx.settings.http.publicUrl ?? ctx.localUrl();
    deps.keyring.upload({ baseUrl, requester }, ctx.shutdown).then(
      (outcomes) => logger.info(`${what}: keyring package uploaded again`, { outcomes }),
      (error: unknown) => {
        if (ctx.shutdown.aborted) return;
        ctx.events.emit({
          type: 'KEY',
          message: `${what}, but the keyring package was not uploaded again: ${describeError(error)}; run: debyard keyring-package`,
        });
      },
    );
  };

  const expiring = () => {
    const now = ctx.clock.now();
    return archive
      .releaseKeys()
      .keys.map((info) => ({ info, days: daysLeft(info, now) }))
      .filter((k): k is { info: typeof k.info; days: number } => k.days !== null)
      .filter((k) => k.days <= EXPIRY_WARNING_DAYS);
  };

  const check = async () => {
    for (const key of await archive.keys().retireDue()) {
      ctx.events.emit({
        type: 'KEY',
        message: `archive key ${key.fingerprint} retired at its date: it signs no more`,
        details: { fingerprint: key.fingerprint },
      });
      await changed('key retired', null);
    }
    warnExpiring();
  };

  /** A KEY event a day for each signing key that expires within EXPIRY_WARNING_DAYS. */
  const warnExpiring = () => {
    const today = ctx.clock.now().toISOString().slice(0, 10);
    for (const { info, days } of expiring()) {
      const stamp = `keys.expiry-warned.${info.fingerprint}`;
      if (meta.get(stamp) === today) continue;
      meta.set(stamp, today);
      ctx.events.emit({
        type: 'KEY',
        message: `archive key ${info.fingerprint} ${days < 0 ? 'has expired' : `expires in ${days} days`}; extend it: debyard key-extend 1y`,
        details: { fingerprint: info.fingerprint, daysLeft: days, warning: 'expiry' },
      });
    }
  };

  deps.pages.addBanner(() => {
    let soon: ReturnType<typeof expiring>;
    try {
      soon = expiring();
    } catch {
      return null; // the keys are not loaded yet
    }
    if (soon.length === 0) return null;
    return soon
      .map(
        ({ info, days }) =>
          `The archive key ${info.fingerprint} ${days < 0 ? 'has expired' : `expires in ${days} days`}: apt clients will refuse this archive's Release files then. An admin extends it with: debyard key-extend 1y`,
      )
      .join(' ');
  });

  return {
    name: 'keys',
    calls: archiveKeyRoutes({
      keys: () => archive.keys(),
      emit: (event) => ctx.events.emit(event),
      changed,
      clock: ctx.clock,
    }),
    routers: [createArchiveKeysPage({ pages: deps.pages, calls: deps.calls })],
    ui: { nav: [{ href: '/archive-keys', label: 'Archive keys', access: 'admin', order: 45 }] },
    async start() {
      const run = () =>
        check().catch((error) =>
          logger.error('archive key check failed', { error: describeError(error) }),
        );
      await run();
      timer = setInterval(() => void run(), CHECK_INTERVAL_MS);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
    },
  };
}

/** Days left of each signing key that expires (the metrics gauge); none while starting. */
export function keyDaysLeft(
  archive: Pick<ArchivePart, 'releaseKeys'>,
  now: Date,
): { fingerprint: string; days: number }[] {
  let keys;
  try {
    keys = archive.releaseKeys().keys;
  } catch {
    return [];
  }
  return keys.flatMap((info) => {
    const days = daysLeft(info, now);
    return days === null ? [] : [{ fingerprint: info.fingerprint, days }];
  });
}

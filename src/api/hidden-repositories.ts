import type { ArchiveConfig } from '../archive/archive-config.js';
import type { EventFilter } from '../events/event.js';
import { NotFoundError } from '../shared/errors.js';
import type { Principal } from './api-router.js';

/**
 * The repositories a caller may not see: the private ones, for anonymous callers (a
 * logged-in user sees every repository). Read calls answer about these exactly as
 * about repositories that do not exist.
 */
export function hiddenRepositories(
  config: Pick<ArchiveConfig, 'repositories'>,
  principal: Principal,
): Set<string> {
  if (principal.user !== null) return new Set();
  return new Set(
    config
      .repositories()
      .filter((r) => r.private)
      .map((r) => r.id),
  );
}

/** Throws the "no such repository" error of ArchiveConfig for a hidden repository. */
export function assertVisible(hidden: ReadonlySet<string>, repository: string): void {
  if (hidden.has(repository)) throw new NotFoundError(`there is no repository "${repository}"`);
}

/**
 * What an anonymous caller may not read of the event log: the events of private
 * repositories, and the audit trail (AUDIT: who did what, with which input). A
 * logged-in user reads everything.
 */
export function hiddenEvents(
  config: Pick<ArchiveConfig, 'repositories'>,
  principal: Principal,
): Pick<EventFilter, 'hiddenRepositories' | 'hiddenTypes'> {
  if (principal.user !== null) return {};
  return { hiddenRepositories: [...hiddenRepositories(config, principal)], hiddenTypes: ['AUDIT'] };
}

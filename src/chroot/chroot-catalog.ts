import type { ResolvedDefinition } from './base-operations.js';
import type { ChrootKey } from './chroot-paths.js';
import { resolveDefinition, type ChrootDefinition } from './definition.js';
import type { HostInfo } from './host-info.js';

/** The chroot definitions together with what the host contributes (default, mirror). */
export class ChrootCatalog {
  constructor(
    private readonly definitions: ReadonlyMap<string, ChrootDefinition>,
    private readonly host: HostInfo,
    private readonly definitionsDir: string,
  ) {}

  /** The default chroot: the host's codename and architecture. */
  get defaultKey(): ChrootKey {
    return { codename: this.host.codename, architecture: this.host.architecture };
  }

  /** The definition of a chroot and its mirror; NotFoundError for unknown codenames. */
  resolve(key: ChrootKey): ResolvedDefinition {
    const definition = resolveDefinition(this.definitions, key.codename, key.architecture, {
      codename: this.host.codename,
      definitionsDir: this.definitionsDir,
    });
    return { definition, mirror: definition.mirror ?? this.host.mirror };
  }

  /** Whether this host could create a chroot: a definition for it, the host's architecture. */
  canCreate(key: ChrootKey): boolean {
    if (key.architecture !== this.host.architecture) return false;
    try {
      this.resolve(key);
      return true;
    } catch {
      return false;
    }
  }
}

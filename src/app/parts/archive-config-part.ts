import { ArchiveConfig } from '../../archive/archive-config.js';
import { distributionSpec } from '../../archive/model/repository.js';
import { detectHostSystem, type HostSystem } from '../../config/host-system.js';
import { ArchiveConfigRepository } from '../../db/archive-config-repository.js';
import { MetaRepository } from '../../db/meta-repository.js';
import type { AppContext, DaemonPart } from '../part.js';

export interface ArchiveConfigPart extends DaemonPart {
  config: ArchiveConfig;
}

const BOOTSTRAPPED = 'bootstrapped-default-repository';

/**
 * Repositories and layouts. On the very first start, creates the repository `test`
 * for the host's codename and architecture, the only repository open to unsigned uploads
 * out of the box.
 */
export function archiveConfigPart(
  ctx: AppContext,
  host: () => HostSystem = detectHostSystem,
): ArchiveConfigPart {
  const config = new ArchiveConfig({
    store: new ArchiveConfigRepository(ctx.db),
    clock: ctx.clock,
  });
  config.installBuiltinLayouts();
  const meta = new MetaRepository(ctx.db);
  if (!meta.get(BOOTSTRAPPED)) {
    if (config.repositories().length === 0) {
      const system = host();
      config.createRepository({
        id: 'test',
        description: 'Test repository (accepts unsigned uploads)',
        layout: 'default',
        allowUnsigned: true,
        distributions: [
          distributionSpec({ codename: system.codename, architectures: [system.architecture] }),
        ],
      });
      ctx.logger.info('created the default repository test', { ...system });
    }
    meta.set(BOOTSTRAPPED, ctx.clock.now().toISOString());
  }
  return { name: 'archive-config', config };
}

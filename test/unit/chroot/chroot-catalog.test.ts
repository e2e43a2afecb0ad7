import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChrootCatalog } from '../../../src/chroot/chroot-catalog.js';
import { loadDefinitions } from '../../../src/chroot/definition.js';
import { REPO_ROOT } from '../../fixtures/index.js';

describe('ChrootCatalog.canCreate', () => {
  const dir = path.join(REPO_ROOT, 'chroots');
  const catalog = new ChrootCatalog(
    loadDefinitions(dir),
    { codename: 'bookworm', architecture: 'amd64', mirror: 'http://mirror.example/debian/' },
    dir,
  );

  it('is true for a defined codename on the host architecture only', () => {
    expect(catalog.canCreate({ codename: 'trixie', architecture: 'amd64' })).toBe(true);
    expect(catalog.canCreate({ codename: 'trixie', architecture: 'arm64' })).toBe(false);
    expect(catalog.canCreate({ codename: 'hamm', architecture: 'amd64' })).toBe(false);
  });
});

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../../src/config/load-settings.js';
import { REPO_ROOT } from '../../fixtures/index.js';

describe('etc/debyard.toml', () => {
  it('is valid and states the embedded defaults', () => {
    const input = {
      env: {},
      flags: {},
      cwd: path.join(REPO_ROOT, 'etc'),
      hostname: 'host',
      cpuCount: 2,
    };
    const fromFile = loadSettings({
      ...input,
      configFile: path.join(REPO_ROOT, 'etc', 'debyard.toml'),
    });
    expect(fromFile).toEqual(loadSettings(input));
  });
});

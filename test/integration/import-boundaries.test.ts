import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/daemon.js';
import { tempDir } from '../helpers/temp-dir.js';

const depcruise = path.join(REPO_ROOT, 'node_modules', '.bin', 'depcruise');

function cruise(dir: string): { code: number; output: string } {
  try {
    const output = execFileSync(
      depcruise,
      ['src', '--config', path.join(REPO_ROOT, '.dependency-cruiser.cjs')],
      {
        cwd: dir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    return { code: 0, output };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { code: e.status, output: e.stdout + e.stderr };
  }
}

describe('import boundaries (docs/ARCHITECTURE.md: Layers and folders)', () => {
  it('passes on the real tree', () => {
    const result = cruise(REPO_ROOT);
    expect(result.output).toContain('no dependency violations found');
    expect(result.code).toBe(0);
  });

  it('fails on an upward import and on a folder outside the layout', () => {
    const dir = tempDir();
    cpSync(path.join(REPO_ROOT, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
    for (const folder of ['shared', 'app', 'misc'])
      mkdirSync(path.join(dir, 'src', folder), { recursive: true });
    writeFileSync(path.join(dir, 'src/app/root.ts'), 'export const root = 1;\n');
    writeFileSync(
      path.join(dir, 'src/shared/low.ts'),
      "import { root } from '../app/root.js';\nexport const low = root;\n",
    );
    writeFileSync(
      path.join(dir, 'src/misc/x.ts'),
      "import { low } from '../shared/low.js';\nexport const x = low;\n",
    );
    const result = cruise(dir);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('no-shared-upward');
    expect(result.output).toContain('no-unknown-folder');
  });
});

import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../fixtures/index.js';

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

  it("fails on an upward import, on a folder outside the layout, and on records that are not leaves; db may import a domain's records", () => {
    const dir = tempDir();
    cpSync(path.join(REPO_ROOT, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
    for (const folder of ['shared', 'db', 'archive', 'app', 'misc'])
      mkdirSync(path.join(dir, 'src', folder), { recursive: true });
    const write = (file: string, text: string) => writeFileSync(path.join(dir, 'src', file), text);
    write('app/root.ts', 'export const root = 1;\n');
    write('shared/low.ts', "import { root } from '../app/root.js';\nexport const low = root;\n");
    write('misc/x.ts', "import { low } from '../shared/low.js';\nexport const x = low;\n");
    write('archive/archive.ts', 'export const archive = 1;\n');
    write(
      'archive/thing-records.ts',
      "import { low } from '../shared/low.js';\nexport const thing = low;\n",
    );
    write(
      'archive/bad-records.ts',
      "import { archive } from './archive.js';\nexport const bad = archive;\n",
    );
    write(
      'db/good-repository.ts',
      "import { thing } from '../archive/thing-records.js';\nexport const good = thing;\n",
    );
    write(
      'db/bad-repository.ts',
      "import { archive } from '../archive/archive.js';\nexport const bad = archive;\n",
    );
    const result = cruise(dir);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('no-shared-upward');
    expect(result.output).toContain('no-unknown-folder');
    expect(result.output).toMatch(/records-are-leaves: src\/archive\/bad-records\.ts/);
    expect(result.output).toMatch(/no-db-upward: src\/db\/bad-repository\.ts/);
    expect(result.output).not.toContain('src/db/good-repository.ts');
  });
});

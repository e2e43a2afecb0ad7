import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../../fixtures/index.js';

const INDEX = 'test/fixtures/index.ts';
/** The fixtures module's two entry points: index.ts, and the heavy part apart. */
const ENTRIES = [INDEX, 'test/fixtures/subsystems.ts'];
const TEST_FOLDERS = ['test/unit', 'test/integration', 'test/e2e'];

function tsFiles(root: string, folder: string): string[] {
  const dir = path.join(root, folder);
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => path.posix.join(folder, file.split(path.sep).join('/')))
    .sort();
}

/** What a file imports (static, dynamic, re-exports), as paths from `root`; .js read as .ts. */
function importsOf(root: string, file: string): string[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const statements = /^\s*(?:import|export)\b[^;]*?from\s*'(\.[^']+)'|^\s*import\s*'(\.[^']+)'/gm;
  const dynamic = /\bimport\(\s*'(\.[^']+)'\s*\)/g;
  return [...text.matchAll(statements), ...text.matchAll(dynamic)].map((match) =>
    path.posix.join(path.posix.dirname(file), (match[1] ?? match[2])!).replace(/\.js$/, '.ts'),
  );
}

/**
 * The rules for test helpers: test files import them from the fixtures module only,
 * the fixtures module re-exports every helper once, and no helper imports the fixtures
 * module (it would import itself).
 */
function testImportProblems(root: string): string[] {
  const problems: string[] = [];
  for (const file of TEST_FOLDERS.flatMap((folder) => tsFiles(root, folder))) {
    for (const imported of importsOf(root, file).filter((i) => i.startsWith('test/helpers/')))
      problems.push(`${file} imports ${imported}: import it from the fixtures module (${INDEX})`);
  }
  const entries = ENTRIES.filter((entry) => existsSync(path.join(root, entry)));
  const exported = entries.flatMap((entry) => importsOf(root, entry));
  for (const helper of tsFiles(root, 'test/helpers')) {
    const times = exported.filter((file) => file === helper).length;
    if (times !== 1) problems.push(`${helper} is exported ${times} times by ${entries.join(', ')}`);
    for (const entry of importsOf(root, helper).filter((i) => ENTRIES.includes(i)))
      problems.push(`${helper} imports ${entry}: import the helper file itself`);
  }
  return problems;
}

describe('test files get their helpers from the fixtures module (test/fixtures/README.md)', () => {
  it('holds for the real tree', () => {
    expect(testImportProblems(REPO_ROOT)).toEqual([]);
  });

  it('names a test importing a helper file, a helper left out or exported twice, and a helper importing the module', () => {
    const root = tempDir();
    const write = (file: string, text: string) => {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), text);
    };
    write('test/helpers/good.ts', 'export const good = 1;\n');
    write('test/helpers/left-out.ts', 'export const leftOut = 1;\n');
    write('test/helpers/loop.ts', "export { good } from '../fixtures/index.js';\n");
    write('test/helpers/twice.ts', 'export const twice = 1;\n');
    write(INDEX, "export * from '../helpers/good.js';\nexport * from '../helpers/loop.js';\n");
    write(
      ENTRIES[1]!,
      "export * from '../helpers/twice.js';\nexport * from '../helpers/twice.js';\n",
    );
    write('test/unit/fine.test.ts', "import { good } from '../fixtures/index.js';\n");
    write('test/integration/a/direct.test.ts', "import { good } from '../../helpers/good.js';\n");
    const load = 'import'; // (spelled apart, so that this file does not import it)
    write('test/e2e/lazy.test.ts', `const x = await ${load}('../helpers/left-out.js');\n`);
    const module = `the fixtures module (${INDEX})`;
    const entries = ENTRIES.join(', ');
    expect(testImportProblems(root)).toEqual([
      `test/integration/a/direct.test.ts imports test/helpers/good.ts: import it from ${module}`,
      `test/e2e/lazy.test.ts imports test/helpers/left-out.ts: import it from ${module}`,
      `test/helpers/left-out.ts is exported 0 times by ${entries}`,
      `test/helpers/loop.ts imports ${INDEX}: import the helper file itself`,
      `test/helpers/twice.ts is exported 2 times by ${entries}`,
    ]);
  });
});

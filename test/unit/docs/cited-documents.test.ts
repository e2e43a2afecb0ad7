import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Where documents are cited: sources, tests, docs, packaging, and the files at the top. */
const FOLDERS = ['src', 'test', 'docs', 'bench', 'chroots', 'etc', 'debian', 'templates', '.ci'];
const TOP_FILES = ['README.md', '.dependency-cruiser.cjs', 'package.json', 'vitest.config.ts'];
const SKIPPED = new Set(['node_modules', 'dist', 'test-output', 'var', '.git']);

/**
 * A document named in a text: a relative path or name ending in `.md` (not a glob such as
 * `*.md`, not an absolute path, not part of a URL, which are removed first).
 */
const DOCUMENT = /(?<![\w*./~-])((?:\.{1,2}\/)*[\w-][\w./-]*\.md)(?![\w-]|\.\w)/g;
const URL_PATTERN = /\b[a-z][a-z0-9+.-]*:\/\/[^\s)>'"`]+/gi;

function filesUnder(root: string, dir: string): string[] {
  if (!existsSync(path.join(root, dir))) return [];
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (SKIPPED.has(entry.name)) return [];
    if (entry.isDirectory()) return filesUnder(root, relative);
    return entry.isFile() ? [relative] : [];
  });
}

/** A text file's content; null for binary fixtures (a NUL byte). */
function readText(file: string): string | null {
  const bytes = readFileSync(file);
  return bytes.subarray(0, 8192).includes(0) ? null : bytes.toString('utf8');
}

/**
 * `file:line: X` for each document cited in the tree at `root` that is not there, either
 * from the top of the tree or from the citing file's folder (a Markdown link).
 */
function missingDocuments(root: string): string[] {
  const files = [
    ...TOP_FILES.filter((f) => existsSync(path.join(root, f))),
    ...FOLDERS.flatMap((dir) => filesUnder(root, dir)),
  ];
  const missing: string[] = [];
  for (const file of files) {
    const text = readText(path.join(root, file));
    if (text === null) continue;
    text.split('\n').forEach((line, index) => {
      for (const match of line.replace(URL_PATTERN, '').matchAll(DOCUMENT)) {
        const cited = match[1]!;
        const candidates = [path.join(root, cited), path.join(root, path.dirname(file), cited)];
        if (!candidates.some((candidate) => existsSync(candidate))) {
          missing.push(`${file}:${index + 1}: ${cited}`);
        }
      }
    });
  }
  return missing;
}

/**
 * The source files docs/ARCHITECTURE.md names in backticks (`archive/archive.ts`,
 * `local-host.ts`) that no file of src/ or test/ ends with: a renamed or moved file the
 * map still shows at its old place.
 */
function staleFilesInMap(root: string): string[] {
  const map = readFileSync(path.join(root, 'docs/ARCHITECTURE.md'), 'utf8');
  const files = ['src', 'test'].flatMap((dir) => filesUnder(root, dir)).map((f) => `/${f}`);
  const named = [...map.matchAll(/`([\w./-]+\.(?:ts|cjs))`/g)].map((m) => m[1]!);
  return [...new Set(named)].filter(
    (name) => !files.some((f) => f.endsWith(`/${name}`)) && !existsSync(path.join(root, name)),
  );
}

const temporary: string[] = [];
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'debyard-cited-'));
  temporary.push(root);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

describe('documents cited in the repository', () => {
  it('are all in the repository', () => {
    expect(
      missingDocuments(ROOT),
      'cite a document of the repository (docs/ARCHITECTURE.md …) or say it in place',
    ).toEqual([]);
  });

  it('are found missing when they are not, wherever they are cited', () => {
    // Built from parts, so that this file cites no missing document itself.
    const doc = (name: string) => `${name}.md`;
    const root = tree({
      'README.md': `See [the map](${doc('docs/MAP')}) and [chroots](chroots/${doc('README')}).\n`,
      'chroots/README.md': 'Chroot definitions.\n',
      'docs/ARCHITECTURE.md': `Back to the [README](../${doc('README')}).\n`,
      'src/archive/x.ts': `// As ${doc('PLAN')} §6 says.\nexport const x = 1;\n`,
      'src/archive/y.ts': `/** Figures in bench/${doc('README')}; see ${doc('docs/ARCHITECTURE')}. */\n`,
      'test/unit/z.test.ts': `// ${doc('NOTES')}\n`,
      'etc/debyard.toml': `# Not checked: *.md, /usr/share/doc/x/${doc('README')}, https://example.org/${doc('A')}\n`,
    });
    expect(missingDocuments(root)).toEqual([
      `README.md:1: ${doc('docs/MAP')}`,
      `src/archive/x.ts:1: ${doc('PLAN')}`,
      `src/archive/y.ts:1: bench/${doc('README')}`,
      `test/unit/z.test.ts:1: ${doc('NOTES')}`,
    ]);
  });
});

describe('docs/ARCHITECTURE.md', () => {
  it('names only source files that exist', () => {
    expect(staleFilesInMap(ROOT), 'update the map in docs/ARCHITECTURE.md').toEqual([]);
  });

  it('is found stale when it names a file that is gone', () => {
    const root = tree({
      'docs/ARCHITECTURE.md': '`builder/build-run.ts` runs `build-stages.ts`; see `gone.ts`.\n',
      'src/builder/build-run.ts': '',
      'src/builder/build-stages.ts': '',
    });
    expect(staleFilesInMap(root)).toEqual(['gone.ts']);
  });
});

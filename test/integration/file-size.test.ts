import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// Files stay small (docs/ARCHITECTURE.md, "Layers and folders"): a source file in src/
// over this many lines is split by what it does before it grows further.
const MAX_LINES = 400;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Lines as `wc -l` counts them, plus a last line without its newline. */
function lineCount(text: string): number {
  if (text === '') return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** Every file under `dir`, relative to `root`. */
function filesUnder(root: string, dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(root, relative);
    return entry.isFile() ? [relative] : [];
  });
}

/** `src/… has N lines` for each source file of the tree at `root` over the limit. */
function overLimit(root: string): string[] {
  return filesUnder(root, 'src')
    .map((file) => ({ file, lines: lineCount(readFileSync(path.join(root, file), 'utf8')) }))
    .filter(({ lines }) => lines > MAX_LINES)
    .map(({ file, lines }) => `${file} has ${lines} lines (at most ${MAX_LINES})`);
}

const temporary: string[] = [];
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

describe(`source files (at most ${MAX_LINES} lines each)`, () => {
  it('holds for every file in src/', () => {
    expect(overLimit(ROOT), 'split these files by what they do').toEqual([]);
  });

  it('names a file one line over the limit, and only that one', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'debyard-file-size-'));
    temporary.push(root);
    mkdirSync(path.join(root, 'src', 'archive'), { recursive: true });
    const lines = (n: number) => 'export const x = 1;\n'.repeat(n);
    writeFileSync(path.join(root, 'src', 'archive', 'big.ts'), lines(MAX_LINES + 1));
    writeFileSync(path.join(root, 'src', 'archive', 'fits.ts'), lines(MAX_LINES));
    // Without a final newline: the last line counts too.
    writeFileSync(path.join(root, 'src', 'unterminated.ts'), lines(MAX_LINES) + 'const y = 2;');
    expect(overLimit(root).sort()).toEqual([
      `src/archive/big.ts has ${MAX_LINES + 1} lines (at most ${MAX_LINES})`,
      `src/unterminated.ts has ${MAX_LINES + 1} lines (at most ${MAX_LINES})`,
    ]);
  });
});

import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareVersions, isValidVersion } from '../../../src/debian/version.js';
import { VERSION_EDGE_CASES } from '../../fixtures/debian/version-edge-cases.js';
import { tempDir } from '../../fixtures/index.js';

/** Small deterministic PRNG (mulberry32) so failures are reproducible. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generator(rand: () => number) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const digits = (): string => pick(['0', '1', '2', '9', '10', '01', '007', '99', '100', '2024']);
  const fragment = (upstream: boolean): string => {
    const seps = upstream ? ['.', '+', '~', '-', ':', ''] : ['.', '+', '~', ''];
    let out = '';
    const parts = 1 + Math.floor(rand() * 4);
    for (let i = 0; i < parts; i++) {
      out += pick(seps) + (rand() < 0.7 ? digits() : pick(['a', 'b', 'rc', 'beta', 'Z', 'dfsg', 'git']));
    }
    return out;
  };
  const version = (): string => {
    const epoch = rand() < 0.15 ? `${pick(['0', '1', '2', '10'])}:` : '';
    let upstream = digits() + fragment(true);
    if (!epoch) upstream = upstream.replaceAll(':', '.');
    const revision = rand() < 0.6 ? `-${pick(['', '0', '1'])}${fragment(false)}`.replace(/-$/, '-1') : '';
    if (!revision) upstream = upstream.replaceAll('-', '.');
    return epoch + upstream + revision;
  };
  /** A variant of a version: the close pairs are the interesting ones. */
  const mutate = (v: string): string => {
    const edits = [
      (s: string) => s + pick(['~', '~rc1', '+b1', '.0', 'a', '-1']).replace(/^-1$/, s.includes('-') ? '.1' : '-1'),
      (s: string) => s.replace(/\d+/, (d) => String(Number(d) + pick([-1, 1, 0]))).replace(/^-/, ''),
      (s: string) => s.replace(/(\d)(?=\D|$)/, '$1~'),
      (s: string) => (s.includes(':') ? s.slice(s.indexOf(':') + 1) : `1:${s}`),
      (s: string) => s.replace(/\.0*(\d)/, '.0$1'),
    ];
    const out = pick(edits)(v);
    return /^\d/.test(out.replace(/^\d+:/, '')) ? out : v;
  };
  return { version, mutate, rand };
}

const RELATION = { '-1': 'lt', '0': 'eq', '1': 'gt' } as const;

/**
 * Checks "a REL b" lines with dpkg: xargs runs dpkg in parallel batches, and only on a
 * mismatch do we re-run line by line to name the failing pairs.
 */
function dpkgDisagreements(lines: string[], dir: string): string[] {
  const file = path.join(dir, 'pairs.txt');
  writeFileSync(file, lines.join('\n') + '\n');
  const all = spawnSync('sh', ['-c', `xargs -P 4 -n 3 dpkg --compare-versions < "${file}"`]);
  if (all.status === 0) return [];
  const out = execFileSync('sh', [
    '-c',
    `while read a r b; do dpkg --compare-versions "$a" "$r" "$b" 2>/dev/null || echo "$a $r $b"; done < "${file}"`,
  ]);
  return out.toString().split('\n').filter(Boolean);
}

function ours(a: string, b: string): string {
  return `${a} ${RELATION[String(Math.sign(compareVersions(a, b))) as '-1' | '0' | '1']} ${b}`;
}

describe('versions against dpkg --compare-versions', () => {
  it('agrees on the deb-version(7) edge cases, both ways', () => {
    const lines = VERSION_EDGE_CASES.flatMap(([a, b, expected]) => {
      expect(Math.sign(compareVersions(a, b))).toBe(expected);
      return [ours(a, b), ours(b, a)];
    });
    expect(dpkgDisagreements(lines, tempDir())).toEqual([]);
  });

  // ~12,000 dpkg runs: about 30 s on 2 cores (process start dominates).
  it('agrees on 12,000 generated pairs', { timeout: 240_000 }, () => {
    const g = generator(random(20240607));
    const lines: string[] = [];
    while (lines.length < 12_000) {
      const a = g.version();
      const b = g.rand() < 0.6 ? g.mutate(a) : g.rand() < 0.1 ? a : g.version();
      if (isValidVersion(a) && isValidVersion(b)) lines.push(ours(a, b));
    }
    for (const relation of ['lt', 'eq', 'gt']) {
      expect(lines.filter((line) => line.split(' ')[1] === relation).length).toBeGreaterThan(1_000);
    }
    expect(new Set(lines).size).toBeGreaterThan(9_000);
    expect(dpkgDisagreements(lines, tempDir())).toEqual([]);
  });

  it('would notice a wrong answer', () => {
    expect(dpkgDisagreements(['1.0 gt 1.0~rc1', '1.0 lt 1.0~rc1'], tempDir())).toEqual([
      '1.0 lt 1.0~rc1',
    ]);
  });
});

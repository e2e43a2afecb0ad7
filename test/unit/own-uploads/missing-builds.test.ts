import { describe, expect, it } from 'vitest';
import { stanzaArchitectures } from '../../../src/archive/archive-queries.js';
import { dpkgArchitectureMatcher } from '../../../src/incoming/architecture-matcher.js';
import {
  findMissingBuilds,
  missingArchitectures,
  type HeldSource,
  type OpenBuilds,
} from '../../../src/own-uploads/missing-builds.js';

const matcher = dpkgArchitectureMatcher();
const distribution = { architectures: ['amd64', 'arm64'], archAllArchitecture: 'amd64' };
const held = (
  source: string,
  dsc: string[] | null,
  binaries: string[],
  distribution = 'bookworm-test-unstable',
): HeldSource => ({
  source,
  version: '1.0',
  distribution,
  dscArchitectures: dsc,
  binaryArchitectures: binaries,
});

async function missing(
  list: HeldSource[],
  options: { only?: string; open?: Record<string, OpenBuilds[]> } = {},
) {
  return findMissingBuilds({
    held: list,
    distribution,
    ...(options.only && { only: options.only }),
    open: (source) => options.open?.[source] ?? [],
    matcher,
  });
}

const plan = (source: string, architectures: string[], archAll = false) => ({
  source,
  version: '1.0',
  distribution: 'bookworm-test-unstable',
  architectures,
  archAll,
});

describe('findMissingBuilds', () => {
  it('schedules each architecture the Architecture field allows that has no binaries', async () => {
    const { missing: found, skipped } = await missing([
      held('any', ['any'], ['amd64']),
      held('linux', ['linux-any'], []),
      held('only-amd64', ['any-amd64'], ['amd64']),
      held('listed', ['arm64', 'mips64el'], []),
      held('done', ['any'], ['amd64', 'arm64']),
    ]);
    expect(found).toEqual([
      plan('any', ['arm64']),
      plan('linux', ['amd64', 'arm64']),
      plan('listed', ['arm64']),
    ]);
    expect(skipped).toEqual([]);
  });

  it('counts arch:all once, on the arch:all architecture', async () => {
    const { missing: found } = await missing([
      held('all-only', ['all'], []),
      held('all-there', ['all'], ['all']),
      held('both-new', ['any', 'all'], []),
      held('both-arm64', ['any', 'all'], ['amd64', 'all']),
    ]);
    expect(found).toEqual([
      plan('all-only', ['amd64'], true),
      plan('both-new', ['amd64', 'arm64'], true),
      plan('both-arm64', ['arm64']),
    ]);
  });

  it('skips what it cannot build, saying why', async () => {
    const { missing: found, skipped } = await missing([
      held('imported', null, ['amd64']),
      held('all-lost', ['any', 'all'], ['amd64', 'arm64']),
    ]);
    expect(found).toEqual([]);
    expect(skipped.map((s) => [s.source, s.reason])).toEqual([
      ['imported', expect.stringMatching(/no \.dsc of it/)],
      ['all-lost', expect.stringMatching(/would build its amd64 packages again/)],
    ]);
  });

  it('does not schedule builds an upload in flight makes already (idempotent)', async () => {
    const { missing: found } = await missing(
      [held('a', ['any', 'all'], []), held('b', ['any'], ['amd64'])],
      {
        open: {
          a: [{ architectures: ['amd64'], archAll: true }],
          b: [{ architectures: ['arm64'], archAll: false }],
        },
      },
    );
    expect(found).toEqual([plan('a', ['arm64'])]);
  });

  it('narrows to one architecture, and looks at a version once across suites', async () => {
    const list = [
      held('x', ['any', 'all'], []),
      held('x', ['any', 'all'], [], 'bookworm-test-testing'),
    ];
    expect((await missing(list, { only: 'arm64' })).missing).toEqual([plan('x', ['arm64'])]);
    expect((await missing(list, { only: 'amd64' })).missing).toEqual([plan('x', ['amd64'], true)]);
    expect((await missing(list)).missing).toHaveLength(1);
  });
});

describe('missingArchitectures (what the package page and show name)', () => {
  it('names the architectures a version lacks, all for arch:all', async () => {
    const lacks = (dsc: string[] | null, binaries: string[]) =>
      missingArchitectures(
        { dscArchitectures: dsc, binaryArchitectures: binaries },
        distribution,
        matcher,
      );
    expect(await lacks(['any', 'all'], ['amd64'])).toEqual(['arm64', 'all']);
    expect(await lacks(['any-amd64'], ['amd64'])).toEqual([]);
    expect(await lacks(['any'], ['amd64', 'arm64'])).toEqual([]);
    expect(await lacks(null, [])).toEqual([]);
  });
});

describe('stanzaArchitectures', () => {
  it('reads the Architecture field of a Sources stanza', () => {
    expect(stanzaArchitectures('Package: p\nArchitecture: any all\nVersion: 1\n')).toEqual([
      'any',
      'all',
    ]);
    expect(stanzaArchitectures(null)).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import type { ArchiveIndexRepository } from '../../../../src/db/archive-index-repository.js';
import { IndexListings } from '../../../../src/archive/publish/index-listings.js';
import type { BinaryEntryRef } from '../../../../src/archive/publish/index-records.js';

/** A distribution's binaries as the database would list them, with the calls it got. */
class FakeIndex {
  rows: BinaryEntryRef[] = [];
  dirty: { source: string; revision: number }[] = [];
  calls: (readonly string[] | undefined)[] = [];
  nextId = 1;

  add(source: string, pkg: string, version: string, revision: number, arch = 'amd64') {
    this.rows.push({
      id: this.nextId++,
      key: `${pkg} ${arch} ${version}`,
      digest: `d-${pkg}-${version}`,
      contentsDigest: `c-${pkg}-${version}`,
      source,
    });
    this.dirty.push({ source, revision });
  }

  remove(source: string, revision: number) {
    this.rows = this.rows.filter((r) => r.source !== source);
    this.dirty.push({ source, revision });
  }

  dirtySources(_dist: string, revision: number): string[] {
    return [...new Set(this.dirty.filter((d) => d.revision > revision).map((d) => d.source))];
  }

  binaryEntries(_d: string, _c: string, arch: string, sources?: readonly string[]) {
    this.calls.push(sources);
    return this.rows
      .filter((r) => r.key.includes(` ${arch} `) || r.key.includes(' all '))
      .filter((r) => !sources || sources.includes(r.source!))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((r) => ({ ...r }));
  }

  sourcesEntries(): never[] {
    return [];
  }
}

const keys = (entries: readonly { key: string }[]) => entries.map((e) => e.key);

describe('index listings kept between publishes', () => {
  it('re-reads only the changed sources and lists what a full read lists', () => {
    const fake = new FakeIndex();
    for (let i = 0; i < 300; i++) fake.add(`s${i}`, `p${(i * 7919) % 1000}`, '1.0', 1);
    fake.add('s-all', 'docs', '1.0', 1, 'all');
    const listings = new IndexListings(fake as unknown as ArchiveIndexRepository);

    const first = listings.begin('d', 1);
    const before = [...first.entries('main/binary-amd64/Packages')];
    first.entries('main/Contents-amd64');
    first.done(1);
    expect(fake.calls).toEqual([undefined]);

    // Revision 2: one source gets a newer version, one goes, one is new.
    fake.remove('s5', 2);
    fake.add('s5', `p${(5 * 7919) % 1000}`, '2.0', 2);
    fake.remove('s9', 2);
    fake.add('new', 'aaa-first', '1.0', 2);
    fake.calls = [];
    const second = listings.begin('d', 1);
    const packages = second.entries('main/binary-amd64/Packages');
    const contents = second.entries('main/Contents-amd64');
    second.done(2);
    expect(fake.calls).toEqual([['s5', 's9', 'new']]);
    const full = fake.binaryEntries('d', 'main', 'amd64');
    expect(keys(packages)).toEqual(keys(full));
    expect(packages.map((e) => e.digest)).toEqual(full.map((e) => e.digest));
    expect(contents.map((e) => e.digest)).toEqual(full.map((e) => e.contentsDigest));
    // The unchanged entries are the same objects as before (segments reuse them).
    const kept = before.filter((e) => e.source !== 's5' && e.source !== 's9');
    expect(kept.every((e) => packages.includes(e))).toBe(true);
  });

  it('reads everything again after a change that named no source, or another publisher', () => {
    const fake = new FakeIndex();
    for (let i = 0; i < 50; i++) fake.add(`s${i}`, `p${i}`, '1.0', 1);
    const listings = new IndexListings(fake as unknown as ArchiveIndexRepository);
    const first = listings.begin('d', 1);
    first.entries('main/binary-amd64/Packages');
    first.done(1);

    fake.dirty.push({ source: '', revision: 2 });
    fake.calls = [];
    const second = listings.begin('d', 1);
    second.entries('main/binary-amd64/Packages');
    second.done(2);
    expect(fake.calls).toEqual([undefined]);

    // The generation on disk shows revision 3, not the 2 this process published.
    fake.calls = [];
    const third = listings.begin('d', 3);
    third.entries('main/binary-amd64/Packages');
    expect(fake.calls).toEqual([undefined]);

    // A publish that did not finish leaves nothing to build on.
    fake.calls = [];
    listings.begin('d', 2).entries('main/binary-amd64/Packages');
    expect(fake.calls).toEqual([undefined]);
  });
});

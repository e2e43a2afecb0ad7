import { describe, expect, it } from 'vitest';
import { PendingUploads } from '../../../src/incoming/pending-uploads.js';

const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));
const file = (name: string, seconds = 0) => ({ name, size: 1, arrivedAt: at(seconds) });

describe('PendingUploads', () => {
  it('completes a .changes when its last file arrives, in any order', () => {
    const pending = new PendingUploads();
    expect(pending.addFile(file('a.dsc'))).toEqual([]);
    pending.addFile(file('a.changes'));
    expect(
      pending.addChanges({
        name: 'a.changes',
        arrivedAt: at(0),
        listed: ['a.dsc', 'a.tar'],
        unreadable: [],
      }),
    ).toBe(false);
    expect(pending.addFile(file('a.tar'))).toEqual(['a.changes']);
    expect(pending.completeChanges()).toEqual(['a.changes']);
    pending.setBusy('a.changes', true);
    expect(pending.completeChanges()).toEqual([]);
  });

  it('takes an unreadable .changes as complete (to be rejected at once)', () => {
    const pending = new PendingUploads();
    pending.addFile(file('bad.changes'));
    expect(
      pending.addChanges({
        name: 'bad.changes',
        arrivedAt: at(0),
        listed: [],
        unreadable: [{ message: 'x' }],
      }),
    ).toBe(true);
  });

  it('knows which other .changes list a file, and forgets what left', () => {
    const pending = new PendingUploads();
    for (const name of ['x.dsc', 'a.changes', 'b.changes']) pending.addFile(file(name));
    pending.addChanges({ name: 'a.changes', arrivedAt: at(0), listed: ['x.dsc'], unreadable: [] });
    pending.addChanges({
      name: 'b.changes',
      arrivedAt: at(0),
      listed: ['x.dsc', 'y.tar'],
      unreadable: [],
    });
    expect(pending.otherListers('x.dsc', 'a.changes')).toEqual(['b.changes']);
    pending.removeFiles(['a.changes', 'x.dsc']);
    expect(pending.otherListers('x.dsc', 'b.changes')).toEqual([]);
    expect(pending.hasFile('x.dsc')).toBe(false);
    expect(pending.isComplete('b.changes')).toBe(false);
  });

  it('expires incomplete uploads and stray files, sparing busy and waiting ones', () => {
    const pending = new PendingUploads();
    pending.addFile(file('old.changes', 0));
    pending.addFile(file('old.dsc', 0));
    pending.addFile(file('shared.tar', 0));
    pending.addChanges({
      name: 'old.changes',
      arrivedAt: at(0),
      listed: ['old.dsc', 'old.tar', 'shared.tar'],
      unreadable: [],
    });
    pending.addFile(file('new.changes', 50));
    pending.addChanges({
      name: 'new.changes',
      arrivedAt: at(50),
      listed: ['shared.tar'],
      unreadable: [],
    });
    pending.addFile(file('stray', 0));
    pending.addFile(file('fresh-stray', 50));
    expect(pending.expired(at(30))).toEqual({
      incomplete: [{ name: 'old.changes', present: ['old.dsc'], missing: ['old.tar'] }],
      strays: ['stray'],
    });
    pending.setBusy('old.changes', true);
    expect(pending.expired(at(30)).incomplete).toEqual([]);
  });
});

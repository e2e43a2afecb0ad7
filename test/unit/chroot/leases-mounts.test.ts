import { describe, expect, it } from 'vitest';
import { BaseLeases } from '../../../src/chroot/base-leases.js';
import { mountsUnder } from '../../../src/chroot/recovery.js';

describe('BaseLeases', () => {
  it('removes a retired tree once its last build has released it', () => {
    const removed: string[] = [];
    const leases = new BaseLeases((tree) => removed.push(tree));
    const a = leases.take('/c/bases/bookworm-amd64/1');
    const b = leases.take('/c/bases/bookworm-amd64/1');
    leases.take('/c/bases/bookworm-amd64/2');
    expect(leases.inUse('/c/bases/bookworm-amd64')).toBe(3);
    expect(leases.inUse('/c/bases/bookworm-amd6')).toBe(0);
    leases.retire('/c/bases/bookworm-amd64/1');
    a();
    a();
    expect(removed).toEqual([]);
    b();
    expect(removed).toEqual(['/c/bases/bookworm-amd64/1']);
    leases.retire('/c/bases/trixie-amd64/1');
    expect(removed).toEqual(['/c/bases/bookworm-amd64/1', '/c/bases/trixie-amd64/1']);
  });
});

describe('mountsUnder', () => {
  it('finds mounts below a folder, deepest first, with escaped blanks', () => {
    const mountinfo = [
      '22 27 0:21 / /proc rw,relatime - proc proc rw',
      '90 27 0:50 / /srv/home/chroots/snapshots/1/root rw - overlay overlay rw',
      '91 90 0:51 / /srv/home/chroots/snapshots/1/root/proc rw - proc proc rw',
      '92 27 0:52 / /srv/home/chroots\\040old rw - tmpfs tmpfs rw',
      '93 27 0:53 / /srv/home/chroots-other rw - tmpfs tmpfs rw',
    ].join('\n');
    expect(mountsUnder(mountinfo, '/srv/home/chroots')).toEqual([
      '/srv/home/chroots/snapshots/1/root/proc',
      '/srv/home/chroots/snapshots/1/root',
    ]);
    expect(mountsUnder(mountinfo, '/srv/home/chroots old')).toEqual(['/srv/home/chroots old']);
  });
});

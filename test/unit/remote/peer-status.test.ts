import { describe, expect, it } from 'vitest';
import { peerChroots, peerStatus } from '../../../src/remote/peer-status.js';

describe('peer status', () => {
  it('names the chroots with a base that are ready or updating, and the load of the slots', () => {
    const chroots = peerChroots({
      list: () =>
        [
          { codename: 'bookworm', architecture: 'amd64', generation: 2, state: 'ready' },
          { codename: 'trixie', architecture: 'amd64', generation: 1, state: 'updating' },
          { codename: 'sid', architecture: 'amd64', generation: 0, state: 'creating' },
          { codename: 'sid', architecture: 'arm64', generation: 3, state: 'broken' },
        ] as never,
    });
    const status = peerStatus({
      identity: 'peer1',
      version: '1.0',
      slots: { inUse: () => 1, total: 4 },
      chroots,
      native: ['amd64', 'i386'],
      jobs: () => 2,
    })();
    expect(status).toEqual({
      identity: 'peer1',
      version: '1.0',
      capacity: 4,
      running: 1,
      load: 0.25,
      chroots: [
        { codename: 'bookworm', architecture: 'amd64' },
        { codename: 'trixie', architecture: 'amd64' },
      ],
      native: ['amd64', 'i386'],
      jobs: 2,
    });
  });
});

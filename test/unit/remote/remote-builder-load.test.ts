import { describe, expect, it } from 'vitest';
import type { PeerStatus } from '../../../src/remote/peer-api.js';
import type { PeerHandle, RemoteBuilderDeps } from '../../../src/remote/peer-handle.js';
import { RemoteBuilder } from '../../../src/remote/remote-builder.js';

function peerWith(status: PeerStatus | null): PeerHandle {
  return {
    name: 'p1',
    label: 'peer p1 (10.0.0.2:22)',
    api: {} as PeerHandle['api'],
    state: () => ({ up: true, reason: null }),
    status: () => status,
    capacity: () => status?.capacity ?? 1,
    lost: () => new AbortController().signal,
    suspect: () => {},
  };
}

const status = (running: number): PeerStatus => ({
  identity: 'peer',
  version: '0.1.0',
  capacity: 2,
  running,
  load: running / 2,
  chroots: [],
  jobs: running,
});

describe('RemoteBuilder load', () => {
  it("counts the peer's reported builds as others' (the scheduler leaves a full peer alone)", () => {
    const deps = {} as RemoteBuilderDeps;
    expect(new RemoteBuilder(peerWith(status(2)), deps).othersRunning()).toBe(2);
    expect(new RemoteBuilder(peerWith(status(0)), deps).othersRunning()).toBe(0);
    expect(new RemoteBuilder(peerWith(null), deps).othersRunning()).toBe(0);
  });
});

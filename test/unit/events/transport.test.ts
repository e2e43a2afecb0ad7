import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/events/event.js';
import type { NotifyTarget } from '../../../src/events/notify/notify-store.js';
import { targetWants } from '../../../src/events/notify/transport.js';

const event = (distribution: string | null, details: Record<string, unknown> = {}) =>
  ({
    id: 1,
    time: '2026-01-02T00:00:00.000Z',
    type: 'PUBLISHED',
    message: 'published',
    source: null,
    version: null,
    distribution,
    architecture: null,
    uploadId: null,
    buildId: null,
    details,
  }) as StoredEvent;

describe('targetWants', () => {
  const target = {
    createdAt: '2026-01-01T00:00:00.000Z',
    eventTypes: [],
    source: null,
    repository: 'team',
  } as unknown as NotifyTarget;

  it("matches a repository by the event's distribution, or a publish's details", () => {
    expect(targetWants(target, event('bookworm-team-unstable'))).toBe(true);
    expect(targetWants(target, event('bookworm-test-unstable'))).toBe(false);
    // One PUBLISHED event for many distributions names their repository in its details.
    expect(targetWants(target, event(null, { repository: 'team' }))).toBe(true);
    expect(targetWants(target, event(null, { repository: 'test' }))).toBe(false);
    expect(targetWants(target, event(null))).toBe(false);
  });
});

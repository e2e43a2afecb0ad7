import { describe, expect, it } from 'vitest';
import { tempDir } from '../../fixtures/index.js';
import { FakeBuilder, schedulerHarness } from '../../fixtures/subsystems.js';

describe('the scheduler and ACCEPTED events', () => {
  it('ignores an ACCEPTED event of an upload it does not know, and goes on building', async () => {
    const local = new FakeBuilder('local', 1, [{ codename: 'bookworm', architecture: 'amd64' }]);
    const h = schedulerHarness(tempDir(), { builders: [local] });
    const unhandled: unknown[] = [];
    const onError = (error: unknown) => unhandled.push(error);
    process.on('uncaughtException', onError);
    try {
      h.events.emit({ type: 'ACCEPTED', message: 'accepted', uploadId: 4711 });
      const upload = h.accept({ architectures: ['amd64'] });
      await expect
        .poll(() => h.uploads.get(upload.id).state, { timeout: 15_000 })
        .toBe('INSTALLED');
      expect(unhandled).toEqual([]);
    } finally {
      process.off('uncaughtException', onError);
      await h.stop();
    }
  });
});

import { readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { persistentTempDir } from '../../fixtures/index.js';
import { installVersion, openTestArchive, testSigner } from '../../fixtures/subsystems.js';

const DIST = 'bookworm-test-unstable';

/**
 * A publish writes the changed indices while it hashes and signs them (GenerationWriter
 * .stage). When signing fails, what it began writing is removed and the published tree
 * stays as it was; the next publish takes the change.
 */
describe('a publish whose signing fails', () => {
  const dir = persistentTempDir('debyard-publish-failure-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('leaves the published tree and no half-written generation, and publishes later', async () => {
    const signer = await testSigner(dir);
    let failing = false;
    const flaky = {
      ...signer,
      clearSign: (text: string) =>
        failing
          ? Promise.reject(new Error('the signing key is not available'))
          : signer.clearSign(text),
    };
    const archive = openTestArchive({ home: path.join(dir, 'home'), signer: flaky });
    try {
      await (
        await archive.service.start()
      ).published;
      await installVersion(archive, dir, DIST, 'one', '1.0');
      const repo = path.join(archive.reposRoot, 'test');
      const link = path.join(repo, 'dists', DIST);
      const before = readlinkSync(link);
      const release = readFileSync(path.join(link, 'Release'), 'utf8');

      failing = true;
      await expect(installVersion(archive, dir, DIST, 'two', '1.0')).rejects.toThrow(
        'the signing key is not available',
      );
      await archive.service.publisher.idle();
      expect(readlinkSync(link)).toBe(before);
      expect(readFileSync(path.join(link, 'Release'), 'utf8')).toBe(release);
      expect(
        readdirSync(path.join(repo, '.publish', DIST)).filter((n) => n.startsWith('.tmp-')),
      ).toEqual([]);

      failing = false;
      await archive.service.publisher.publish([DIST]);
      expect(readlinkSync(link)).not.toBe(before);
      const packages = readFileSync(path.join(link, 'main/binary-amd64/Packages'), 'utf8');
      expect(packages).toContain('Package: two\n');
    } finally {
      archive.close();
    }
  });
});

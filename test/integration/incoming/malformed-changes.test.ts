import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REASONS_FILE } from '../../../src/incoming/upload-folders.js';
import { buildSourcePackage, persistentTempDir, type SourcePackage } from '../../fixtures/index.js';
import { type IncomingHarness, startIncomingHarness } from '../../fixtures/subsystems.js';

/**
 * A .changes whose file list cannot be read tells nothing about which files to wait for:
 * it is rejected as soon as it arrives, not after the stray timeout (an hour here).
 */
let root: string;
let h: IncomingHarness;

beforeAll(async () => {
  root = persistentTempDir();
  h = await startIncomingHarness(path.join(root, 'home'), {
    incoming: { strayTimeoutSeconds: 3600 },
  });
});

afterAll(async () => {
  await h?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** A real source package whose .changes is edited; returns the edited .changes' path. */
async function brokenChanges(
  source: string,
  edit: (text: string) => string,
): Promise<{ pkg: SourcePackage; changes: string }> {
  const pkg = await buildSourcePackage(path.join(root, source), { source });
  const changes = path.join(pkg.dir, pkg.changes);
  writeFileSync(changes, edit(readFileSync(changes, 'utf8')));
  return { pkg, changes };
}

function esc(text: string): string {
  return text.replace(/[.+~*?()[\]\\]/g, '\\$&');
}

/** Removes a multi-line field (its name line and the continuation lines). */
function dropField(text: string, field: string): string {
  return text.replace(new RegExp(`^${field}:\\n(?: .*\\n)+`, 'm'), '');
}

/** Uploads the .changes alone with curl (FTP); expects a REJECTED at once, naming `reason`. */
async function expectRejectedAtOnce(changes: string, reason: RegExp): Promise<void> {
  const started = Date.now();
  await h.upload([changes]);
  const record = await h.outcome(path.basename(changes), 10_000);
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(record.state).toBe('REJECTED');
  expect(record.reasons.join('\n')).toMatch(reason);
  const event = h.events.list({ types: ['REJECTED'], uploadId: record.id })[0]!;
  expect(event.message).toMatch(reason);
  expect(record.spoolPath).toMatch(/^rejected\//);
  const folder = path.join(h.home, record.spoolPath);
  expect(readdirSync(folder).sort()).toEqual([REASONS_FILE, path.basename(changes)].sort());
  expect(readFileSync(path.join(folder, REASONS_FILE), 'utf8')).toMatch(reason);
  expect(readdirSync(h.layout.incoming)).toEqual([]);
}

describe('a .changes whose file list cannot be read', () => {
  it('without a Files field: rejected at once, naming the missing field', async () => {
    const { pkg, changes } = await brokenChanges('nofiles', (text) => dropField(text, 'Files'));
    await expectRejectedAtOnce(
      changes,
      new RegExp(`${esc(pkg.changes)}: missing required field Files`),
    );
  });

  it('with Files lines that cannot be parsed: rejected at once, naming the line', async () => {
    const { changes } = await brokenChanges('badfiles', (text) =>
      text.replace(/^Files:\n(?: .*\n)+/m, 'Files:\n this is not a file line\n'),
    );
    await expectRejectedAtOnce(
      changes,
      /Files: expected "md5 size section priority name", found "this is not a file line"/,
    );
  });

  it('with Files naming other files than the checksums: rejected at once', async () => {
    const { pkg, changes } = await brokenChanges('mismatch', (text) =>
      text.replace(/^(Files:\n(?: .*\n)*? \S+ \d+ \S+ \S+ )\S+\.dsc$/m, '$1other.dsc'),
    );
    await expectRejectedAtOnce(
      changes,
      new RegExp(`${esc(pkg.dsc)} is listed in Checksums-Sha1 but missing from Files`),
    );
  });

  it('a .changes with a readable file list still waits for its files', async () => {
    const pkg = await buildSourcePackage(path.join(root, 'waits'), { source: 'waits' });
    await h.upload([path.join(pkg.dir, pkg.changes)]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(
      h.events
        .list({ types: ['ACCEPTED', 'REJECTED'], limit: 1000 })
        .some((e) => e.details.changes === pkg.changes),
    ).toBe(false);
    await h.upload(pkg.files.filter((f) => f !== pkg.changes).map((f) => path.join(pkg.dir, f)));
    expect((await h.outcome(pkg.changes)).state).toBe('ACCEPTED');
  });
});

import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ArchiveKeys } from '../../../src/pgp/archive-keys.js';
import { INSTANCE_KEY_FILE } from '../../../src/pgp/instance-key-store.js';
import { ManualClock } from '../../../src/shared/clock.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function open(dir?: string, clock = new ManualClock(new Date())) {
  const keysDir = dir ?? mkdtempSync(path.join(os.tmpdir(), 'debyard-keys-'));
  dirs.push(keysDir);
  const { keys } = await ArchiveKeys.open({
    dir: keysDir,
    identity: 'unit',
    algorithm: 'ed25519',
    clock,
  });
  return { keys, dir: keysDir, clock };
}

describe('ArchiveKeys', () => {
  it('rotates: both keys sign until the retire date, then only the new one', async () => {
    const { keys, dir, clock } = await open();
    const first = keys.primary().fingerprint;
    const retireAt = new Date(clock.now().getTime() + 3600_000);
    const second = await keys.rotate({ algorithm: 'ed25519', expires: null, retireAt });
    expect(keys.signer().keys.map((k) => k.fingerprint)).toEqual([second.fingerprint, first]);
    expect(keys.primarySigner().keys.map((k) => k.fingerprint)).toEqual([second.fingerprint]);
    expect(await keys.retireDue()).toEqual([]);
    clock.advance(3600_000);
    expect((await keys.retireDue()).map((k) => k.fingerprint)).toEqual([first]);
    expect(keys.signer().keys.map((k) => k.fingerprint)).toEqual([second.fingerprint]);
    expect(keys.list().map((k) => [k.info.fingerprint, k.state])).toEqual([
      [second.fingerprint, 'primary'],
      [first, 'retired'],
    ]);
    // What was written is what a restart reads.
    const again = await open(dir, clock);
    expect(again.keys.list().map((k) => k.state)).toEqual(['primary', 'retired']);
    await expect(again.keys.retire(first)).rejects.toThrow(/is retired; only a retiring key/);
  });

  it('reads a rotation cut short between its two writes as the old key alone', async () => {
    const { keys, dir, clock } = await open();
    const first = keys.primary().fingerprint;
    // The crash: the old primary copied to retiring/, the new key not written yet.
    await keys.rotate({ algorithm: 'ed25519', expires: null, retireAt: null });
    const crashed = mkdtempSync(path.join(os.tmpdir(), 'debyard-keys-'));
    dirs.push(crashed);
    cpSync(path.join(dir, 'retiring'), path.join(crashed, 'retiring'), { recursive: true });
    const old = readdirSync(path.join(crashed, 'retiring')).find((f) => f.endsWith('.asc'))!;
    cpSync(path.join(crashed, 'retiring', old), path.join(crashed, INSTANCE_KEY_FILE));
    const reopened = await open(crashed, clock);
    expect(reopened.keys.list().map((k) => [k.info.fingerprint, k.state])).toEqual([
      [first, 'primary'],
    ]);
    expect(reopened.keys.signer().keys).toHaveLength(1);
  });

  it('extends a key: same fingerprint, new expiry; refuses a date in the past', async () => {
    const { keys, clock } = await open();
    const before = keys.primary();
    const expires = new Date(clock.now().getTime() + 30 * 86_400_000);
    const extended = await keys.extend(undefined, expires);
    expect(extended.fingerprint).toBe(before.fingerprint);
    expect(Math.abs(extended.expires!.getTime() - expires.getTime())).toBeLessThan(2000);
    expect(keys.signer().key.expires?.getTime()).toBe(extended.expires?.getTime());
    await expect(keys.extend(undefined, new Date(clock.now().getTime() - 1000))).rejects.toThrow(
      /is not in the future/,
    );
    expect((await keys.extend(undefined, null)).expires).toBeNull();
  });
});

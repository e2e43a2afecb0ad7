import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readParents } from '../../../src/exec/process-tree.js';
import { fixtureSource, followLog, persistentTempDir, treeChecksum } from '../../fixtures/index.js';
import {
  buildRequest,
  mountsBelow,
  processesUnder,
  testBuilder,
} from '../../fixtures/subsystems.js';

let env: Awaited<ReturnType<typeof testBuilder>>;
let snapshots: string;
let baseChecksum: string;

beforeAll(async () => {
  snapshots = persistentTempDir('debyard-snapshots-');
  env = await testBuilder(snapshots);
  baseChecksum = treeChecksum(env.lease.tree);
}, 15 * 60_000);
afterAll(() => env.groups.close());

/** Processes running the slow fixture's `sleep 3600` (its own and the one it detached). */
function sleepers(): number[] {
  return [...readParents().keys()].filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8') === 'sleep\x003600\x00';
    } catch {
      return false;
    }
  });
}

function expectNothingLeft(): void {
  expect(sleepers()).toEqual([]);
  expect(processesUnder(snapshots)).toEqual([]);
  expect(mountsBelow(snapshots)).toEqual([]);
  expect(readdirSync(snapshots)).toEqual([]);
  expect(treeChecksum(env.lease.tree)).toBe(baseChecksum);
  expect(env.leases()).toBe(0);
}

describe('stopping a build', () => {
  it('cancels a running build through its AbortSignal, killing everything it started', async () => {
    const request = buildRequest(fixtureSource('slow'), env.lease);
    const controller = new AbortController();
    const building = env.builder.build(request, controller.signal);
    // Follow the live log like the web UI does, and cancel once the build sleeps.
    await expect.poll(() => env.logs.isLive(request.id), { timeout: 10_000 }).toBe(true);
    const follower = followLog(env.logs, request.id, request.logFile);
    await expect
      .poll(() => follower.text(), { timeout: 60_000 })
      .toContain('debyard-slow: sleeping');
    expect(sleepers()).toHaveLength(2);
    controller.abort(new Error('cancelled by admin'));
    const result = await building;
    expect(result).toMatchObject({
      status: 'cancelled',
      failStage: 'build',
      reason: 'cancelled: cancelled by admin',
      files: [],
    });
    const live = await follower.ended;
    expect(live).toBe(readFileSync(request.logFile, 'utf8'));
    expect(live).toMatch(/^Status: cancelled$/m);
    expectNothingLeft();
  }, 120_000);

  it('kills a build at its time limit', async () => {
    const started = Date.now();
    const result = await env.builder.build(
      buildRequest(fixtureSource('slow'), env.lease, { timeLimitMs: 8000 }),
    );
    expect(result).toMatchObject({
      status: 'attempted',
      failStage: 'build',
      reason: 'killed after the time limit of 8 s',
    });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(readFileSync(result.logFile, 'utf8')).toContain('debyard-slow: sleeping');
    expectNothingLeft();
  }, 120_000);
});

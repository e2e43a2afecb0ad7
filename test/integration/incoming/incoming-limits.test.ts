import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import type net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { StoredEvent } from '../../../src/events/event.js';
import {
  accepts,
  buildSourcePackage,
  closeServers,
  freePortRange,
  holdPort,
  RawFtp,
  spawnDaemon,
  type SpawnedDaemon,
  tempDir,
  waitForExit,
} from '../../fixtures/index.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;

/** A daemon process (on a fresh home unless given), stopped when the test ends. */
async function daemonWith(
  env: NodeJS.ProcessEnv,
  home = path.join(tempDir(), 'home'),
): Promise<SpawnedDaemon & { home: string }> {
  const daemon = await spawnDaemon(['--home', home], env);
  onTestFinished(async () => {
    daemon.child.kill('SIGTERM');
    await waitForExit(daemon.child, 10_000);
  });
  return { ...daemon, home };
}

/** curl -T of one file; its verbose log holds the server's replies (`< 552 …`). */
async function curlPut(port: number, file: string): Promise<{ ok: boolean; log: string }> {
  const url = `ftp://127.0.0.1:${port}/incoming/${path.basename(file)}`;
  try {
    const { stderr } = await run('curl', ['--silent', '--show-error', '-v', '-T', file, url]);
    return { ok: true, log: stderr };
  } catch (error) {
    return { ok: false, log: (error as { stderr: string }).stderr };
  }
}

function randomFile(dir: string, name: string, bytes: number): string {
  const file = path.join(dir, name);
  writeFileSync(file, randomBytes(bytes));
  return file;
}

function bytesIn(dir: string): number {
  return readdirSync(dir).reduce((sum, name) => sum + statSync(path.join(dir, name)).size, 0);
}

async function incomingEvents(daemon: SpawnedDaemon): Promise<StoredEvent[]> {
  const response = await fetch(`${daemon.url}/api/v1/events?type=INCOMING&limit=100`);
  return (await response.json()) as StoredEvent[];
}

async function until<T>(check: () => Promise<T | undefined> | T | undefined, what: string) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const found = await check();
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** dput of a fresh unsigned source package; resolves with dput's output. */
async function dput(port: number, source: string): Promise<string> {
  const root = tempDir();
  const pkg = await buildSourcePackage(root, { source });
  const dputCf = path.join(root, 'dput.cf');
  writeFileSync(
    dputCf,
    `[incoming]\nmethod = ftp\nfqdn = 127.0.0.1:${port}\nlogin = anonymous\nincoming = /incoming\npassive_ftp = 1\nallow_unsigned_uploads = 1\n`,
  );
  const env = { ...process.env, HOME: root, USER: 'tester' };
  const { stdout } = await run('dput', ['-c', dputCf, 'incoming', pkg.changes], {
    cwd: pkg.dir,
    env,
  });
  return stdout;
}

describe('the incoming as a whole is bounded', () => {
  it('parallel big strays from one address stop at ftp.max_incoming_size with 552 until they go', async () => {
    const daemon = await daemonWith({
      DEBYARD_FTP_MAX_INCOMING_SIZE: '8M',
      DEBYARD_INCOMING_STRAY_TIMEOUT: '10s',
    });
    const home = daemon.home;
    const local = tempDir();
    const strays = [1, 2, 3, 4].map((i) => randomFile(local, `stray${i}_1.0.orig.tar.gz`, 3 * MiB));
    const results = await Promise.all(strays.map((file) => curlPut(daemon.ftpPort, file)));

    const full =
      /< 552 the incoming is full: uploads waiting in it or on their way take [\d.]+ MiB of the 8 MiB it may hold; try again later/;
    // 3 MiB files, 8 MiB in all: two fit, the others are cut off with 552.
    expect(results.filter((r) => r.ok)).toHaveLength(2);
    for (const refused of results.filter((r) => !r.ok)) expect(refused.log).toMatch(full);
    const incoming = path.join(home, 'incoming');
    expect(bytesIn(incoming)).toBe(6 * MiB);
    await until(() => readdirSync(path.join(home, 'tmp', 'ftp')).length === 0, 'partials to go');

    // Nothing more fits until space frees.
    const more = randomFile(local, 'more_1.0.orig.tar.gz', 3 * MiB);
    expect((await curlPut(daemon.ftpPort, more)).log).toMatch(full);
    expect(bytesIn(incoming)).toBe(6 * MiB);
    const refusing = (await incomingEvents(daemon)).find((e) => e.message.startsWith('refusing'));
    expect(refusing?.message).toMatch(/^refusing uploads: the incoming is full: /);

    // The stray timeout removes the strays; the incoming takes uploads again.
    await until(
      async () => (await incomingEvents(daemon)).find((e) => e.message.startsWith('removed 2')),
      'the strays to be removed',
    );
    expect((await curlPut(daemon.ftpPort, more)).ok).toBe(true);
    expect(daemon.child.exitCode).toBe(null);
    expect((await fetch(`${daemon.url}/api/v1/status`)).status).toBe(200);
  });

  it('keeps ftp.min_free_disk free on its disk, checked while a file streams', async () => {
    const mount = tempDir();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mount]);
    onTestFinished(() => {
      execFileSync('umount', ['-l', mount]);
    });
    const home = path.join(mount, 'home');
    const daemon = await daemonWith({ DEBYARD_FTP_MIN_FREE_DISK: '40M' }, home);
    const free = () => {
      const stats = statfsSync(mount);
      return stats.bavail * stats.bsize;
    };
    const local = tempDir();
    // A file that would leave 4 MiB less than must stay free is cut off while it streams.
    const big = randomFile(local, 'big_1.0.orig.tar.gz', free() - 40 * MiB + 4 * MiB);
    const cut = await curlPut(daemon.ftpPort, big);
    expect(cut.ok).toBe(false);
    expect(cut.log).toMatch(
      /< 552 the disk of the incoming is nearly full: [\d.]+ MiB free, and 40 MiB must stay free; try again later/,
    );
    await until(() => readdirSync(path.join(home, 'tmp', 'ftp')).length === 0, 'the partial');
    expect(readdirSync(path.join(home, 'incoming'))).toEqual([]);

    // Something else fills the disk: no upload starts until it frees.
    const filler = path.join(mount, 'filler');
    writeFileSync(filler, Buffer.alloc(free() - 39 * MiB));
    // Free space is asked every 2 s: one asked before the filler came must be out of date.
    await new Promise((r) => setTimeout(r, 2100));
    const small = randomFile(local, 'small_1.0.dsc', 1000);
    const refused = await curlPut(daemon.ftpPort, small);
    expect(refused.log).toMatch(/< 552 the disk of the incoming is nearly full/);
    expect(refused.log).not.toMatch(/< 150/);
    rmSync(filler);
    await new Promise((r) => setTimeout(r, 2100)); // free space is asked every 2 s
    expect((await curlPut(daemon.ftpPort, small)).ok).toBe(true);
    expect(daemon.child.exitCode).toBe(null);
  });
});

describe('sessions and passive listeners per address', () => {
  it('caps idle sessions and PASVs from one address; dput from another still uploads', async () => {
    const ports = await freePortRange(12);
    const daemon = await daemonWith({
      DEBYARD_FTP_PASSIVE_PORTS: `${ports.min}-${ports.max}`,
      DEBYARD_FTP_MAX_SESSIONS_PER_ADDRESS: '8',
      DEBYARD_FTP_MAX_PASSIVE_PER_ADDRESS: '4',
      DEBYARD_FTP_PASSIVE_TIMEOUT: '3s',
    });
    // The attacker comes from 127.0.0.2 and opens 30 idle sessions.
    const attempts = await Promise.allSettled(
      Array.from({ length: 30 }, () => RawFtp.login(daemon.ftpPort, '127.0.0.2')),
    );
    const sessions = attempts.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
    onTestFinished(() => sessions.forEach((s) => s.destroy()));
    expect(sessions).toHaveLength(8);
    for (const refused of attempts.filter((a) => a.status === 'rejected')) {
      expect(String(refused.reason)).toContain(
        'unexpected greeting 421 Too many FTP sessions from your address (8 open); close some and try again',
      );
    }
    const replies = [];
    for (const session of sessions) replies.push(await session.send('EPSV'));
    expect(replies.filter((r) => r.code === 229)).toHaveLength(4);
    expect(replies.filter((r) => r.code !== 229)).toEqual(
      Array(4).fill({
        code: 425,
        text: 'Too many passive data connections from your address (4 open); finish or close your other FTP sessions first',
      }),
    );
    // Each session has one listener: a new EPSV closes the one before.
    const listening = replies.filter((r) => r.code === 229).map(epsvPort);
    const first = sessions[replies.findIndex((r) => r.code === 229)]!;
    const again = await first.send('EPSV');
    expect(again.code).toBe(229);
    // (The range is small: the new listener may take the old one's port, which it could
    // only bind once the old one had closed.)
    if (epsvPort(again) !== listening[0]) expect(await accepts(listening[0]!)).toBe(false);
    // A session that ends takes its listener along.
    first.destroy();
    await until(async () => !(await accepts(epsvPort(again))), 'the listener to close');

    // dput from 127.0.0.1 is not held back by the other address's sessions.
    expect(await dput(daemon.ftpPort, 'capped')).toContain('Successfully uploaded packages.');

    // Nobody connects to the attacker's listeners: they close after ftp.passive_timeout.
    await new Promise((r) => setTimeout(r, 3500));
    for (const port of listening.slice(1)) {
      expect(await accepts(port)).toBe(false);
    }
  });

  it('dput uploads although a neighbour holds the first ports of the passive range', async () => {
    const ports = await freePortRange(40);
    const neighbour: net.Server[] = [];
    for (let port = ports.min; port < ports.min + 10; port++) {
      const held = await holdPort(port);
      if (held) neighbour.push(held);
    }
    onTestFinished(() => closeServers(neighbour));
    expect(neighbour).toHaveLength(10);
    const daemon = await daemonWith({ DEBYARD_FTP_PASSIVE_PORTS: `${ports.min}-${ports.max}` });
    expect(await dput(daemon.ftpPort, 'neighbour')).toContain('Successfully uploaded packages.');
    expect(await dput(daemon.ftpPort, 'neighbours')).toContain('Successfully uploaded packages.');

    // PASV names the address the client reached (not the client's own, 127.0.0.3 here).
    const ftp = await RawFtp.login(daemon.ftpPort, '127.0.0.3');
    onTestFinished(() => ftp.destroy());
    const reply = await ftp.send('PASV');
    expect(reply.text).toMatch(/^Entering Passive Mode \(127,0,0,1,\d+,\d+\)$/);
    const port = Number(reply.text.split(',')[4]) * 256 + Number(/(\d+)\)$/.exec(reply.text)![1]);
    expect(port).toBeGreaterThanOrEqual(ports.min + 10);
    expect(port).toBeLessThanOrEqual(ports.max);
  });
});

function epsvPort(reply: { text: string }): number {
  return Number(/\(\|\|\|(\d+)\|\)/.exec(reply.text)![1]);
}

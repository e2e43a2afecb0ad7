import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { detectHostSystem } from '../../../src/config/host-system.js';
import { body, REPO_ROOT, startTestDaemon, tempDir, testSettings } from '../../fixtures/index.js';

/** Processes whose command line mentions `text`. */
function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .filter((entry) => {
      try {
        return readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('the chroots part of the daemon', () => {
  it('creates the default chroot in the background and aborts it cleanly when the daemon stops', async () => {
    // A mirror that accepts connections and never answers keeps mmdebstrap busy.
    const sockets = new Set<Socket>();
    const mirror = createServer(() => {});
    mirror.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => mirror.listen(0, '127.0.0.1', resolve));
    const port = (mirror.address() as { port: number }).port;
    const { codename, architecture } = detectHostSystem();
    const definitions = path.join(tempDir(), 'chroots');
    mkdirSync(path.join(definitions, 'setup'), { recursive: true });
    writeFileSync(
      path.join(definitions, 'setup', 'debyard-base.sh'),
      readFileSync(path.join(REPO_ROOT, 'chroots', 'setup', 'debyard-base.sh')),
    );
    writeFileSync(
      path.join(definitions, `${codename}.toml`),
      `codename = "${codename}"\nmirror = "http://127.0.0.1:${port}/debian"\n`,
    );
    const home = path.join(tempDir(), 'home');
    const settings = testSettings(home);
    const daemon = await startTestDaemon(home, {
      chroots: { ...settings.chroots, autoCreate: true, definitions },
    });
    const label = `${codename}/${architecture}`;
    try {
      await expect
        .poll(() => daemon.events.list({ types: ['CHROOT'] }).map((e) => e.message), {
          timeout: 60_000,
        })
        .toContain(`chroot ${label}: running apt-get update`);
      expect(processesMentioning(home).length).toBeGreaterThan(0);
    } finally {
      const stopping = Date.now();
      await daemon.stop();
      expect(Date.now() - stopping).toBeLessThan(10_000);
      for (const socket of sockets) socket.destroy();
      mirror.close();
    }
    expect(processesMentioning(home)).toEqual([]);
    const db = new BetterSqlite3(path.join(home, 'debyard.db'), { readonly: true });
    const row = db.prepare('SELECT state, last_error FROM chroots').get();
    const messages = db
      .prepare("SELECT message FROM events WHERE type = 'CHROOT' ORDER BY id")
      .pluck()
      .all();
    db.close();
    expect(row).toEqual({ state: 'broken', last_error: 'daemon stopping' });
    expect(messages[0]).toBe(`creating chroot ${label}`);
    expect(messages.at(-1)).toBe(`creating chroot ${label} failed: daemon stopping`);
    expect(readdirSync(path.join(home, 'chroots', 'bases', `${codename}-${architecture}`))).toEqual(
      [],
    );
  }, 120_000);

  it('offers the chroot calls to admins only', async () => {
    const home = path.join(tempDir(), 'home');
    const daemon = await startTestDaemon(home);
    try {
      const response = await fetch(`${daemon.url}/api/v1/chroot_list`);
      expect(response.status).toBe(401);
      expect((await body(response)).detail).toBe(
        'chroot_list needs a logged-in user with role admin; pass a token',
      );
    } finally {
      await daemon.stop();
    }
  });
});

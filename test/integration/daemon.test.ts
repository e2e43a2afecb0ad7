import { statSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { body, startTestDaemon, tempDir } from '../fixtures/index.js';
import { cli } from '../fixtures/subsystems.js';
import { detectHostSystem } from '../../src/config/host-system.js';
import { verifyPassword } from '../../src/shared/passwords.js';

/** Logs in anonymously over a raw socket; returns every reply line. */
async function ftpLogin(port: number): Promise<string[]> {
  const socket = net.connect(port, '127.0.0.1');
  const replies: string[] = [];
  let buffer = '';
  const waitFor = (...codes: string[]) =>
    new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split('\r\n');
        buffer = lines.pop()!;
        replies.push(...lines);
        const final = lines.find((l) => codes.some((c) => l.startsWith(`${c} `)));
        if (final) {
          socket.off('data', onData);
          resolve(final.slice(0, 3));
        }
      };
      socket.on('data', onData);
      socket.once('error', reject);
    });
  await waitFor('220');
  socket.write('USER anonymous\r\n');
  if ((await waitFor('230', '331', '530')) === '331') {
    socket.write('PASS me@example.org\r\n');
    await waitFor('230', '530');
  }
  socket.write('QUIT\r\n');
  socket.end();
  return replies;
}

describe('daemon (in process)', () => {
  it('creates the home, the admin and the test repository, serves status and accepts FTP logins', async () => {
    const home = path.join(tempDir(), 'home');
    const daemon = await startTestDaemon(home);
    try {
      for (const folder of [
        'repos',
        'chroots',
        'incoming',
        'spool',
        'rejected',
        'builds',
        'logs',
        'keys',
      ]) {
        expect(statSync(path.join(home, folder)).isDirectory()).toBe(true);
      }
      const passwordFile = path.join(home, 'admin-password');
      expect(statSync(passwordFile).mode & 0o777).toBe(0o600);
      const password = readFileSync(passwordFile, 'utf8').trim();
      expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);

      const res = await fetch(`${daemon.url}/api/v1/status`);
      expect(res.status).toBe(200);
      const status = await body(res);
      expect(status).toMatchObject({
        name: 'debyard',
        identity: 'testyard',
        version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      });
      expect(status.uptimeSeconds).toBeGreaterThanOrEqual(0);

      const replies = await ftpLogin(daemon.ftp.port);
      expect(replies[0]).toMatch(/^220/);
      expect(replies.at(-1)).toMatch(/^230/);

      const viaCli = await cli(['status', '--server', daemon.url, '--json']);
      expect(viaCli.code).toBe(0);
      expect(JSON.parse(viaCli.out)).toMatchObject({ identity: 'testyard' });

      const page = await fetch(`${daemon.url}/`);
      expect(await page.text()).toContain('debyard on testyard');
    } finally {
      await daemon.stop();
    }
    // The admin user has the password from the file, hashed with scrypt.
    const db = new BetterSqlite3(path.join(home, 'debyard.db'), { readonly: true });
    const admin = db
      .prepare("SELECT role, password_hash FROM users WHERE name = 'admin'")
      .get() as { role: string; password_hash: string };
    const repositories = db.prepare('SELECT id, allow_unsigned FROM repositories').all();
    const distributions = db.prepare('SELECT codename, architectures FROM distributions').all();
    db.close();
    const host = detectHostSystem();
    expect(admin.role).toBe('admin');
    expect(repositories).toEqual([{ id: 'test', allow_unsigned: 1 }]);
    expect(distributions).toEqual([
      { codename: host.codename, architectures: JSON.stringify([host.architecture]) },
    ]);
    expect(
      await verifyPassword(
        readFileSync(path.join(home, 'admin-password'), 'utf8').trim(),
        admin.password_hash,
      ),
    ).toBe(true);
  });

  it('keeps the admin password across restarts and records start and stop events', async () => {
    const home = path.join(tempDir(), 'home');
    const first = await startTestDaemon(home);
    const password = readFileSync(path.join(home, 'admin-password'), 'utf8');
    await first.stop();
    const second = await startTestDaemon(home);
    expect(readFileSync(path.join(home, 'admin-password'), 'utf8')).toBe(password);
    const messages = second.events.list({ types: ['DAEMON'] }).map((e) => e.message);
    await second.stop();
    expect(messages.filter((m) => m.endsWith('started'))).toHaveLength(2);
    expect(messages).toContain('debyard stopping');
  });

  it('stops listening on stop', async () => {
    const daemon = await startTestDaemon(path.join(tempDir(), 'home'));
    await daemon.stop();
    await expect(fetch(`${daemon.url}/api/v1/status`)).rejects.toThrow();
  });
});

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { body, runCliProcess, spawnDaemon, tempDir, waitForExit } from '../fixtures/index.js';

describe('debyard daemon as a process', () => {
  it('serves, then exits 0 within 5 s of SIGTERM, leaving a clean home', async () => {
    const home = path.join(tempDir(), 'home');
    const daemon = await spawnDaemon(['--home', home]);
    const status = await body(await fetch(`${daemon.url}/api/v1/status`));
    expect(status.name).toBe('debyard');
    expect(existsSync(path.join(home, 'debyard.lock'))).toBe(true);

    daemon.child.kill('SIGTERM');
    const exit = await waitForExit(daemon.child, 10_000);
    expect(exit.code).toBe(0);
    expect(exit.ms).toBeLessThan(5000);
    expect(existsSync(path.join(home, 'debyard.lock'))).toBe(false);
    // WAL folded back into the main file.
    expect(existsSync(path.join(home, 'debyard.db-wal'))).toBe(false);
    expect(daemon.output()).toContain('"msg":"debyard stopped"');
  });

  it('exits 0 on SIGINT too', async () => {
    const daemon = await spawnDaemon(['--home', path.join(tempDir(), 'home')]);
    daemon.child.kill('SIGINT');
    expect((await waitForExit(daemon.child, 10_000)).code).toBe(0);
  });

  it('refuses a second daemon on the same home, and takes over a stale lock after kill -9', async () => {
    const home = path.join(tempDir(), 'home');
    const first = await spawnDaemon(['--home', home]);
    try {
      const second = await runCliProcess([
        'daemon',
        '--home',
        home,
        '--http',
        '127.0.0.1:0',
        '--ftp',
        '127.0.0.1:0',
      ]);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(
        `another debyard (pid ${first.child.pid}) is already running on home ${home}`,
      );
      expect((await fetch(`${first.url}/api/v1/status`)).status).toBe(200);
    } finally {
      first.child.kill('SIGKILL');
      await waitForExit(first.child, 5000);
    }
    expect(existsSync(path.join(home, 'debyard.lock'))).toBe(true);
    const again = await spawnDaemon(['--home', home]);
    expect((await fetch(`${again.url}/api/v1/status`)).status).toBe(200);
    again.child.kill('SIGTERM');
    expect((await waitForExit(again.child, 10_000)).code).toBe(0);
  });

  it('names a port in use and the flag to change it', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    const home = path.join(tempDir(), 'home');
    try {
      const result = await runCliProcess([
        'daemon',
        '--home',
        home,
        '--http',
        `127.0.0.1:${port}`,
        '--ftp',
        '127.0.0.1:0',
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `HTTP address 127.0.0.1:${port} is already in use by another program; stop it or pass --http HOST:PORT`,
      );
      expect(existsSync(path.join(home, 'debyard.lock'))).toBe(false);

      const ftp = await runCliProcess([
        'daemon',
        '--home',
        home,
        '--http',
        '127.0.0.1:0',
        '--ftp',
        `127.0.0.1:${port}`,
      ]);
      expect(ftp.code).toBe(1);
      expect(ftp.stderr).toContain(`FTP address 127.0.0.1:${port} is already in use`);
    } finally {
      blocker.close();
    }
  });

  it('exits 2 on bad configuration or unknown flags, writing nothing', async () => {
    const dir = tempDir();
    const home = path.join(dir, 'home');
    const config = path.join(dir, 'debyard.toml');
    writeFileSync(config, `home = "${home}"\n[http]\nlisten = "nope"\n`);
    const bad = await runCliProcess(['daemon', '--config', config, '--log-level', 'chatty']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid configuration');
    expect(bad.stderr).toContain('http.listen (from config file');
    expect(bad.stderr).toContain('log_level (from command-line flags)');
    expect(existsSync(home)).toBe(false);

    const unknown = await runCliProcess(['daemon', '--home', home, '--colour']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown argument: colour/);
    expect(existsSync(home)).toBe(false);
  });

  it('explains a home whose parent is missing, or that is not writable', async () => {
    const dir = tempDir();
    const missing = await runCliProcess(['daemon', '--home', path.join(dir, 'no', 'such', 'home')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      `its parent folder ${path.join(dir, 'no', 'such')} does not exist`,
    );

    const file = path.join(dir, 'a-file');
    writeFileSync(file, '');
    const notFolder = await runCliProcess(['daemon', '--home', file]);
    expect(notFolder.code).toBe(1);
    expect(notFolder.stderr).toContain('exists but is not a folder');

    // Root may write anywhere permissions allow, so use a read-only mount.
    const readOnly = path.join(dir, 'ro');
    mkdirSync(readOnly);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', readOnly]);
    try {
      const result = await runCliProcess([
        'daemon',
        '--home',
        readOnly,
        '--http',
        '127.0.0.1:0',
        '--ftp',
        '127.0.0.1:0',
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `home ${readOnly} is not writable (EROFS); fix its permissions or pass another --home`,
      );
    } finally {
      execFileSync('umount', [readOnly]);
    }
  });

  it('explains a corrupt database and one from a newer debyard, writing nothing', async () => {
    const home = path.join(tempDir(), 'home');
    mkdirSync(home);
    writeFileSync(path.join(home, 'debyard.db'), 'garbage '.repeat(1000));
    const corrupt = await runCliProcess([
      'daemon',
      '--home',
      home,
      '--http',
      '127.0.0.1:0',
      '--ftp',
      '127.0.0.1:0',
    ]);
    expect(corrupt.code).toBe(1);
    expect(corrupt.stderr).toMatch(/database .*debyard.db is corrupt or not an SQLite database/);
    expect(readdirSync(home)).toEqual(['debyard.db']);

    const newer = path.join(tempDir(), 'home');
    mkdirSync(newer);
    const db = new BetterSqlite3(path.join(newer, 'debyard.db'));
    db.exec(
      "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL); INSERT INTO schema_migrations VALUES (9999, 'future', 'x')",
    );
    db.close();
    const result = await runCliProcess([
      'daemon',
      '--home',
      newer,
      '--http',
      '127.0.0.1:0',
      '--ftp',
      '127.0.0.1:0',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'database has schema migration(s) 9999 that this debyard does not know',
    );
  });
});

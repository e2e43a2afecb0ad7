import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import pty from 'node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import {
  adminPassword,
  CLI,
  persistentTempDir,
  startTestDaemon,
  tempDir,
} from '../fixtures/index.js';
import { cli } from '../fixtures/subsystems.js';

// One daemon for the file; each test logs in with its own config folder.
let daemon: Daemon;
let root: string;
beforeAll(async () => {
  root = persistentTempDir();
  daemon = await startTestDaemon(path.join(root, 'home'));
});
afterAll(() => daemon?.stop());

/** A user home with the admin logged in, and a `run` that uses it. */
async function loggedIn() {
  const userHome = tempDir();
  const run = (args: string[], options: Parameters<typeof cli>[1] = {}) =>
    cli([...args, '--server', daemon.url], { userHome, ...options });
  const login = await run(['login', '--user', 'admin', '--password-stdin'], {
    stdin: `${adminPassword(daemon)}\n`,
  });
  expect(login.err).toBe('');
  expect(login.code).toBe(0);
  return { userHome, run, login };
}

describe('debyard login and logout', () => {
  it('stores server and token in ~/.config/debyard/config with mode 0600', async () => {
    const { userHome, login, run } = await loggedIn();
    const file = path.join(userHome, '.config', 'debyard', 'config');
    expect(login.out).toMatch(
      new RegExp(
        `^logged in to ${daemon.url} as admin \\(admin\\); token \\d+ stored in ${file}\\n$`,
      ),
    );
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    const config = readFileSync(file, 'utf8');
    expect(config).toContain(`server = "${daemon.url}"`);
    expect(config).toMatch(/token = "dby_[A-Za-z0-9_-]{43}"/);

    const whoami = await cli(['whoami', '--json'], { userHome });
    expect(whoami.code).toBe(0);
    expect(JSON.parse(whoami.out)).toMatchObject({ user: 'admin', role: 'admin', via: 'token' });

    const logout = await run(['logout', '--json']);
    expect(logout.code).toBe(0);
    expect(JSON.parse(logout.out)).toMatchObject({ user: 'admin', configFile: file });
    expect(readFileSync(file, 'utf8')).not.toContain('token');
    const after = await cli(['whoami'], { userHome });
    expect(after.code).toBe(1);
    expect(after.err).toBe(
      'debyard: whoami needs a logged-in user with role login; pass a token\n',
    );
  });

  it('asks for user and password when it has a terminal, and refuses without one', async () => {
    const userHome = tempDir();
    const asked = await cli(['login', '--server', daemon.url, '--json'], {
      userHome,
      answers: ['admin', adminPassword(daemon)],
    });
    expect(asked.code).toBe(0);
    expect(JSON.parse(asked.out)).toMatchObject({ user: 'admin', role: 'admin' });
    const noTerminal = await cli(['login', '--server', daemon.url], { userHome });
    expect(noTerminal.code).toBe(2);
    expect(noTerminal.err).toContain('no terminal to ask on: pass --user and --password-stdin');
    const wrong = await cli(
      ['login', '--server', daemon.url, '--user', 'admin', '--password', 'wrong'],
      {
        userHome,
      },
    );
    expect(wrong.code).toBe(1);
    expect(wrong.err).toBe('debyard: wrong user name or password\n');
  });

  it('prompts on a real terminal without echoing the password', async () => {
    const userHome = tempDir();
    const terminal = pty.spawn(process.execPath, [CLI, 'login', '--server', daemon.url], {
      env: { ...process.env, HOME: userHome, XDG_CONFIG_HOME: '' },
      cols: 120,
      rows: 20,
    });
    let screen = '';
    terminal.onData((data) => (screen += data));
    const exited = new Promise<number>((resolve) =>
      terminal.onExit(({ exitCode }) => resolve(exitCode)),
    );
    const waitFor = async (text: string) => {
      for (let i = 0; i < 200 && !screen.includes(text); i++)
        await new Promise((r) => setTimeout(r, 25));
      expect(screen).toContain(text);
    };
    await waitFor('User name: ');
    terminal.write('admin\r');
    await waitFor('Password: ');
    terminal.write(`${adminPassword(daemon)}\r`);
    expect(await exited).toBe(0);
    expect(screen).toContain('logged in to');
    expect(screen).not.toContain(adminPassword(daemon));
    expect(readFileSync(path.join(userHome, '.config', 'debyard', 'config'), 'utf8')).toContain(
      'token = ',
    );
  });
});

describe('API calls as commands', () => {
  it('manages users with human tables, --json and exit codes 0/1/2', async () => {
    const { run } = await loggedIn();
    const added = await run(['user-add', 'cleo', '--role', 'staff', '--json']);
    expect(added.code).toBe(0);
    const user = JSON.parse(added.out);
    expect(user).toMatchObject({ name: 'cleo', role: 'staff', disabled: false });
    expect(user.password).toMatch(/^[A-Za-z0-9_-]{20}$/);

    const table = await run(['users']);
    expect(table.code).toBe(0);
    const lines = table.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME +ROLE +DISABLED +TOKENS +CREATED$/);
    expect(lines.find((l) => l.startsWith('cleo '))).toMatch(/^cleo +staff +no +0 +\d{4}-/);
    const list = JSON.parse((await run(['users', '--json'])).out);
    expect(list.map((u: { name: string }) => u.name)).toContain('cleo');

    expect(JSON.parse((await run(['user-role', 'cleo', 'login', '--json'])).out).role).toBe(
      'login',
    );
    expect(JSON.parse((await run(['user-disable', 'cleo', '--json'])).out).disabled).toBe(true);
    expect((await run(['user-enable', 'cleo'])).out).toMatch(/^cleo: role login, created /);

    const usage = await run(['user-role', 'cleo', 'root']);
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('role: must be one of login, staff, admin');
    const missing = await run(['user-disable', 'nobody']);
    expect(missing.code).toBe(1);
    expect(missing.err).toBe('debyard: there is no user "nobody"; see debyard users\n');
    const clash = await run(['user-add', 'cleo']);
    expect(clash.code).toBe(1);
    expect(clash.err).toBe('debyard: user "cleo" already exists\n');

    // As cleo (role login): admin calls are refused with 403, exit 1.
    const cleoHome = tempDir();
    await cli(['login', '--server', daemon.url, '--user', 'cleo', '--password-stdin'], {
      userHome: cleoHome,
      stdin: user.password,
    });
    const denied = await cli(['users'], { userHome: cleoHome });
    expect(denied.code).toBe(1);
    expect(denied.err).toBe('debyard: users needs role admin; user cleo has role login\n');
  });

  it('creates, lists and revokes tokens', async () => {
    const { run } = await loggedIn();
    const created = JSON.parse(
      (await run(['token-create', '--name', 'ci runner', '--expires-days', '7', '--json'])).out,
    );
    expect(created).toMatchObject({ name: 'ci runner', user: 'admin' });
    const listed = await run(['tokens']);
    expect(listed.out.split('\n')[0]).toMatch(/^ID +NAME +PREFIX +CREATED +LAST USED +EXPIRES$/);
    expect(listed.out).toContain(`${created.prefix}…`);
    const revoked = await run(['token-revoke', String(created.id)]);
    expect(revoked).toMatchObject({ code: 0, out: `revoked token ${created.id}\n` });
    const ids = JSON.parse((await run(['tokens', '--json'])).out).map((t: { id: number }) => t.id);
    expect(ids).not.toContain(created.id);
    expect((await run(['token-revoke', 'abc'])).code).toBe(2);
  });

  it('lists and follows events', async () => {
    const { run } = await loggedIn();
    daemon.events.emit({
      type: 'BUILT',
      message: 'hello built',
      source: 'clihello',
      version: '1.0-1',
    });
    const table = await run(['events', '--source', 'clihello']);
    expect(table.out.split('\n')[0]).toMatch(
      /^ *ID +TIME +TYPE +SOURCE +VERSION +DISTRIBUTION +USER +MESSAGE$/,
    );
    expect(table.out).toMatch(/BUILT +clihello +1\.0-1 +- +- +hello built/);
    const json = JSON.parse((await run(['events', '--source', 'clihello', '--json'])).out);
    expect(json).toEqual([expect.objectContaining({ type: 'BUILT', message: 'hello built' })]);
    expect((await run(['events', '--type', 'NOPE'])).code).toBe(2);

    const controller = new AbortController();
    const lines: string[] = [];
    const following = run(['events', '--follow', '--source', 'clihello', '--json'], {
      signal: controller.signal,
      onOut: (line) => lines.push(line),
    });
    for (let i = 0; i < 100 && lines.length < 1; i++) await new Promise((r) => setTimeout(r, 20));
    daemon.events.emit({ type: 'INSTALLED', message: 'hello installed', source: 'clihello' });
    for (let i = 0; i < 100 && lines.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    expect((await following).code).toBe(0);
    expect(lines.map((l) => JSON.parse(l).message)).toEqual(['hello built', 'hello installed']);
  });

  it('follows events as its own process, one line per event', async () => {
    const child = spawn(
      process.execPath,
      [CLI, 'events', '--follow', '--type', 'FAILED', '--server', daemon.url],
      {
        env: { ...process.env, HOME: tempDir() },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    try {
      // The stream is open once the daemon has a subscriber; then emit.
      await new Promise((r) => setTimeout(r, 800));
      daemon.events.emit({
        type: 'FAILED',
        message: 'build of procfail failed',
        source: 'procfail',
        version: '2.0',
      });
      daemon.events.emit({ type: 'BUILT', message: 'not shown' });
      for (let i = 0; i < 150 && !out.includes('procfail'); i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(out).toMatch(/^\S+Z {2}FAILED {2}procfail 2\.0 {2}build of procfail failed\n$/m);
      expect(out).not.toContain('not shown');
    } finally {
      child.kill('SIGTERM');
    }
  });
});

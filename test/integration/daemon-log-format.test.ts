import { spawn } from 'node:child_process';
import path from 'node:path';
import pty from 'node-pty';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CLI, spawnDaemon, tempDir, waitForExit } from '../fixtures/index.js';

// eslint-disable-next-line no-control-regex -- ANSI colour sequences start with ESC
const ANSI = /\x1b\[[0-9;]*m/g;
const PRETTY_STARTED =
  /^\d\d:\d\d:\d\d\.\d{3} INFO {2}debyard started home=\S+ http=127\.0\.0\.1:\d+ ftp=127\.0\.0\.1:\d+\r?$/m;

/** Runs the daemon on a terminal until it started, stops it; returns what the screen shows. */
async function onTerminal(args: string[]): Promise<string> {
  const home = path.join(tempDir(), 'home');
  const terminal = pty.spawn(
    process.execPath,
    [CLI, 'daemon', '--home', home, '--http', '127.0.0.1:0', '--ftp', '127.0.0.1:0', ...args],
    {
      env: { ...process.env, DEBYARD_CHROOTS_AUTO_CREATE: 'false', DEBYARD_LOG_LEVEL: 'info' },
      cols: 200,
      rows: 50,
    },
  );
  let screen = '';
  terminal.onData((data) => (screen += data));
  let ended = false;
  const exited = new Promise<number>((resolve) =>
    terminal.onExit(({ exitCode }) => {
      ended = true;
      resolve(exitCode);
    }),
  );
  onTestFinished(() => {
    try {
      terminal.kill('SIGKILL');
    } catch {
      // exited already
    }
  });
  for (let i = 0; i < 600 && !ended && !screen.includes('debyard started'); i++)
    await new Promise((r) => setTimeout(r, 100));
  expect(screen).toContain('debyard started');
  terminal.kill('SIGTERM');
  expect(await exited).toBe(0);
  return screen;
}

describe('the daemon log', { timeout: 90_000 }, () => {
  it('on a terminal: human-readable lines, in colour', async () => {
    const screen = await onTerminal([]);
    expect(screen).toMatch(ANSI);
    const plain = screen.replace(ANSI, '');
    expect(plain).toMatch(PRETTY_STARTED);
    expect(plain).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}debyard stopped\r?$/m);
    expect(plain).toMatch(
      /INFO {2}\[archive\] generated the instance key fingerprint=[0-9A-F]{40}/,
    );
    expect(plain.split('\n').filter((line) => line.startsWith('{'))).toEqual([]);
  });

  it('piped: one JSON document per line', async () => {
    const daemon = await spawnDaemon(['--home', path.join(tempDir(), 'home')]);
    daemon.child.kill('SIGTERM');
    expect((await waitForExit(daemon.child, 15_000)).code).toBe(0);
    const lines = daemon.output().split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toContain(
      'debyard stopped',
    );
  });

  it('--log-format json on a terminal, --log-format pretty in a pipe (no colour)', async () => {
    const screen = await onTerminal(['--log-format', 'json']);
    expect(screen).toMatch(/^\{"level":"info",.*"msg":"debyard started"\}\r?$/m);

    const child = spawn(
      process.execPath,
      [CLI, 'daemon', '--home', path.join(tempDir(), 'home'), '--http', '127.0.0.1:0'],
      {
        env: {
          ...process.env,
          DEBYARD_FTP: '127.0.0.1:0',
          DEBYARD_CHROOTS_AUTO_CREATE: 'false',
          DEBYARD_LOG_FORMAT: 'pretty',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    onTestFinished(() => void child.kill('SIGKILL'));
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    for (let i = 0; i < 600 && !output.includes('debyard started'); i++)
      await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    expect((await waitForExit(child, 15_000)).code).toBe(0);
    expect(output).toMatch(PRETTY_STARTED);
    expect(output).not.toMatch(ANSI);
  });
});

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pty from 'node-pty';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { persistentTempDir, REPO_ROOT, tempDir, waitForExit } from '../fixtures/index.js';

/**
 * `npm start` and `npx debyard daemon`, as the README runs the daemon: a signal to npm
 * (a service manager's SIGTERM, a kill -INT) or Ctrl-C on the terminal stops the daemon
 * itself, and npm exits once it has stopped. Nothing is left running.
 */

// One npm cache for this file (npx installs the clone into its _npx folder once); the
// tests of a file run one after the other, and other files use caches of their own.
let root: string;
beforeAll(() => {
  root = persistentTempDir();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Launcher = 'npm start' | 'npx debyard daemon';

function commandOf(launcher: Launcher): [string, string[]] {
  return launcher === 'npm start' ? ['npm', ['start']] : ['npx', ['debyard', 'daemon']];
}

/** The environment of a user in a fresh home; npm's own variables from `npm test` go. */
function userEnv(home: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^npm_/i.test(key) && key !== 'INIT_CWD') env[key] = value;
  }
  return {
    ...env,
    HOME: home,
    npm_config_cache: path.join(root, 'npm-cache'),
    // npx installs the clone into its cache; its prepare script would rebuild dist/
    // under the other tests' feet.
    npm_config_ignore_scripts: 'true',
    npm_config_prefer_offline: 'true',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    DEBYARD_HOME: path.join(home, 'var'),
    DEBYARD_HTTP: '127.0.0.1:0',
    DEBYARD_FTP: '127.0.0.1:0',
    DEBYARD_CHROOTS_AUTO_CREATE: 'false',
    DEBYARD_LOG_LEVEL: 'info',
  };
}

// eslint-disable-next-line no-control-regex -- ANSI colour sequences start with ESC
const ANSI = /\x1b\[[0-9;]*m/g;

interface Started {
  /** The daemon's pid, from its home lock. */
  pid: number;
  /** Its HTTP port. */
  port: number;
}

/** Waits until the output shows the daemon started; returns its pid and port. */
async function started(output: () => string, home: string): Promise<Started> {
  const lock = path.join(home, 'var', 'debyard.lock');
  let pid: number | undefined;
  const deadline = Date.now() + 80_000;
  while (Date.now() < deadline) {
    if (pid === undefined && existsSync(lock)) {
      pid = Number(readFileSync(lock, 'utf8').trim()) || undefined;
      // Whatever the test finds, the daemon does not outlive it.
      if (pid !== undefined) onTestFinished(() => killLeftover(pid!));
    }
    // JSON in a pipe, coloured lines on a terminal: `"http":"127.0.0.1:…"`, `http=127.0.0.1:…`.
    const text = output().replace(ANSI, '');
    const port = text.includes('debyard started') && /http\W+127\.0\.0\.1:(\d+)/.exec(text);
    if (port && pid !== undefined) return { pid, port: Number(port[1]) };
    await sleep(100);
  }
  throw new Error(`the daemon did not start in 80 s:\n${output()}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The daemon outlived the test (the bug this file is about): end it, by its pid. */
function killLeftover(pid: number): void {
  if (isRunning(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('daemon')) {
    process.kill(pid, 'SIGKILL');
  }
}

async function portRefuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** After npm exited: the daemon is gone (pid and port) within a few seconds at most. */
async function expectDaemonGone(daemon: Started): Promise<void> {
  const deadline = Date.now() + 5000;
  while (isRunning(daemon.pid) && Date.now() < deadline) await sleep(100);
  expect(isRunning(daemon.pid), `daemon pid ${daemon.pid} still runs`).toBe(false);
  expect(await portRefuses(daemon.port)).toBe(true);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('stopping the daemon run by npm', { timeout: 90_000 }, () => {
  const cases: [Launcher, NodeJS.Signals][] = [
    ['npm start', 'SIGTERM'],
    ['npm start', 'SIGINT'],
    ['npx debyard daemon', 'SIGTERM'],
    ['npx debyard daemon', 'SIGINT'],
  ];
  it.each(cases)(
    '%s: %s to npm stops the daemon, and npm exits 0 with it',
    async (launcher, signal) => {
      const home = tempDir();
      const [command, args] = commandOf(launcher);
      const child = spawn(command, args, {
        cwd: REPO_ROOT,
        env: userEnv(home),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      onTestFinished(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      const daemon = await started(() => output, home);
      expect(daemon.pid).not.toBe(child.pid);

      child.kill(signal);
      const exit = await waitForExit(child, 15_000);
      expect({ code: exit.code, signal: exit.signal }, output).toEqual({ code: 0, signal: null });
      await expectDaemonGone(daemon);
      expect(output).toContain('"msg":"debyard stopped"');
    },
  );

  it.each(['npm start', 'npx debyard daemon'] as Launcher[])(
    '%s: Ctrl-C on the terminal stops the daemon cleanly, and npm exits 0',
    async (launcher) => {
      const home = tempDir();
      const [command, args] = commandOf(launcher);
      const terminal = pty.spawn(command, args, {
        cwd: REPO_ROOT,
        env: userEnv(home),
        cols: 100,
        rows: 30,
      });
      let screen = '';
      terminal.onData((data) => (screen += data));
      const exited = new Promise<number>((resolve) =>
        terminal.onExit(({ exitCode }) => resolve(exitCode)),
      );
      onTestFinished(() => {
        try {
          terminal.kill('SIGKILL');
        } catch {
          // exited already
        }
      });
      const daemon = await started(() => screen, home);

      terminal.write('\x03');
      const code = await Promise.race([exited, sleep(15_000).then(() => 'timeout')]);
      expect(code, screen).toBe(0);
      await expectDaemonGone(daemon);
      expect(screen).toContain('debyard stopped');
      expect(screen).not.toContain('second signal');
    },
  );
});

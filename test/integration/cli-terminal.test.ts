import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn as spawnPty } from 'node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import { homeLayout } from '../../src/config/home-layout.js';
import { openDatabase } from '../../src/db/database.js';
import { EventsRepository } from '../../src/db/events-repository.js';
import { silentLogger } from '../../src/shared/logger.js';
import { CLI, REPO_ROOT, runCliProcess, startTestDaemon } from '../fixtures/index.js';
import { seedFailedBuild } from '../fixtures/subsystems.js';

/** What a hostile build prints: a title, a clipboard write, cursor moves, colours. */
const LOG = [
  'plain line',
  '\x1b[31mred\x1b[0m and \x1b[1mbold\x1b[22m',
  '\x1b]0;pwned-title\x07after title',
  '\x1b]52;c;cm0gLXJmIH4K\x1b\\after clipboard',
  '\x1b[2J\x1b[H\x1b[5Acursor moved\x1b[?1049h',
  'bell\x07 and \u009d0;c1 title\u009c done',
  '',
].join('\n');

const EVENT = 'rejected x_1.0.dsc\x1b]0;evil-event\x07 \x1b[32mchecked\x1b[0m\x1b[3J';

/**
 * Runs the built CLI on a pseudo-terminal, as a user at a terminal does; resolves with
 * all it printed. `until` ends it (SIGTERM) once the output holds that text.
 */
function onTerminal(args: string[], until?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const term = spawnPty(process.execPath, [CLI, ...args], {
      cols: 200,
      rows: 50,
      cwd: REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1' } as Record<string, string>,
    });
    let output = '';
    const timer = setTimeout(() => {
      term.kill('SIGKILL');
      reject(new Error(`debyard ${args.join(' ')} did not end:\n${JSON.stringify(output)}`));
    }, 30_000);
    term.onData((data) => {
      output += data;
      if (until && output.includes(until)) term.kill('SIGTERM');
    });
    term.onExit(() => {
      clearTimeout(timer);
      resolve(output);
    });
  });
}

/** Every escape in `output` starts a colour (SGR); nothing else reached the terminal. */
function onlyColours(output: string): void {
  // eslint-disable-next-line no-control-regex
  const escapes = [...output.matchAll(/\x1b(\[[0-9;:]*m)?/g)];
  expect(escapes.filter((m) => m[1] === undefined).map((m) => m.index)).toEqual([]);
  // eslint-disable-next-line no-control-regex
  expect(output).not.toMatch(/[\x07\x9d\x9c]/);
}

describe('debyard on a terminal', () => {
  let daemon: Daemon;
  let buildId: number;
  const home = mkdtempSync(path.join(os.tmpdir(), 'debyard-test-'));
  beforeAll(async () => {
    daemon = await startTestDaemon(path.join(home, 'home'));
    buildId = seedFailedBuild(path.join(home, 'home'), (log) => log.write(LOG)).buildId;
    const db = openDatabase(homeLayout(path.join(home, 'home')).database, {
      logger: silentLogger,
    });
    new EventsRepository(db).append({ type: 'REJECTED', message: EVENT }, new Date());
    db.close();
  });
  afterAll(async () => {
    await daemon.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('shows a build log with its colours but none of its other control sequences', async () => {
    for (const args of [[], ['--follow']]) {
      const output = await onTerminal([
        'build-log',
        String(buildId),
        '--server',
        daemon.url,
        ...args,
      ]);
      onlyColours(output);
      expect(output).toContain('\x1b[31mred\x1b[0m and \x1b[1mbold\x1b[22m');
      for (const text of ['after title', 'after clipboard', 'cursor moved', 'bell and  done']) {
        expect(output).toContain(text);
      }
      expect(output).not.toContain('pwned-title');
      expect(output).not.toContain('cm0gLXJmIH4K');
    }
  });

  it('shows events the same way, listed and followed', async () => {
    const listed = await onTerminal(['events', '--server', daemon.url]);
    const followed = await onTerminal(['events', '--follow', '--server', daemon.url], 'x_1.0.dsc');
    for (const output of [listed, followed]) {
      expect(output).toContain('x_1.0.dsc');
      expect(output).toContain('\x1b[32mchecked\x1b[0m');
      expect(output).not.toContain('evil-event');
      onlyColours(output);
    }
  });

  it('prints the bytes as they are with --raw, and to a pipe', async () => {
    const raw = await onTerminal(['build-log', String(buildId), '--server', daemon.url, '--raw']);
    expect(raw).toContain('\x1b]0;pwned-title\x07after title');
    expect(raw).toContain('\x1b]52;c;cm0gLXJmIH4K\x1b\\after clipboard');
    expect(raw).toContain('\x1b[2J\x1b[H\x1b[5Acursor moved');
    const piped = await runCliProcess(['build-log', String(buildId), '--server', daemon.url]);
    expect(piped.code).toBe(0);
    expect(piped.stdout).toBe(LOG);
  });
});

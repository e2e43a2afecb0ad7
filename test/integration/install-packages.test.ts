import { execFile, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../fixtures/index.js';

const run = promisify(execFile);
const SCRIPT = path.join(REPO_ROOT, '.ci', 'install-packages');
const NOBODY = ['/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'];

/**
 * `.ci/install-packages` as the README's Quick start runs it: as root (containers and
 * fresh cloud images have no sudo) and as a user with sudo. apt-get and sudo are
 * stand-ins that write down how they were called; nothing is installed.
 */
function standIns(withSudo: boolean): { bin: string; calls: () => string[] } {
  const dir = tempDir();
  chmodSync(dir, 0o777);
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  const log = path.join(dir, 'calls.log');
  writeFileSync(log, '');
  chmodSync(log, 0o666);
  const stub = (name: string) => {
    writeFileSync(path.join(bin, name), `#!/bin/sh\necho "${name} $*" >> ${log}\n`, {
      mode: 0o755,
    });
  };
  stub('apt-get');
  if (withSudo) stub('sudo');
  // Only what the script uses before apt-get; no sudo unless stubbed.
  for (const tool of ['bash', 'id', 'readlink', 'node', 'cat']) {
    const found = ['/usr/bin', '/bin'].map((d) => path.join(d, tool)).find((p) => existsSync(p));
    symlinkSync(found!, path.join(bin, tool));
  }
  return {
    bin,
    calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean),
  };
}

async function runScript(prefix: string[], bin: string) {
  const [command, ...args] = [...prefix, SCRIPT];
  return run(command!, args, { env: { PATH: bin, HOME: '/nonexistent' } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

describe('.ci/install-packages', () => {
  it('as root: installs with apt-get, without sudo', async () => {
    const { bin, calls } = standIns(true);
    const result = await runScript([], bin);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const made = calls();
    // Waiting for another apt's lock rather than failing on it.
    expect(made[0]).toBe('apt-get update -q -o DPkg::Lock::Timeout=600');
    expect(made[1]).toMatch(
      /^apt-get install -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends mmdebstrap .* dput /,
    );
    expect(made.filter((c) => c.startsWith('sudo'))).toEqual([]);
  });

  it('as a user with sudo: runs itself again with sudo', async () => {
    const { bin, calls } = standIns(true);
    const result = await runScript(NOBODY, bin);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('needs root; running it with sudo');
    expect(calls()).toEqual([`sudo -- ${SCRIPT}`]);
  });

  it('as a user without sudo: says what to do, exits 1, installs nothing', async () => {
    const { bin, calls } = standIns(false);
    const result = await runScript(NOBODY, bin);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'install-packages: installing Debian packages needs root, and sudo is not installed.\n' +
        `Run it as root (su -c ${SCRIPT}), or install sudo and add yourself to the sudo group.\n`,
    );
    expect(calls()).toEqual([]);
  });
});

describe("the README's Quick start", () => {
  it('is two commands, true as written: no sudo, scripts that exist', () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Quick start'));
    const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
    const commands = block
      .split('\n')
      .map((line) => line.replace(/#.*/, '').trim())
      .filter(Boolean);
    expect(commands).toEqual(['.ci/install-packages && npm ci && npm start', 'npm test']);
    const scripts = (
      JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    expect(Object.keys(scripts)).toEqual(expect.arrayContaining(['start', 'test']));
    expect(existsSync(SCRIPT)).toBe(true);
  });

  it('runs the daemon with two malloc arenas, as the Debian package does (README "Memory")', () => {
    const { scripts } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const wrapper = readFileSync(path.join(REPO_ROOT, 'debian', 'debyard.sh'), 'utf8');
    for (const [where, text] of [
      ['npm start', scripts.start!],
      ['debian/debyard.sh', wrapper],
    ]) {
      const setting = /MALLOC_ARENA_MAX="?\$\{MALLOC_ARENA_MAX:-(\d+)\}/.exec(text!);
      expect(setting?.[1], where).toBe('2');
    }
    const start = spawnSync(
      'bash',
      ['-c', `${scripts.start!.replace(/ exec .*/, ' exec printenv MALLOC_ARENA_MAX')}`],
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH },
      },
    );
    expect(start.stdout.trim()).toBe('2');
  });
});

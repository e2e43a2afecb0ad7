import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  identityFromHostname,
  loadSettings,
  type LoadSettingsInput,
} from '../../../src/config/load-settings.js';
import { InvalidInputError } from '../../../src/shared/errors.js';
import { tempDir } from '../../helpers/temp-dir.js';

const base = (over: Partial<LoadSettingsInput> = {}): LoadSettingsInput => ({
  env: {},
  flags: {},
  cwd: '/srv/work',
  hostname: 'Build-Host.example.org',
  cpuCount: 4,
  ...over,
});

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as InvalidInputError).problems.map((p) => `${p.where}: ${p.message}`);
  }
  throw new Error('expected an error');
}

describe('loadSettings', () => {
  it('has embedded defaults', () => {
    expect(loadSettings(base())).toEqual({
      home: '/srv/work/var',
      identity: 'build-host',
      logLevel: 'info',
      http: { listen: { host: '0.0.0.0', port: 8066 }, publicUrl: null },
      ftp: { listen: { host: '0.0.0.0', port: 8067 } },
      build: { parallelism: 4 },
      chroots: { autoCreate: true, updateIntervalHours: 24, definitions: null },
      archive: { byHashRetentionMinutes: 60, releaseValidDays: 0 },
    });
  });

  it('reads the chroot settings, with booleans from the environment', () => {
    const dir = tempDir();
    const file = path.join(dir, 'debyard.toml');
    writeFileSync(file, '[chroots]\nupdate_interval_hours = 0\ndefinitions = "my-chroots"\n');
    const settings = loadSettings(
      base({ configFile: file, env: { DEBYARD_CHROOTS_AUTO_CREATE: 'no' } }),
    );
    expect(settings.chroots).toEqual({
      autoCreate: false,
      updateIntervalHours: 0,
      definitions: path.join(dir, 'my-chroots'),
    });
    writeFileSync(file, '[chroots]\nupdate_interval_hours = -1\n');
    expect(
      problemsOf(() =>
        loadSettings(base({ configFile: file, env: { DEBYARD_CHROOTS_AUTO_CREATE: 'maybe' } })),
      ),
    ).toEqual([
      'chroots.auto_create (from the environment): expected true or false',
      `chroots.update_interval_hours (from config file ${file}): expected 0 (never) or more hours`,
    ]);
  });

  it('layers file < environment < flags', () => {
    const dir = tempDir();
    const file = path.join(dir, 'debyard.toml');
    writeFileSync(
      file,
      [
        'home = "state"',
        'identity = "fromfile"',
        '[http]',
        'listen = "127.0.0.1:1"',
        '[build]',
        'parallelism = 3',
      ].join('\n'),
    );
    const settings = loadSettings(
      base({
        configFile: file,
        env: {
          DEBYARD_IDENTITY: 'fromenv',
          DEBYARD_HTTP: '127.0.0.1:2',
          DEBYARD_BUILD_PARALLELISM: '5',
        },
        flags: { http: '127.0.0.1:3' },
      }),
    );
    // A relative home in the file is relative to the file's folder.
    expect(settings.home).toBe(path.join(dir, 'state'));
    expect(settings.identity).toBe('fromenv');
    expect(settings.http.listen.port).toBe(3);
    expect(settings.build.parallelism).toBe(5);
  });

  it('takes the config file from DEBYARD_CONFIG', () => {
    const dir = tempDir();
    const file = path.join(dir, 'c.toml');
    writeFileSync(file, 'log_level = "debug"\n');
    expect(loadSettings(base({ env: { DEBYARD_CONFIG: file } })).logLevel).toBe('debug');
  });

  it('lists every problem at once, naming key and source', () => {
    const dir = tempDir();
    const file = path.join(dir, 'bad.toml');
    writeFileSync(file, 'identity = "Bad Name!"\ncolour = "red"\n[ftp]\nlisten = "nowhere"\n');
    const problems = problemsOf(() =>
      loadSettings(
        base({
          configFile: file,
          env: { DEBYARD_BUILD_PARALLELISM: 'many' },
          flags: { logLevel: 'loud', http: 'x:70000' },
        }),
      ),
    );
    expect(problems).toHaveLength(6);
    expect(problems.join('\n')).toContain(
      `identity (from config file ${file}): must be lower-case`,
    );
    expect(problems.join('\n')).toContain(`colour (from config file ${file}): unknown setting`);
    expect(problems.join('\n')).toContain('ftp.listen (from config file');
    expect(problems.join('\n')).toContain(
      'build.parallelism (from the environment): expected a positive integer',
    );
    expect(problems.join('\n')).toContain('log_level (from command-line flags)');
    expect(problems.join('\n')).toContain(
      'http.listen (from command-line flags): port 70000 is out of range',
    );
  });

  it('reports a missing file and bad TOML with its line', () => {
    expect(() => loadSettings(base({ configFile: '/nonexistent/x.toml' }))).toThrow(
      /config file \/nonexistent\/x.toml does not exist/,
    );
    const dir = tempDir();
    const file = path.join(dir, 'broken.toml');
    writeFileSync(file, 'home = "a"\nidentity = \n');
    expect(() => loadSettings(base({ configFile: file }))).toThrow(/is not valid TOML at line 2/);
  });

  it('derives a valid identity from any host name', () => {
    expect(identityFromHostname('My_Host.local')).toBe('my-host');
    expect(identityFromHostname('---')).toBe('debyard');
  });
});

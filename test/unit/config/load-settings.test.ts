import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  identityFromHostname,
  loadSettings,
  type LoadSettingsInput,
} from '../../../src/config/load-settings.js';
import { InvalidInputError } from '../../../src/shared/errors.js';
import { tempDir } from '../../fixtures/index.js';

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
      logFormat: 'auto',
      shutdownTimeoutSeconds: 30,
      http: { listen: { host: '0.0.0.0', port: 8066 }, publicUrl: null },
      ftp: {
        listen: { host: '0.0.0.0', port: 8067 },
        passivePorts: { min: 30000, max: 30999 },
        idleTimeoutSeconds: 300,
        maxFileBytes: 4 * 1024 ** 3,
        maxSessionBytes: 16 * 1024 ** 3,
        maxIncomingBytes: 32 * 1024 ** 3,
        minFreeDiskBytes: 1024 ** 3,
        maxSessionsPerAddress: 32,
        maxPassivePerAddress: 16,
        passiveTimeoutSeconds: 30,
        tls: null,
      },
      incoming: {
        strayTimeoutSeconds: 3600,
        rejectedRetentionSeconds: 7 * 86400,
        distributionAliases: {},
      },
      build: {
        parallelism: 4,
        timeLimitSeconds: 3 * 3600,
        maxAttempts: 3,
        lintianMode: 'errfail',
        limits: { pids: 4096, memoryBytes: null, cpus: null, diskBytes: 20 * 1024 ** 3 },
        maxLogBytes: 50 * 1024 * 1024,
        depwaitRetryMinutes: 60,
      },
      chroots: { autoCreate: true, updateIntervalHours: 24, definitions: null },
      remotes: { checkIntervalSeconds: 30, checkTimeoutSeconds: 15, failoverTimeoutSeconds: 60 },
      archive: {
        byHashRetentionMinutes: 60,
        releaseValidDays: 0,
        uncompressedIndexBytes: 16 << 20,
      },
      snapshots: { intervalHours: 0, keep: 7 },
      retention: { eventsDays: 0, buildLogsDays: 0, gitDeliveriesDays: 90 },
      notify: {
        hookTimeoutMs: 30_000,
        webhookTimeoutMs: 10_000,
        webhookRetryMs: 30_000,
        webhookRetryMaxMs: 3_600_000,
        webhookAttempts: 15,
        smtpUrl: null,
        emailFrom: 'debyard@build-host',
      },
      ports: { maxDownloadBytes: 1024 ** 3, downloadTimeoutMs: 600_000 },
    });
  });

  it('reads the maintenance settings and names what is wrong', () => {
    const dir = tempDir();
    const file = path.join(dir, 'debyard.toml');
    writeFileSync(
      file,
      [
        '[snapshots]',
        'interval_hours = 24',
        'keep = 3',
        '[notify]',
        'webhook_retry = "5s"',
        'smtp_url = "smtp://127.0.0.1:2525"',
        'email_from = "builds@example.org"',
        '[ports]',
        'max_download_size = "100M"',
      ].join('\n'),
    );
    const settings = loadSettings({ ...base(), configFile: file });
    expect(settings.snapshots).toEqual({ intervalHours: 24, keep: 3 });
    expect(settings.notify).toMatchObject({
      webhookRetryMs: 5000,
      smtpUrl: 'smtp://127.0.0.1:2525',
      emailFrom: 'builds@example.org',
    });
    expect(settings.ports.maxDownloadBytes).toBe(100 * 1024 ** 2);
    writeFileSync(
      file,
      [
        '[notify]',
        'smtp_url = "http://mail"',
        'email_from = "nobody"',
        '[snapshots]',
        'keep = 0',
      ].join('\n'),
    );
    expect(problemsOf(() => loadSettings({ ...base(), configFile: file }))).toEqual([
      `snapshots.keep (from config file ${file}): Number must be greater than or equal to 1`,
      `notify.smtp_url (from config file ${file}): must be an smtp:// or smtps:// URL, e.g. smtp://localhost:25`,
      `notify.email_from (from config file ${file}): must be an email address`,
    ]);
  });

  it('reads FTP and incoming settings with units, paths relative to the file', () => {
    const dir = tempDir();
    const file = path.join(dir, 'debyard.toml');
    writeFileSync(
      file,
      [
        '[ftp]',
        'passive_ports = "40000-40099"',
        'idle_timeout = "90s"',
        'max_file_size = "100M"',
        'max_session_size = 1048576',
        'max_incoming_size = "8G"',
        'min_free_disk = 0',
        'max_sessions_per_address = 4',
        'passive_timeout = "10s"',
        'tls_cert = "tls/ftp.crt"',
        'tls_key = "/etc/ftp.key"',
        '[incoming]',
        'stray_timeout = "15m"',
        'rejected_retention = "2d"',
        '[incoming.aliases]',
        'unstable = "bookworm-test-unstable"',
      ].join('\n'),
    );
    const settings = loadSettings(
      base({
        configFile: file,
        env: {
          DEBYARD_FTP_PASSIVE_PORTS: '0',
          DEBYARD_FTP_MAX_PASSIVE_PER_ADDRESS: '2',
          DEBYARD_SHUTDOWN_TIMEOUT: '1m',
        },
      }),
    );
    expect(settings.shutdownTimeoutSeconds).toBe(60);
    expect(settings.ftp).toMatchObject({
      passivePorts: { min: 0, max: 0 },
      idleTimeoutSeconds: 90,
      maxFileBytes: 100 * 1024 * 1024,
      maxSessionBytes: 1048576,
      maxIncomingBytes: 8 * 1024 ** 3,
      minFreeDiskBytes: 0,
      maxSessionsPerAddress: 4,
      maxPassivePerAddress: 2,
      passiveTimeoutSeconds: 10,
      tls: { certFile: path.join(dir, 'tls/ftp.crt'), keyFile: '/etc/ftp.key' },
    });
    expect(settings.incoming).toEqual({
      strayTimeoutSeconds: 900,
      rejectedRetentionSeconds: 2 * 86400,
      distributionAliases: { unstable: 'bookworm-test-unstable' },
    });
  });

  it('explains bad FTP and incoming settings', () => {
    const problems = problemsOf(() =>
      loadSettings(
        base({
          env: {
            DEBYARD_FTP_PASSIVE_PORTS: '50000-40000',
            DEBYARD_FTP_IDLE_TIMEOUT: 'soon',
            DEBYARD_FTP_MAX_FILE_SIZE: '2 lots',
            DEBYARD_FTP_TLS_CERT: 'cert.pem',
            DEBYARD_FTP_MAX_SESSIONS_PER_ADDRESS: '0',
            DEBYARD_FTP_MIN_FREE_DISK: 'lots',
            DEBYARD_INCOMING_STRAY_TIMEOUT: '0',
          },
        }),
      ),
    );
    expect(problems).toEqual([
      'ftp.passive_ports (from the environment): the range 50000-40000 is empty (the first port is above the last)',
      'ftp.idle_timeout (from the environment): expected a duration such as 90s, 15m, 2h or 7d, got "soon"',
      'ftp.max_file_size (from the environment): expected a size such as 512K, 100M or 2G, got "2 lots"',
      'ftp.min_free_disk (from the environment): expected a size such as 512K, 100M or 2G, got "lots"',
      'ftp.max_sessions_per_address (from the environment): at least 1',
      'ftp.tls_key (from defaults): FTPS needs both tls_cert and tls_key',
      'incoming.stray_timeout (from the environment): expected a positive whole number of seconds',
    ]);
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

  it('reads the build settings and names bad ones', () => {
    const dir = tempDir();
    const file = path.join(dir, 'debyard.toml');
    writeFileSync(file, '[build]\ntime_limit = "90m"\nlintian_mode = "warnfail"\n');
    const settings = loadSettings(
      base({
        configFile: file,
        env: {
          DEBYARD_BUILD_MAX_ATTEMPTS: '5',
          DEBYARD_BUILD_MAX_LOG_SIZE: '8M',
          DEBYARD_BUILD_DEPWAIT_RETRY_MINUTES: '15',
        },
      }),
    );
    expect(settings.build).toEqual({
      parallelism: 4,
      timeLimitSeconds: 5400,
      maxAttempts: 5,
      lintianMode: 'warnfail',
      limits: { pids: 4096, memoryBytes: null, cpus: null, diskBytes: 20 * 1024 ** 3 },
      maxLogBytes: 8 * 1024 * 1024,
      depwaitRetryMinutes: 15,
    });
    writeFileSync(
      file,
      '[build]\nmax_attempts = 0\nlintian_mode = "fatal"\nmax_log_size = "1K"\ndepwait_retry_minutes = -5\n',
    );
    expect(problemsOf(() => loadSettings(base({ configFile: file })))).toEqual([
      `build.max_attempts (from config file ${file}): expected a whole number from 1 to 20`,
      `build.lintian_mode (from config file ${file}): must be one of disabled, ignore, errfail, warnfail`,
      `build.max_log_size (from config file ${file}): must be at least 64K (a log needs room for its header and end)`,
      `build.depwait_retry_minutes (from config file ${file}): expected a whole number`,
    ]);
  });

  it('reads the limits of builds and names bad ones', () => {
    const dir = tempDir();
    const file = path.join(dir, 'debyard.toml');
    writeFileSync(file, '[build.limits]\npids = 1024\nmemory = "6G"\ncpus = 1.5\n');
    const settings = loadSettings(
      base({ configFile: file, env: { DEBYARD_BUILD_LIMITS_DISK: '50G' } }),
    );
    expect(settings.build.limits).toEqual({
      pids: 1024,
      memoryBytes: 6 * 1024 ** 3,
      cpus: 1.5,
      diskBytes: 50 * 1024 ** 3,
    });
    writeFileSync(file, '[build.limits]\npids = 3\nmemory = "lots"\ncpus = 0\nswap = "1G"\n');
    expect(problemsOf(() => loadSettings(base({ configFile: file })))).toEqual([
      `build.limits.pids (from config file ${file}): at least 16 processes`,
      `build.limits.memory (from config file ${file}): expected a size such as 512K, 100M or 2G, got "lots"`,
      `build.limits.cpus (from config file ${file}): at least 0.01 of a core`,
      `build.limits.swap (from config file ${file}): unknown setting`,
    ]);
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

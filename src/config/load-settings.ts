import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { InvalidInputError, type Problem } from '../shared/errors.js';
import { rawSettingsSchema, type Settings } from './settings.js';

/** Values given on the command line; unset ones are undefined. */
export interface SettingFlags {
  home?: string;
  identity?: string;
  logLevel?: string;
  logFormat?: string;
  http?: string;
  publicUrl?: string;
  ftp?: string;
  buildParallelism?: string | number;
}

export interface LoadSettingsInput {
  configFile?: string;
  env: NodeJS.ProcessEnv;
  flags: SettingFlags;
  cwd: string;
  hostname: string;
  cpuCount: number;
}

type Layer = { values: Record<string, unknown>; source: string; baseDir: string };

const ENV_KEYS: Record<string, string> = {
  DEBYARD_HOME: 'home',
  DEBYARD_IDENTITY: 'identity',
  DEBYARD_LOG_LEVEL: 'log_level',
  DEBYARD_LOG_FORMAT: 'log_format',
  DEBYARD_SHUTDOWN_TIMEOUT: 'shutdown_timeout',
  DEBYARD_HTTP: 'http.listen',
  DEBYARD_PUBLIC_URL: 'http.public_url',
  DEBYARD_FTP: 'ftp.listen',
  DEBYARD_FTP_PASSIVE_PORTS: 'ftp.passive_ports',
  DEBYARD_FTP_IDLE_TIMEOUT: 'ftp.idle_timeout',
  DEBYARD_FTP_MAX_FILE_SIZE: 'ftp.max_file_size',
  DEBYARD_FTP_MAX_SESSION_SIZE: 'ftp.max_session_size',
  DEBYARD_FTP_MAX_INCOMING_SIZE: 'ftp.max_incoming_size',
  DEBYARD_FTP_MIN_FREE_DISK: 'ftp.min_free_disk',
  DEBYARD_FTP_MAX_SESSIONS_PER_ADDRESS: 'ftp.max_sessions_per_address',
  DEBYARD_FTP_MAX_PASSIVE_PER_ADDRESS: 'ftp.max_passive_per_address',
  DEBYARD_FTP_PASSIVE_TIMEOUT: 'ftp.passive_timeout',
  DEBYARD_FTP_TLS_CERT: 'ftp.tls_cert',
  DEBYARD_FTP_TLS_KEY: 'ftp.tls_key',
  DEBYARD_INCOMING_STRAY_TIMEOUT: 'incoming.stray_timeout',
  DEBYARD_INCOMING_REJECTED_RETENTION: 'incoming.rejected_retention',
  DEBYARD_BUILD_PARALLELISM: 'build.parallelism',
  DEBYARD_BUILD_TIME_LIMIT: 'build.time_limit',
  DEBYARD_BUILD_MAX_ATTEMPTS: 'build.max_attempts',
  DEBYARD_BUILD_LINTIAN_MODE: 'build.lintian_mode',
  DEBYARD_BUILD_LIMITS_PIDS: 'build.limits.pids',
  DEBYARD_BUILD_LIMITS_MEMORY: 'build.limits.memory',
  DEBYARD_BUILD_LIMITS_CPUS: 'build.limits.cpus',
  DEBYARD_BUILD_LIMITS_DISK: 'build.limits.disk',
  DEBYARD_BUILD_MAX_LOG_SIZE: 'build.max_log_size',
  DEBYARD_BUILD_DEPWAIT_RETRY_MINUTES: 'build.depwait_retry_minutes',
  DEBYARD_CHROOTS_AUTO_CREATE: 'chroots.auto_create',
  DEBYARD_REMOTES_CHECK_INTERVAL: 'remotes.check_interval',
  DEBYARD_REMOTES_CHECK_TIMEOUT: 'remotes.check_timeout',
  DEBYARD_REMOTES_FAILOVER_TIMEOUT: 'remotes.failover_timeout',
};

const FLAG_KEYS: Record<keyof SettingFlags, [string, string]> = {
  home: ['home', '--home'],
  identity: ['identity', '--identity'],
  logLevel: ['log_level', '--log-level'],
  logFormat: ['log_format', '--log-format'],
  http: ['http.listen', '--http'],
  publicUrl: ['http.public_url', '--public-url'],
  ftp: ['ftp.listen', '--ftp'],
  buildParallelism: ['build.parallelism', '--build-parallelism'],
};

/**
 * Startup settings from embedded defaults, then the config file (TOML), then the
 * environment (DEBYARD_*), then flags; later layers win. Validated once: every problem is
 * listed in one InvalidInputError, each naming the key and where its value came from.
 */
export function loadSettings(input: LoadSettingsInput): Settings {
  const layers: Layer[] = [defaultsLayer(input)];
  const configFile = input.configFile ?? input.env.DEBYARD_CONFIG;
  if (configFile) layers.push(fileLayer(path.resolve(input.cwd, configFile)));
  layers.push(envLayer(input));
  layers.push(flagLayer(input));

  const merged: Record<string, unknown> = {};
  const sources = new Map<string, Layer>();
  for (const layer of layers) mergeInto(merged, layer.values, layer, sources, '');

  resolvePaths(merged, sources, ['home', 'ftp.tls_cert', 'ftp.tls_key', 'chroots.definitions']);

  const result = rawSettingsSchema.safeParse(merged);
  if (!result.success) {
    const problems: Problem[] = result.error.issues.flatMap((issue) => {
      const keys =
        issue.code === 'unrecognized_keys'
          ? issue.keys.map((k) => [...issue.path, k].join('.'))
          : [issue.path.join('.')];
      return keys.map((key) => {
        const from = sources.get(key)?.source ?? sourceOfParent(key, sources);
        const message = issue.code === 'unrecognized_keys' ? 'unknown setting' : issue.message;
        return { where: from ? `${key} (from ${from})` : key, message };
      });
    });
    throw new InvalidInputError('invalid configuration; fix these settings and start again', {
      problems,
    });
  }
  const raw = result.data;
  return {
    home: raw.home,
    identity: raw.identity,
    logLevel: raw.log_level,
    logFormat: raw.log_format,
    shutdownTimeoutSeconds: raw.shutdown_timeout,
    http: { listen: raw.http.listen, publicUrl: raw.http.public_url },
    ftp: {
      listen: raw.ftp.listen,
      passivePorts: raw.ftp.passive_ports,
      idleTimeoutSeconds: raw.ftp.idle_timeout,
      maxFileBytes: raw.ftp.max_file_size,
      maxSessionBytes: raw.ftp.max_session_size,
      maxIncomingBytes: raw.ftp.max_incoming_size,
      minFreeDiskBytes: raw.ftp.min_free_disk,
      maxSessionsPerAddress: raw.ftp.max_sessions_per_address,
      maxPassivePerAddress: raw.ftp.max_passive_per_address,
      passiveTimeoutSeconds: raw.ftp.passive_timeout,
      tls:
        raw.ftp.tls_cert && raw.ftp.tls_key
          ? { certFile: raw.ftp.tls_cert, keyFile: raw.ftp.tls_key }
          : null,
    },
    incoming: {
      strayTimeoutSeconds: raw.incoming.stray_timeout,
      rejectedRetentionSeconds: raw.incoming.rejected_retention,
      distributionAliases: raw.incoming.aliases,
    },
    build: {
      parallelism: raw.build.parallelism,
      timeLimitSeconds: raw.build.time_limit,
      maxAttempts: raw.build.max_attempts,
      lintianMode: raw.build.lintian_mode,
      limits: {
        pids: raw.build.limits.pids,
        memoryBytes: raw.build.limits.memory,
        cpus: raw.build.limits.cpus,
        diskBytes: raw.build.limits.disk,
      },
      maxLogBytes: raw.build.max_log_size,
      depwaitRetryMinutes: raw.build.depwait_retry_minutes,
    },
    chroots: {
      autoCreate: raw.chroots.auto_create,
      updateIntervalHours: raw.chroots.update_interval_hours,
      definitions: raw.chroots.definitions,
      ...(raw.chroots.native_architectures
        ? { nativeArchitectures: raw.chroots.native_architectures }
        : {}),
    },
    remotes: {
      checkIntervalSeconds: raw.remotes.check_interval,
      checkTimeoutSeconds: raw.remotes.check_timeout,
      failoverTimeoutSeconds: raw.remotes.failover_timeout,
    },
    archive: {
      byHashRetentionMinutes: raw.archive.by_hash_retention_minutes,
      releaseValidDays: raw.archive.release_valid_days,
      uncompressedIndexBytes: raw.archive.uncompressed_index_limit,
    },
    snapshots: { intervalHours: raw.snapshots.interval_hours, keep: raw.snapshots.keep },
    retention: {
      eventsDays: raw.retention.events_days,
      buildLogsDays: raw.retention.build_logs_days,
      gitDeliveriesDays: raw.retention.git_deliveries_days,
    },
    notify: {
      hookTimeoutMs: raw.notify.hook_timeout * 1000,
      webhookTimeoutMs: raw.notify.webhook_timeout * 1000,
      webhookRetryMs: raw.notify.webhook_retry * 1000,
      webhookRetryMaxMs: raw.notify.webhook_retry_max * 1000,
      webhookAttempts: raw.notify.webhook_attempts,
      smtpUrl: raw.notify.smtp_url,
      emailFrom: raw.notify.email_from ?? `debyard@${raw.identity}`,
    },
    ports: {
      maxDownloadBytes: raw.ports.max_download_size,
      downloadTimeoutMs: raw.ports.download_timeout * 1000,
    },
  };
}

/** Relative paths are relative to the folder of the file that set them (or the cwd). */
function resolvePaths(
  merged: Record<string, unknown>,
  sources: Map<string, Layer>,
  keys: readonly string[],
): void {
  for (const key of keys) {
    const parts = key.split('.');
    const parent = parts
      .slice(0, -1)
      .reduce<unknown>((node, part) => (isPlainObject(node) ? node[part] : undefined), merged);
    const name = parts.at(-1)!;
    const layer = sources.get(key);
    // An empty string keeps its meaning (a built-in default), it is no path.
    if (isPlainObject(parent) && typeof parent[name] === 'string' && parent[name] && layer) {
      parent[name] = path.resolve(layer.baseDir, parent[name]);
    }
  }
}

/** The instance name derived from a host name: lower case, only [a-z0-9.-]. */
export function identityFromHostname(hostname: string): string {
  const cleaned = hostname
    .toLowerCase()
    .split('.')[0]!
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return cleaned || 'debyard';
}

function defaultsLayer(input: LoadSettingsInput): Layer {
  return {
    source: 'defaults',
    baseDir: input.cwd,
    values: {
      home: './var',
      identity: identityFromHostname(input.hostname),
      log_level: 'info',
      log_format: 'auto',
      shutdown_timeout: '30s',
      http: { listen: '0.0.0.0:8066', public_url: null },
      ftp: {
        listen: '0.0.0.0:8067',
        passive_ports: '30000-30999',
        idle_timeout: '5m',
        max_file_size: '4G',
        max_session_size: '16G',
        max_incoming_size: '32G',
        min_free_disk: '1G',
        max_sessions_per_address: 32,
        max_passive_per_address: 16,
        passive_timeout: '30s',
        tls_cert: null,
        tls_key: null,
      },
      incoming: { stray_timeout: '1h', rejected_retention: '7d', aliases: {} },
      build: {
        parallelism: Math.max(1, input.cpuCount),
        time_limit: '3h',
        max_attempts: 3,
        lintian_mode: 'errfail',
        limits: { pids: 4096, memory: null, cpus: null, disk: '20G' },
        max_log_size: '50M',
        depwait_retry_minutes: 60,
      },
      chroots: { auto_create: true, update_interval_hours: 24, definitions: null },
      remotes: { check_interval: '30s', check_timeout: '15s', failover_timeout: '60s' },
      archive: {
        by_hash_retention_minutes: 60,
        release_valid_days: 0,
        uncompressed_index_limit: '16M',
      },
      snapshots: { interval_hours: 0, keep: 7 },
      retention: { events_days: 0, build_logs_days: 0, git_deliveries_days: 90 },
      notify: {
        hook_timeout: '30s',
        webhook_timeout: '10s',
        webhook_retry: '30s',
        webhook_retry_max: '1h',
        webhook_attempts: 15,
        smtp_url: null,
        email_from: null,
      },
      ports: { max_download_size: '1G', download_timeout: '10m' },
    },
  };
}

function fileLayer(file: string): Layer {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read';
    throw new InvalidInputError(
      `config file ${file} ${reason}; pass an existing file to --config`,
      {
        cause: error,
      },
    );
  }
  try {
    return { source: `config file ${file}`, baseDir: path.dirname(file), values: parseToml(text) };
  } catch (error) {
    const where =
      error instanceof TomlError ? ` at line ${error.line}, column ${error.column}` : '';
    const first = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new InvalidInputError(`config file ${file} is not valid TOML${where}: ${first}`, {
      cause: error,
    });
  }
}

function envLayer(input: LoadSettingsInput): Layer {
  const values: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = input.env[name];
    if (value !== undefined && value !== '') setPath(values, key, value);
  }
  return { source: 'the environment', baseDir: input.cwd, values };
}

function flagLayer(input: LoadSettingsInput): Layer {
  const values: Record<string, unknown> = {};
  for (const [flag, [key]] of Object.entries(FLAG_KEYS)) {
    const value = input.flags[flag as keyof SettingFlags];
    if (value !== undefined) setPath(values, key, value);
  }
  return { source: 'command-line flags', baseDir: input.cwd, values };
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1)!] = value;
}

function mergeInto(
  target: Record<string, unknown>,
  values: Record<string, unknown>,
  layer: Layer,
  sources: Map<string, Layer>,
  prefix: string,
): void {
  for (const [key, value] of Object.entries(values)) {
    const full = prefix ? `${prefix}.${key}` : key;
    const existing = target[key];
    if (isPlainObject(value) && isPlainObject(existing)) {
      mergeInto(existing, value, layer, sources, full);
    } else {
      target[key] = isPlainObject(value) ? { ...value } : value;
      sources.set(full, layer);
    }
  }
}

function sourceOfParent(key: string, sources: Map<string, Layer>): string | undefined {
  for (const [candidate, layer] of sources) {
    if (key.startsWith(`${candidate}.`) || candidate.startsWith(`${key}.`)) return layer.source;
  }
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
  );
}

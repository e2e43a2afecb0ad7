import { z } from 'zod';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../shared/logger.js';
import { parseListenAddress, type ListenAddress } from './listen-address.js';
import { parseByteSize, parseDuration, parsePortRange } from './units.js';

/** The lintian modes of builds (as src/build names them). */
export const LINTIAN_MODE_SETTINGS = ['disabled', 'ignore', 'errfail', 'warnfail'] as const;
export type LintianModeSetting = (typeof LINTIAN_MODE_SETTINGS)[number];

/** Startup settings of the daemon, validated once at start. */
export interface Settings {
  /** Folder holding all state (database, archives, chroots, spool). Absolute. */
  home: string;
  /** Name of this instance: Origin of archives, keyring package prefix. */
  identity: string;
  logLevel: LogLevel;
  /** auto: pretty on a terminal, JSON lines otherwise. */
  logFormat: LogFormat | 'auto';
  /** After SIGTERM/SIGINT the process ends this long after, stopped in order or not. */
  shutdownTimeoutSeconds: number;
  http: {
    listen: ListenAddress;
    /** Base URL clients reach the daemon at; derived from each request when unset. */
    publicUrl: string | null;
  };
  ftp: {
    listen: ListenAddress;
    /** Passive data ports; `{ min: 0, max: 0 }` lets the system pick any free port. */
    passivePorts: { min: number; max: number };
    /** A session idle this long (no command, no data) is closed. */
    idleTimeoutSeconds: number;
    /** Largest single file an upload may send. */
    maxFileBytes: number;
    /** Most bytes one FTP session may send in all. */
    maxSessionBytes: number;
    /** Most bytes the incoming may hold in all: waiting files and files being received. */
    maxIncomingBytes: number;
    /** Uploads are refused (552) while the incoming's disk has less free; 0: no check. */
    minFreeDiskBytes: number;
    /** Most FTP sessions open at once from one client address (an IPv6 /64). */
    maxSessionsPerAddress: number;
    /** Most passive data listeners open at once for one client address (an IPv6 /64). */
    maxPassivePerAddress: number;
    /** A passive data listener no client connected to is closed after this long. */
    passiveTimeoutSeconds: number;
    /** FTPS (explicit, AUTH TLS) with these PEM files; null for plain FTP only. */
    tls: { certFile: string; keyFile: string } | null;
  };
  incoming: {
    /** Files that are not part of a complete upload are removed after this long. */
    strayTimeoutSeconds: number;
    /** Rejected uploads stay under <home>/rejected this long. */
    rejectedRetentionSeconds: number;
    /** Extra distribution names uploads may use, e.g. unstable → bookworm-test-unstable. */
    distributionAliases: Record<string, string>;
  };
  build: {
    /** Parallel builds on this host. */
    parallelism: number;
    /** A build running longer is killed (and fails). */
    timeLimitSeconds: number;
    /** Starts of a build a daemon crash may interrupt before the build fails. */
    maxAttempts: number;
    /** Lintian mode of builds an upload gives none for (experimental suites: ignore). */
    lintianMode: LintianModeSetting;
    /** What one build may use; a distribution may set its own (distribution_update). */
    limits: {
      /** Processes and threads at once. */
      pids: number;
      /** Memory (RAM and swap); null: three quarters of the host's, shared by `parallelism`. */
      memoryBytes: number | null;
      /** CPU cores' worth of time; null: all cores. */
      cpus: number | null;
      /** Bytes written into its snapshot and build folder. */
      diskBytes: number;
    };
    /** Most bytes a build log keeps: what a build prints beyond is dropped, but its end. */
    maxLogBytes: number;
    /** Minutes between retries of builds waiting for build dependencies (DEPWAIT); 0: never. */
    depwaitRetryMinutes: number;
  };
  chroots: {
    /** Create the default chroot (host codename and architecture) in the background. */
    autoCreate: boolean;
    /** Hours between automatic updates of each ready base chroot; 0: never. */
    updateIntervalHours: number;
    /** Folder of chroot definitions; null: the chroots/ folder of the package. Absolute. */
    definitions: string | null;
    /**
     * The architectures this host builds natively; its chroots of others build under
     * emulation (qemu-user). Unset: the host's own (and i386 on amd64).
     */
    nativeArchitectures?: string[];
  };
  remotes: {
    /** Seconds between health checks of each remote peer. */
    checkIntervalSeconds: number;
    /** A health check (SSH connect included) that takes longer fails: the peer is down. */
    checkTimeoutSeconds: number;
    /**
     * How long a build running on a peer that stopped answering waits for it before it
     * is given back to the scheduler (to run elsewhere).
     */
    failoverTimeoutSeconds: number;
  };
  archive: {
    /**
     * How long by-hash indices of replaced publications stay served (and pool files they
     * name stay in the pool), so clients holding an older InRelease still download.
     */
    byHashRetentionMinutes: number;
    /** Release files get a Valid-Until this many days after their Date; 0 for none. */
    releaseValidDays: number;
    /** Packages/Sources over this many bytes are served as .gz/.xz only (etc/debyard.toml). */
    uncompressedIndexBytes: number;
  };
  snapshots: {
    /** Hours between scheduled snapshots of every suite that changed; 0: none. */
    intervalHours: number;
    /** Scheduled snapshots kept per suite (snapshots made by hand stay until deleted). */
    keep: number;
  };
  retention: {
    /** Events older than this many days are deleted; 0: kept for ever. */
    eventsDays: number;
    /** Build logs and results older than this many days are deleted; 0: kept for ever. */
    buildLogsDays: number;
    /** Git webhook deliveries (replay protection) older than this many days are deleted. */
    gitDeliveriesDays: number;
  };
  notify: {
    /** An event hook running longer is killed. */
    hookTimeoutMs: number;
    /** A webhook receiver must answer within this. */
    webhookTimeoutMs: number;
    /** The first retry of a failed delivery waits this long; each next one twice as long. */
    webhookRetryMs: number;
    /** The longest wait between retries. */
    webhookRetryMaxMs: number;
    /** Attempts before a delivery is given up (recorded as failed). */
    webhookAttempts: number;
    /** SMTP server for email to subscribers (smtp://, smtps://); null: no email. */
    smtpUrl: string | null;
    /** The From address of notification emails. */
    emailFrom: string;
  };
  ports: {
    /** Most bytes port_ext downloads for one source package (the .dsc and its files). */
    maxDownloadBytes: number;
    /** port_ext gives up a download that takes longer. */
    downloadTimeoutMs: number;
  };
}

const listenAddress = z.string().transform((text, ctx) => {
  const parsed = parseListenAddress(text);
  if (typeof parsed === 'string') {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: parsed });
    return z.NEVER;
  }
  return parsed;
});

/** Integers may arrive as strings from the environment and flags. */
const positiveInt = z.preprocess(
  (v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
  z
    .number({ invalid_type_error: 'expected a positive integer' })
    .int('expected a positive integer')
    .min(1, 'expected a positive integer')
    .max(256, 'at most 256'),
);

/** A setting parsed by one of the units.ts parsers. */
function parsed<T>(parse: (value: unknown) => T | string) {
  return z.unknown().transform((value, ctx) => {
    const result = parse(value);
    if (typeof result === 'string') {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: result });
      return z.NEVER;
    }
    return result;
  });
}

const DISTRIBUTION_NAME = /^[a-z][a-z0-9]*-[a-z0-9]+-[a-z]+$/;

const ftpSchema = z
  .object({
    listen: listenAddress,
    passive_ports: parsed(parsePortRange),
    idle_timeout: parsed(parseDuration),
    max_file_size: parsed(parseByteSize),
    max_session_size: parsed(parseByteSize),
    max_incoming_size: parsed(parseByteSize),
    min_free_disk: parsed((v) => (v === 0 || v === '0' ? 0 : parseByteSize(v))),
    max_sessions_per_address: nonNegativeInt(100_000).pipe(z.number().min(1, 'at least 1')),
    max_passive_per_address: nonNegativeInt(100_000).pipe(z.number().min(1, 'at least 1')),
    passive_timeout: parsed(parseDuration),
    tls_cert: z.string().min(1, 'must be the path of a PEM certificate').nullable(),
    tls_key: z.string().min(1, 'must be the path of a PEM private key').nullable(),
  })
  .strict()
  .superRefine((ftp, ctx) => {
    if ((ftp.tls_cert === null) !== (ftp.tls_key === null)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: [ftp.tls_cert === null ? 'tls_cert' : 'tls_key'],
        message: 'FTPS needs both tls_cert and tls_key',
      });
    }
  });

const incomingSchema = z
  .object({
    stray_timeout: parsed(parseDuration),
    rejected_retention: parsed(parseDuration),
    aliases: z.record(
      z.string().regex(/^[a-z0-9][a-z0-9.+-]*$/, 'an alias is lower-case letters, digits, . + -'),
      z
        .string()
        .regex(
          DISTRIBUTION_NAME,
          'must be a distribution name <codename>-<repository>-<suite>, e.g. bookworm-test-unstable',
        ),
    ),
  })
  .strict();

/** Booleans may arrive as strings from the environment and flags. */
const booleanish = z.preprocess(
  (v) => {
    if (typeof v !== 'string') return v;
    const text = v.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(text)) return true;
    if (['false', '0', 'no', 'off'].includes(text)) return false;
    return v;
  },
  z.boolean({ invalid_type_error: 'expected true or false' }),
);

const hours = z.preprocess(
  (v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
  z
    .number({ invalid_type_error: 'expected a number of hours' })
    .int('expected a whole number of hours')
    .min(0, 'expected 0 (never) or more hours')
    .max(8760, 'at most 8760 (a year)'),
);
/** A whole number from 0 to `max`; may arrive as a string. */
function nonNegativeInt(max: number) {
  return z.preprocess(
    (v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
    z
      .number({ invalid_type_error: 'expected a whole number' })
      .int('expected a whole number')
      .min(0, 'expected a whole number')
      .max(max, `at most ${max}`),
  );
}

const notifySchema = z
  .object({
    hook_timeout: parsed(parseDuration),
    webhook_timeout: parsed(parseDuration),
    webhook_retry: parsed(parseDuration),
    webhook_retry_max: parsed(parseDuration),
    webhook_attempts: nonNegativeInt(100).pipe(z.number().min(1, 'at least 1 attempt')),
    smtp_url: z
      .string()
      .regex(/^smtps?:\/\/[^\s]+$/, 'must be an smtp:// or smtps:// URL, e.g. smtp://localhost:25')
      .nullable(),
    email_from: z.string().email('must be an email address').nullable(),
  })
  .strict();

const buildLimitsSchema = z
  .object({
    pids: z.preprocess(
      (v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
      z
        .number({ invalid_type_error: 'expected a whole number of processes' })
        .int('expected a whole number of processes')
        .min(16, 'at least 16 processes')
        .max(4_194_304, "at most 4194304 (the kernel's own limit)"),
    ),
    memory: parsed(parseByteSize)
      .pipe(z.number().min(64 * 1024 ** 2, 'at least 64M'))
      .nullable(),
    cpus: z
      .preprocess(
        (v) => (typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v),
        z
          .number({ invalid_type_error: 'expected a number of CPU cores, e.g. 2 or 1.5' })
          .min(0.01, 'at least 0.01 of a core')
          .max(1024, 'at most 1024'),
      )
      .nullable(),
    disk: parsed(parseByteSize).pipe(z.number().min(1024 ** 2, 'at least 1M')),
  })
  .strict();

export const IDENTITY_PATTERN = /^[a-z0-9][a-z0-9.-]{0,62}$/;

/** The schema of the raw (file, environment, flag) layer, with snake_case keys. */
export const rawSettingsSchema = z
  .object({
    home: z.string().min(1, 'must not be empty'),
    identity: z
      .string()
      .regex(
        IDENTITY_PATTERN,
        'must be lower-case letters, digits, dots and dashes, starting with a letter or digit',
      ),
    log_level: z.enum(LOG_LEVELS),
    log_format: z.enum(['auto', ...LOG_FORMATS]),
    shutdown_timeout: parsed(parseDuration),
    http: z
      .object({
        listen: listenAddress,
        public_url: z
          .string()
          .url('must be a URL such as http://builds.example.org:8066')
          .regex(/^https?:\/\//, 'must start with http:// or https://')
          .nullable(),
      })
      .strict(),
    ftp: ftpSchema,
    incoming: incomingSchema,
    build: z
      .object({
        parallelism: positiveInt,
        time_limit: parsed(parseDuration),
        max_attempts: z.preprocess(
          (v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
          z
            .number({ invalid_type_error: 'expected a whole number from 1 to 20' })
            .int('expected a whole number from 1 to 20')
            .min(1, 'expected a whole number from 1 to 20')
            .max(20, 'expected a whole number from 1 to 20'),
        ),
        lintian_mode: z.enum(LINTIAN_MODE_SETTINGS, {
          errorMap: () => ({ message: `must be one of ${LINTIAN_MODE_SETTINGS.join(', ')}` }),
        }),
        limits: buildLimitsSchema,
        max_log_size: parsed(parseByteSize).pipe(
          z
            .number()
            .min(64 * 1024, 'must be at least 64K (a log needs room for its header and end)'),
        ),
        depwait_retry_minutes: nonNegativeInt(525_600),
      })
      .strict(),
    chroots: z
      .object({
        auto_create: booleanish,
        update_interval_hours: hours,
        definitions: z.string().min(1, 'must not be empty').nullable(),
        native_architectures: z
          .array(z.string().regex(/^[a-z0-9][a-z0-9-]{1,30}$/, 'must be a Debian architecture'))
          .min(1, 'name at least one architecture')
          .optional(),
      })
      .strict(),
    remotes: z
      .object({
        check_interval: parsed(parseDuration),
        check_timeout: parsed(parseDuration),
        failover_timeout: parsed(parseDuration),
      })
      .strict(),
    archive: z
      .object({
        by_hash_retention_minutes: nonNegativeInt(7 * 24 * 60),
        release_valid_days: nonNegativeInt(3650),
        uncompressed_index_limit: parsed(parseByteSize),
      })
      .strict(),
    snapshots: z
      .object({ interval_hours: hours, keep: nonNegativeInt(1000).pipe(z.number().min(1)) })
      .strict(),
    retention: z
      .object({
        events_days: nonNegativeInt(36500),
        build_logs_days: nonNegativeInt(36500),
        git_deliveries_days: nonNegativeInt(36500).pipe(z.number().min(1)),
      })
      .strict(),
    notify: notifySchema,
    ports: z
      .object({
        max_download_size: parsed(parseByteSize),
        download_timeout: parsed(parseDuration),
      })
      .strict(),
  })
  .strict();

export type RawSettings = z.input<typeof rawSettingsSchema>;

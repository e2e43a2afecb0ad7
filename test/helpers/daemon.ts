import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Settings } from '../../src/config/settings.js';
import type { Daemon } from '../../src/app/daemon.js';
import type { Logger } from '../../src/shared/logger.js';
import { adminToken } from './api.js';
import { persistentTempDir } from './temp-dir.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The built CLI, as `npx debyard` runs it (npm test builds first). */
export const CLI = path.join(REPO_ROOT, 'dist', 'app', 'main.js');

/** Settings for a daemon on loopback with ephemeral ports. */
export function testSettings(home: string, overrides: Partial<Settings> = {}): Settings {
  return {
    home,
    identity: 'testyard',
    logLevel: 'silent',
    logFormat: 'json',
    shutdownTimeoutSeconds: 30,
    http: { listen: { host: '127.0.0.1', port: 0 }, publicUrl: null },
    ftp: {
      listen: { host: '127.0.0.1', port: 0 },
      passivePorts: { min: 0, max: 0 },
      idleTimeoutSeconds: 60,
      maxFileBytes: 256 * 1024 * 1024,
      maxSessionBytes: 1024 * 1024 * 1024,
      maxIncomingBytes: 4 * 1024 * 1024 * 1024,
      minFreeDiskBytes: 64 * 1024 * 1024,
      // Tests and benchmarks run many clients from one address.
      maxSessionsPerAddress: 128,
      maxPassivePerAddress: 128,
      passiveTimeoutSeconds: 30,
      tls: null,
    },
    incoming: {
      strayTimeoutSeconds: 3600,
      rejectedRetentionSeconds: 86400,
      distributionAliases: {},
    },
    // No lintian unless a test asks for it (upload option lintian-mode): it costs seconds.
    build: {
      parallelism: 1,
      timeLimitSeconds: 600,
      maxAttempts: 3,
      lintianMode: 'disabled',
      limits: { pids: 4096, memoryBytes: 4 * 1024 ** 3, cpus: null, diskBytes: 8 * 1024 ** 3 },
      maxLogBytes: 50 * 1024 * 1024,
      depwaitRetryMinutes: 0,
    },
    // Creating a chroot takes a minute and half a gigabyte: only chroot tests do.
    chroots: { autoCreate: false, updateIntervalHours: 0, definitions: null },
    remotes: { checkIntervalSeconds: 30, checkTimeoutSeconds: 15, failoverTimeoutSeconds: 60 },
    archive: { byHashRetentionMinutes: 60, releaseValidDays: 0, uncompressedIndexBytes: 16 << 20 },
    snapshots: { intervalHours: 0, keep: 7 },
    retention: { eventsDays: 0, buildLogsDays: 0, gitDeliveriesDays: 90 },
    notify: {
      hookTimeoutMs: 10_000,
      webhookTimeoutMs: 5000,
      webhookRetryMs: 200,
      webhookRetryMaxMs: 1000,
      webhookAttempts: 15,
      smtpUrl: null,
      emailFrom: 'debyard@testyard',
    },
    ports: { maxDownloadBytes: 64 * 1024 * 1024, downloadTimeoutMs: 60_000 },
    ...overrides,
  };
}

/**
 * Starts a daemon in this process (silent unless given a logger); stop it with
 * `daemon.stop()`. The app is imported here, when a test starts one, so that the tests
 * that start none do not load it.
 */
export async function startTestDaemon(
  home: string,
  overrides: Partial<Settings> = {},
  logger?: Logger,
): Promise<Daemon> {
  const { startDaemon } = await import('../../src/app/daemon.js');
  const { silentLogger } = await import('../../src/shared/logger.js');
  return startDaemon({ settings: testSettings(home, overrides), logger: logger ?? silentLogger });
}

/** A daemon in a fresh folder, and an API token of its first admin. */
export interface AdminDaemon {
  /** The fresh folder: the daemon's home is `root/home`; other files go beside it. */
  root: string;
  home: string;
  daemon: Daemon;
  /** An API token of the first admin. */
  admin: string;
  /** Stops the daemon and removes `root`. */
  stop(): Promise<void>;
}

/**
 * What most API and CLI test files start with (in beforeAll; `stop()` in afterAll): a
 * daemon in its own folder, and the admin's token.
 */
export async function startAdminDaemon(
  options: { prefix?: string; settings?: Partial<Settings> } = {},
): Promise<AdminDaemon> {
  const root = persistentTempDir(options.prefix);
  const home = path.join(root, 'home');
  const daemon = await startTestDaemon(home, options.settings).catch((error: unknown) => {
    rmSync(root, { recursive: true, force: true });
    throw error;
  });
  const stop = async () => {
    await daemon.stop();
    rmSync(root, { recursive: true, force: true });
  };
  try {
    return { root, home, daemon, admin: await adminToken(daemon), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface SpawnedDaemon {
  child: ChildProcess;
  url: string;
  ftpPort: number;
  output: () => string;
}

/**
 * Runs `debyard daemon` as its own process (ephemeral loopback ports) and waits until it
 * logs that it started. Rejects with its output if it exits first. `prefix` runs it
 * through another command (`ip netns exec NS`); `detached` gives it its own process group;
 * `nodeArgs` go to node before the CLI (e.g. `--import` of a module).
 */
export async function spawnDaemon(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  options: { prefix?: string[]; detached?: boolean; nodeArgs?: string[] } = {},
): Promise<SpawnedDaemon> {
  const [command, ...commandArgs] = [...(options.prefix ?? []), process.execPath];
  const child = spawn(
    command!,
    [
      ...commandArgs,
      ...(options.nodeArgs ?? []),
      CLI,
      'daemon',
      '--http',
      '127.0.0.1:0',
      '--ftp',
      '127.0.0.1:0',
      ...args,
    ],
    {
      detached: options.detached ?? false,
      env: {
        ...process.env,
        DEBYARD_LOG_LEVEL: 'info',
        DEBYARD_CHROOTS_AUTO_CREATE: 'false',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const started = await new Promise<{ http: string; ftp: string }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`daemon did not start in 60 s:\n${output}`)),
      60_000,
    );
    const check = () => {
      const line = output.split('\n').find((l) => l.includes('"msg":"debyard started"'));
      if (line) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve(JSON.parse(line) as { http: string; ftp: string });
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited with ${code} before starting:\n${output}`));
    });
  });
  return {
    child,
    url: `http://${started.http}`,
    ftpPort: Number(started.ftp.split(':').at(-1)),
    output: () => output,
  };
}

/** Runs the built CLI to completion. */
export async function runCliProcess(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...options.env },
    cwd: options.cwd ?? REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { code, signal, stdout, stderr };
}

/** Waits for a child to exit, killing it after `timeoutMs`. */
export async function waitForExit(
  child: ChildProcess,
  timeoutMs: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  const start = Date.now();
  if (child.exitCode !== null || child.signalCode !== null)
    return { code: child.exitCode, signal: child.signalCode, ms: 0 };
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { code, signal, ms: Date.now() - start };
}

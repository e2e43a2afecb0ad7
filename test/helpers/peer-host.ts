import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { api, type ApiAnswer } from './api.js';
import { TEST_CACHE } from './base-chroot.js';
import { CLI, spawnDaemon, waitForExit, type SpawnedDaemon } from './daemon.js';
import { processesUnder } from './mounts.js';

const run = promisify(execFile);

/**
 * A second host for remote-peer tests: a network namespace with its own address on a
 * veth pair (10.213.0.0/16, /30 per host), running a real OpenSSH sshd on that address
 * and a debyard daemon from this checkout on the namespace's own loopback, reachable
 * only through SSH. Everything it made goes away with `cleanup()`.
 */
export class PeerHost {
  private sshd: ChildProcess | null = null;
  private daemons: SpawnedDaemon[] = [];
  sshdLog = '';

  private constructor(
    readonly ns: string,
    private readonly veth: string,
    /** The namespace's address (sshd listens there). */
    readonly address: string,
    /** The host side of the veth pair. */
    readonly hostAddress: string,
    readonly dir: string,
  ) {}

  static async create(): Promise<PeerHost> {
    const tag = `${process.pid % 100000}${Math.floor(Math.random() * 10)}`;
    const ns = `dy-peer-${tag}`;
    const veth = `dyv${tag}`;
    const [hostAddress, address] = await freeSubnet();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'debyard-peer-'));
    const host = new PeerHost(ns, veth, address, hostAddress, dir);
    try {
      await ip('netns', 'add', ns);
      await ip('link', 'add', `${veth}a`, 'type', 'veth', 'peer', 'name', `${veth}b`);
      await ip('link', 'set', `${veth}b`, 'netns', ns);
      await ip('addr', 'add', `${hostAddress}/30`, 'dev', `${veth}a`);
      await ip('link', 'set', `${veth}a`, 'up');
      await host.exec(['ip', 'addr', 'add', `${address}/30`, 'dev', `${veth}b`]);
      await host.exec(['ip', 'link', 'set', `${veth}b`, 'up']);
      await host.exec(['ip', 'link', 'set', 'lo', 'up']);
      await run('ssh-keygen', [
        '-q',
        '-t',
        'ed25519',
        '-N',
        '',
        '-C',
        'client',
        '-f',
        host.clientKey,
      ]);
      await host.newHostKey();
    } catch (error) {
      await host.cleanup();
      throw error;
    }
    return host;
  }

  get clientKey(): string {
    return path.join(this.dir, 'client-key');
  }

  get hostKeyFile(): string {
    return path.join(this.dir, 'host-key');
  }

  /** Runs a command inside the namespace. */
  async exec(argv: string[], timeoutMs = 60_000): Promise<{ stdout: string; stderr: string }> {
    return run('ip', ['netns', 'exec', this.ns, ...argv], { timeout: timeoutMs });
  }

  /** The host key's fingerprint as OpenSSH prints it (ssh-keygen -l). */
  async hostKeyFingerprint(): Promise<string> {
    const { stdout } = await run('ssh-keygen', ['-l', '-f', `${this.hostKeyFile}.pub`]);
    return stdout.split(' ')[1]!;
  }

  /** A new host key (sshd must be restarted to offer it). */
  async newHostKey(): Promise<void> {
    rmSync(this.hostKeyFile, { force: true });
    rmSync(`${this.hostKeyFile}.pub`, { force: true });
    await run('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      'peer',
      '-f',
      this.hostKeyFile,
    ]);
  }

  /** Lets the client key open a tunnel to the peer daemon's API port, and nothing else. */
  authorize(apiPort: number): void {
    const publicKey = readFileSync(`${this.clientKey}.pub`, 'utf8');
    writeFileSync(
      path.join(this.dir, 'authorized_keys'),
      `restrict,port-forwarding,permitopen="127.0.0.1:${apiPort}" ${publicKey}`,
      { mode: 0o600 },
    );
  }

  /**
   * Adds `peer`, reached through this host's sshd, as remote `p1` of the daemon at
   * `localUrl` (with an admin token); gives the API's answer.
   */
  async addAsRemote(localUrl: string, admin: string, peer: PeerDaemon): Promise<ApiAnswer> {
    return api(localUrl, 'remote_add', {
      method: 'POST',
      token: admin,
      input: {
        name: 'p1',
        host: this.address,
        user: 'root',
        key: this.clientKey,
        token: await peer.staffToken(),
        api: `127.0.0.1:${peer.apiPort}`,
      },
    });
  }

  async startSshd(): Promise<void> {
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const config = path.join(this.dir, 'sshd_config');
    writeFileSync(
      config,
      [
        `ListenAddress ${this.address}:22`,
        `HostKey ${this.hostKeyFile}`,
        `AuthorizedKeysFile ${path.join(this.dir, 'authorized_keys')}`,
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',
        'PidFile none',
        'LogLevel VERBOSE',
        '',
      ].join('\n'),
    );
    const sshd = spawn(
      'ip',
      ['netns', 'exec', this.ns, '/usr/sbin/sshd', '-D', '-e', '-f', config],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    const from = this.sshdLog.length;
    const listening = () => this.sshdLog.slice(from).includes('Server listening');
    sshd.stderr!.on('data', (chunk) => (this.sshdLog += chunk));
    this.sshd = sshd;
    for (let i = 0; i < 100 && !listening(); i++) {
      if (sshd.exitCode !== null) throw new Error(`sshd exited:\n${this.sshdLog}`);
      await sleep(50);
    }
    if (!listening()) throw new Error(`sshd did not start:\n${this.sshdLog}`);
  }

  /** Stops sshd and ends its sessions (as when the host goes away). */
  async stopSshd(): Promise<void> {
    const sshd = this.sshd;
    this.sshd = null;
    if (sshd) {
      sshd.kill('SIGTERM');
      await waitForExit(sshd, 5000);
    }
    for (const pid of await this.pids()) {
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'sshd') continue;
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }

  /** The processes running in the namespace. */
  async pids(): Promise<number[]> {
    const { stdout } = await run('ip', ['netns', 'pids', this.ns]);
    return stdout
      .split('\n')
      .filter(Boolean)
      .map(Number)
      .filter((pid) => existsSync(`/proc/${pid}`));
  }

  /**
   * Starts a debyard daemon in the namespace on its loopback (HTTP on an ephemeral
   * port), with its own home, in its own process group (killPeer takes it all down).
   */
  async startPeer(env: NodeJS.ProcessEnv = {}): Promise<PeerDaemon> {
    const home = path.join(this.dir, `home-${this.daemons.length}`);
    const daemon = await spawnDaemon(
      ['--home', home, '--identity', 'peeryard'],
      { DEBYARD_LOG_LEVEL: 'info', ...env },
      { prefix: ['ip', 'netns', 'exec', this.ns], detached: true },
    );
    this.daemons.push(daemon);
    const apiPort = Number(new URL(daemon.url).port);
    return new PeerDaemon(this, daemon, home, apiPort);
  }

  async cleanup(): Promise<void> {
    for (const daemon of this.daemons) await killGroup(daemon.child);
    await killUnder(this.dir);
    await this.stopSshd();
    // Whatever else still runs in the namespace (builds of a killed peer).
    for (const pid of await this.pids().catch(() => [])) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await ip('netns', 'del', this.ns).catch(() => {});
    await ip('link', 'del', `${this.veth}a`).catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A debyard daemon running in a PeerHost's namespace. */
export class PeerDaemon {
  constructor(
    readonly host: PeerHost,
    readonly daemon: SpawnedDaemon,
    readonly home: string,
    /** Its HTTP port on the namespace's loopback. */
    readonly apiPort: number,
  ) {}

  /** Runs `debyard <args> --server <its url>` inside the namespace; the output. */
  async cli(args: string[], timeoutMs = 60_000): Promise<string> {
    const { stdout } = await this.host.exec(
      [process.execPath, CLI, ...args, '--server', this.daemon.url],
      timeoutMs,
    );
    return stdout;
  }

  /** A staff user of the peer and an API token of theirs, for the daemon that uses it. */
  async staffToken(): Promise<string> {
    const admin = await this.adminToken();
    await this.cli([
      'user-add',
      'buildpeer',
      '--role',
      'staff',
      '--password',
      'buildpeer-pw-123',
      '--token',
      admin,
    ]);
    const staff = JSON.parse(
      await this.cli([
        'token-create',
        '--user',
        'buildpeer',
        '--password',
        'buildpeer-pw-123',
        '--name',
        'peer',
        '--json',
      ]),
    ) as { token: string };
    return staff.token;
  }

  /**
   * Makes its chroot a copy of an existing base tree and waits until it is ready; its apt
   * cache gets the test cache's packages hard-linked in (the namespace has no route to
   * the Debian mirror, so build dependencies come from there, as for the local tests).
   */
  async seedChroot(codename: string, architecture: string, from: string): Promise<void> {
    const cache = path.join(TEST_CACHE, `apt-cache-${codename}-${architecture}`);
    const target = path.join(this.home, 'chroots', 'apt-cache', `${codename}-${architecture}`);
    if (existsSync(cache)) {
      mkdirSync(target, { recursive: true });
      await run('cp', ['-al', `${cache}/.`, target]);
    }
    const token = await this.adminToken();
    await this.cli(['chroot-create', codename, architecture, '--from', from, '--token', token]);
    for (let i = 0; i < 600; i++) {
      const list = JSON.parse(await this.cli(['chroot-list', '--json', '--token', token])) as {
        state: string;
        lastError: string | null;
      }[];
      if (list[0]?.state === 'ready') return;
      if (list[0]?.state === 'broken') throw new Error(`seeding failed: ${list[0].lastError}`);
      await sleep(500);
    }
    throw new Error('the peer chroot did not get ready in 5 minutes');
  }

  private adminTokenValue: string | null = null;

  async adminToken(): Promise<string> {
    if (this.adminTokenValue) return this.adminTokenValue;
    const password = readFileSync(path.join(this.home, 'admin-password'), 'utf8').trim();
    const created = JSON.parse(
      await this.cli(['token-create', '--user', 'admin', '--password', password, '--json']),
    ) as { token: string };
    this.adminTokenValue = created.token;
    return created.token;
  }

  /**
   * kill -9 of the daemon and everything it started, as when its host dies: its process
   * group, and the builds (their own sessions and namespaces) running in its home.
   */
  async kill(): Promise<void> {
    await killGroup(this.daemon.child);
    await killUnder(this.home);
  }
}

/** Kills every process whose root, working folder or command line is in `dir`. */
async function killUnder(dir: string): Promise<void> {
  for (let round = 0; round < 20; round++) {
    const pids = processesUnder(dir);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await sleep(100);
  }
}

async function killGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
  await waitForExit(child, 5000);
}

function ip(...args: string[]): Promise<unknown> {
  return run('ip', args);
}

/** A /30 in 10.213.0.0/16 that no interface uses yet: [host side, namespace side]. */
async function freeSubnet(): Promise<[string, string]> {
  const { stdout } = await run('ip', ['-4', '-o', 'addr', 'show']);
  for (let attempt = 0; attempt < 100; attempt++) {
    const index = (process.pid * 7 + attempt * 13 + Math.floor(Math.random() * 64)) % 16384;
    const prefix = `10.213.${index >> 6}.`;
    const last = (index & 63) * 4;
    const pair: [string, string] = [`${prefix}${last + 1}`, `${prefix}${last + 2}`];
    if (!pair.some((a) => stdout.includes(` ${a}/`))) return pair;
  }
  throw new Error('no free /30 in 10.213.0.0/16');
}

/**
 * Writes a dput.cf for a daemon whose HTTP listens on the host end of a peer's veth pair
 * (so that the peer's builds reach its archive) while its FTP incoming stays on loopback.
 */
export async function writeLoopbackDputConf(
  daemon: { url: string; ftp: { host: string } },
  file: string,
): Promise<string> {
  const text = await (await fetch(`${daemon.url}/api/v1/dput_conf`)).text();
  writeFileSync(file, text.replaceAll(new URL(daemon.url).hostname, daemon.ftp.host));
  return file;
}

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../../src/app/daemon.js';
import type { SchedulerPart } from '../../../src/app/parts/scheduler-part.js';
import { allowList } from '../../../src/chroot/mirror-proxy.js';
import { Sandbox } from '../../../src/chroot/sandbox.js';
import { LocalRunner } from '../../../src/exec/local-runner.js';
import {
  adminToken,
  api,
  aptFor,
  codeversionOf,
  GnupgHome,
  persistentTempDir,
  PipelineUploads,
  startTestDaemon,
  testSettings,
  treeHash,
  WebhookReceiver,
} from '../../fixtures/index.js';
import { importTestChroot, testBaseTree } from '../../fixtures/subsystems.js';

// One daemon and chroot for the file: 8 real builds (three with lintian), about 3 minutes.

let dir: string;
let daemon: Daemon;
let pipeline: PipelineUploads;
let token: string;
let codename: string;
let architecture: string;
let cv: string;
let unstable: string;
let testing: string;
let firstEvent: number;
const receiver = new WebhookReceiver();

const post = (name: string, input: Record<string, unknown>) =>
  api(daemon.url, name, { method: 'POST', token, input });

beforeAll(async () => {
  dir = persistentTempDir('debyard-maintenance-');
  const home = path.join(dir, 'home');
  ({ codename, architecture } = await importTestChroot(home));
  cv = codeversionOf(codename);
  unstable = `${codename}-test-unstable`;
  testing = `${codename}-test-testing`;
  // The receiver is down for a minute or so: retries every second at most, long enough.
  const settings = testSettings(home);
  daemon = await startTestDaemon(home, {
    notify: { ...settings.notify, webhookRetryMaxMs: 1000, webhookAttempts: 1000 },
  });
  pipeline = new PipelineUploads(daemon, dir);
  token = await adminToken(daemon);
  await receiver.start();
  const added = await post('webhook_add', { url: receiver.url });
  expect(added.status, JSON.stringify(added.body)).toBe(200);
  receiver.secret = added.body.secret as string;
  firstEvent = daemon.events.list({ limit: 1 })[0]!.id + 1;
}, 15 * 60_000); // the first test to need the cached base chroot creates it

afterAll(async () => {
  await daemon?.stop();
  await receiver.stop();
  if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
});

describe('test_packages', () => {
  it('uploads the built-in sources through the pipeline and reports what became of each', async () => {
    const answer = await post('test_packages', { distribution: unstable, wait: 400 });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const version = expect.stringMatching(new RegExp(`^0\\.\\d{14}~test${cv}\\+1$`));
    expect(answer.body).toMatchObject([
      {
        source: 'debyard-test-all',
        version,
        distribution: unstable,
        state: 'ACCEPTED',
        result: 'INSTALLED',
        expected: 'INSTALLED',
        ok: true,
      },
      { source: 'debyard-test-any', state: 'ACCEPTED', result: 'INSTALLED', ok: true },
      {
        source: 'debyard-test-ftbfs',
        state: 'ACCEPTED',
        result: 'FAILED',
        expected: 'FAILED',
        ok: true,
      },
    ]);
    const scheduler = daemon.parts.find((p) => p.name === 'scheduler') as SchedulerPart;
    const [ftbfs] = scheduler.scheduler.list({ uploadId: answer.body[2].uploadId });
    expect(ftbfs).toMatchObject({ state: 'FAILED', failStage: 'build' });
    expect(readFileSync(ftbfs!.logFile!, 'utf8')).toContain(
      'debyard-test-ftbfs fails to build, on purpose',
    );

    const refused = await post('test_packages', { distribution: testing });
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toBe(`${testing} takes no uploads; name an uploadable suite`);
  }, 450_000);
});

describe('keyring package', () => {
  it('installs, lintian-clean, and makes apt trust and use the archive with no other setup', async () => {
    const answer = await post('keyring_package', { repo: 'test' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject([
      { source: 'testyard-archive-keyring', distribution: unstable, state: 'ACCEPTED' },
    ]);
    const upload = await pipeline.uploadIn(answer.body[0].uploadId, ['INSTALLED', 'FAILED']);
    const scheduler = daemon.parts.find((p) => p.name === 'scheduler') as SchedulerPart;
    const [build] = scheduler.scheduler.list({ uploadId: upload.id });
    const log = readFileSync(build!.logFile!, 'utf8');
    expect(upload.state, log.slice(-3000)).toBe('INSTALLED');
    // Built with lintian-mode errfail: lintian ran and found no errors.
    expect(build).toMatchObject({ lintianMode: 'errfail', lintian: 'pass' });
    expect(log).not.toMatch(/^E: /m);

    // A user downloads the two packages (here with apt from the API's stanza) …
    const host = await aptFor(daemon, path.join(dir, 'apt-download'), architecture, [
      { repo: 'test', suite: 'unstable' },
    ]);
    expect((await host.aptGet(['update'])).problems).toEqual([]);
    const names = ['testyard-archive-keyring', 'testyard-test-apt-source'];
    const download = await host.aptGet(['download', ...names]);
    expect(download.code, download.output).toBe(0);
    const debs = path.join(dir, 'debs');
    mkdirSync(debs);
    for (const deb of readdirSync(host.root).filter((f) => f.endsWith('.deb'))) {
      copyFileSync(path.join(host.root, deb), path.join(debs, deb));
    }
    // … and installs them on a fresh system without other apt sources or keys.
    const script = [
      'set -e',
      'rm -f /etc/apt/sources.list /etc/apt/sources.list.d/* /etc/apt/trusted.gpg.d/*',
      'dpkg -i /debs/*.deb >/dev/null',
      'ls /usr/share/keyrings/testyard-archive-keyring.gpg /usr/share/testyard-archive-keyring',
      'apt-get update 2>&1',
      'apt-get install -y -q debyard-test-any >/tmp/install.log 2>&1 || { cat /tmp/install.log; exit 1; }',
      'debyard-test-any',
    ].join('\n');
    const out = await inFreshSystem(debs, script, `${daemon.url}/repos/test/`);
    expect(out.exitCode, out.stdout + out.stderr).toBe(0);
    const lines = out.stdout.split('\n');
    expect(lines.filter((l) => /^(W|E|Err):/.test(l))).toEqual([]);
    expect(lines).toEqual(
      expect.arrayContaining([
        ...['experimental', 'hotfix', 'stable', 'testing', 'unstable'].map(
          (suite) => `${codename}-test-${suite}.sources`,
        ),
        `Hello from debyard-test-any, built for ${architecture}`,
      ]),
    );
    expect(out.stdout).toMatch(
      new RegExp(`^Get:\\d+ ${daemon.url}/repos/test ${unstable} InRelease`, 'm'),
    );
  }, 600_000);
});

/** Runs a root shell script in an overlay of the test base system that may reach `repo`. */
async function inFreshSystem(debs: string, script: string, repo: string) {
  const runner = new LocalRunner();
  const box = await Sandbox.open(
    {
      tree: await testBaseTree(),
      mode: 'overlay',
      workDir: path.join(dir, 'fresh'),
      binds: [{ source: debs, target: '/debs', readOnly: true }],
      mirrors: allowList([repo]),
    },
    runner,
  );
  try {
    return await box.run(
      {
        argv: ['sh', '-c', script],
        network: true,
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', DEBIAN_FRONTEND: 'noninteractive' },
        timeoutMs: 120_000,
      },
      runner,
    );
  } finally {
    await box.close();
  }
}

describe('migrate, rollbacks and snapshots through the pipeline', () => {
  const v1 = () => `1.0~test${cv}+1`;
  const v2 = () => `1.0~test${cv}+2`;

  /** apt in a fresh root: the version of debyard-hello-all it installs from `suite`. */
  async function aptInstalls(name: string, suite: string, uri?: string): Promise<string> {
    const apt = await aptFor(daemon, path.join(dir, `apt-${name}`), architecture, [
      { repo: 'test', suite },
    ]);
    if (uri) {
      const file = path.join(dir, `apt-${name}`, 'etc/apt/sources.list.d', `test-${suite}.sources`);
      const text = readFileSync(file, 'utf8').replace(/^URIs: .*$/m, `URIs: ${uri}`);
      writeFileSync(file, text);
    }
    const update = await apt.aptGet(['update']);
    expect(update.problems, update.output).toEqual([]);
    const install = await apt.aptGet(['install', 'debyard-hello-all']);
    expect(install.code, install.output).toBe(0);
    const status = readFileSync(path.join(apt.root, 'var/lib/dpkg/status'), 'utf8');
    const stanza = status.split('\n\n').find((s) => s.startsWith('Package: debyard-hello-all\n'));
    return /^Version: (.*)$/m.exec(stanza ?? '')?.[1] ?? 'not installed';
  }

  it('migrates an upload to testing (apt installs it there), rolls back, keeps a snapshot unchanged', async () => {
    await pipeline.installed('hello-all', { version: v1(), distribution: unstable });
    const snapshot = await post('snapshot_create', { distribution: unstable, name: 'before' });
    expect(snapshot.status, JSON.stringify(snapshot.body)).toBe(200);
    const snapshotDir = path.join(daemon.layout.repos, 'test', 'snapshots', 'before');
    const frozen = treeHash(snapshotDir);

    const migrated = await post('migrate', {
      package: 'debyard-hello-all',
      distribution: unstable,
    });
    expect(migrated.status, JSON.stringify(migrated.body)).toBe(200);
    expect(migrated.body.changes).toMatchObject([
      { source: 'debyard-hello-all', version: v1(), distribution: testing },
    ]);
    expect(await aptInstalls('testing-1', 'testing')).toBe(v1());

    // The receiver is down while the next version is built, installed and migrated.
    await receiver.stop();
    await pipeline.installed('hello-all', { version: v2(), distribution: unstable });
    const again = await post('migrate', { package: 'debyard-hello-all', distribution: unstable });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(await aptInstalls('testing-2', 'testing')).toBe(v2());
    const twice = await post('migrate', { package: 'debyard-hello-all', distribution: unstable });
    expect(twice.status).toBe(409);

    const restored = await post('restore', { package: 'debyard-hello-all', distribution: testing });
    expect(restored.status, JSON.stringify(restored.body)).toBe(200);
    expect(restored.body).toMatchObject({ version: v1(), distribution: testing });
    expect(await aptInstalls('testing-restored', 'testing')).toBe(v1());

    // The snapshot still serves v1 of unstable, byte for byte as it was taken.
    expect(treeHash(snapshotDir)).toBe(frozen);
    expect(await aptInstalls('unstable-2', 'unstable')).toBe(v2());
    const snapshotUri = `${daemon.url}/repos/test/snapshots/before/`;
    expect(await aptInstalls('snapshot', 'unstable', snapshotUri)).toBe(v1());
    await receiver.start();
  }, 400_000);

  it('counts it all in /metrics from the real events', async () => {
    const text = await (await fetch(`${daemon.url}/metrics`)).text();
    const value = (line: string) =>
      Number(new RegExp(`^${escape(line)} (\\S+)$`, 'm').exec(text)?.[1]);
    // test_packages 3, keyring 1, hello-all 2; one failed to build.
    expect(value('debyard_uploads_total{result="accepted"}')).toBe(6);
    expect(value('debyard_uploads_total{result="rejected"}')).toBe(0);
    expect(value('debyard_builds_total{result="built"}')).toBe(5);
    expect(value('debyard_builds_total{result="failed"}')).toBe(1);
    expect(value('debyard_build_duration_seconds_count')).toBe(6);
    expect(value('debyard_build_duration_seconds_sum')).toBeGreaterThan(1);
    expect(value('debyard_publish_duration_seconds_count')).toBeGreaterThanOrEqual(5);
    expect(value('debyard_build_queue_length')).toBe(0);
  });

  it('delivered every event to the webhook, signed, also those from while it was down', async () => {
    const last = daemon.events.list({ limit: 1 })[0]!.id;
    await receiver.waitFor(last, 30_000);
    const expected = daemon.events
      .list({ afterId: firstEvent - 1, limit: 10_000 })
      .map((e) => e.id) // ascending after an id
      .filter((id) => id <= last);
    // At least once: a delivery cut off as the receiver went down comes again.
    const got = new Set(
      receiver.received.map((r) => r.event.id).filter((id) => id >= firstEvent && id <= last),
    );
    expect([...got]).toEqual(expected);
    expect(receiver.received.every((r) => r.signatureValid)).toBe(true);
    const types = new Set(receiver.received.map((r) => r.event.type));
    for (const type of ['ACCEPTED', 'BUILDING', 'BUILT', 'FAILED', 'INSTALLED', 'MIGRATED']) {
      expect(types).toContain(type);
    }
    expect(types).toContain('PUBLISHED');
    expect(types).toContain('SNAPSHOT');
  }, 60_000);
});

describe('the keyring package through a key rotation', () => {
  const gnupg = new GnupgHome();
  afterAll(() => gnupg.dispose());
  let newest = 0;
  const signing = async () =>
    ((await api(daemon.url, 'archive_keys')).body as { fingerprint: string; signing: boolean }[])
      .filter((k) => k.signing)
      .map((k) => k.fingerprint)
      .sort();

  /**
   * The key change's own keyring upload (the daemon makes it), once installed: the
   * fingerprints in the keyring of the .deb apt downloads from the archive.
   */
  async function shippedKeys(name: string): Promise<string[]> {
    let id = 0;
    await expect
      .poll(
        async () => {
          const uploads = await api(daemon.url, 'uploads', {
            input: { source: 'testyard-archive-keyring', limit: 1 },
          });
          id = uploads.body[0]?.id ?? 0;
          return id > newest;
        },
        { timeout: 60_000, interval: 500 },
      )
      .toBe(true);
    newest = id;
    const upload = await pipeline.uploadIn(id, ['INSTALLED', 'FAILED', 'REJECTED']);
    expect(upload.state, JSON.stringify(upload.reasons)).toBe('INSTALLED');
    const root = path.join(dir, `keyring-${name}`);
    const host = await aptFor(daemon, root, architecture, [{ repo: 'test', suite: 'unstable' }]);
    expect((await host.aptGet(['update'])).problems).toEqual([]);
    const download = await host.aptGet(['download', 'testyard-archive-keyring']);
    expect(download.code, download.output).toBe(0);
    const deb = readdirSync(host.root).find((f) => f.startsWith('testyard-archive-keyring_'))!;
    const unpacked = path.join(root, 'unpacked');
    execFileSync('dpkg-deb', ['-x', path.join(host.root, deb), unpacked]);
    const keyring = path.join(unpacked, 'usr/share/keyrings/testyard-archive-keyring.gpg');
    const listed = gnupg.gpg(['--with-colons', '--show-keys', keyring]).toString();
    return [...listed.matchAll(/^pub:.*\nfpr:+([0-9A-F]{40}):/gm)].map((m) => m[1]!).sort();
  }

  it('ships both keys during the transition, only the new one after retirement', async () => {
    newest = (await api(daemon.url, 'uploads', { input: { source: 'testyard-archive-keyring' } }))
      .body[0].id;
    const [old] = await signing();
    const rotated = await post('key_rotate', {});
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    const fresh = rotated.body.fingerprint as string;
    expect(await signing()).toEqual([old!, fresh].sort());
    expect(await shippedKeys('rotated')).toEqual([old!, fresh].sort());

    expect((await post('key_retire', { fingerprint: old })).status).toBe(200);
    expect(await signing()).toEqual([fresh]);
    expect(await shippedKeys('retired')).toEqual([fresh]);
  }, 400_000);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

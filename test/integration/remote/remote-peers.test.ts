import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../../src/app/daemon.js';
import type { RemotesPart } from '../../../src/app/parts/remotes-part.js';
import { adminToken, api, persistentTempDir, startTestDaemon } from '../../fixtures/index.js';
import { type PeerDaemon, PeerHost } from '../../fixtures/subsystems.js';

/*
 * A real OpenSSH sshd in a network namespace of its own, a debyard peer daemon from this
 * checkout on that namespace's loopback, and a local daemon that adds it as a remote
 * peer. About 10 s: one namespace, one sshd and two daemons for the whole file.
 */

let host: PeerHost;
let peer: PeerDaemon;
let token: string;
let local: Daemon;
let admin: string;
let home: string;

const settings = {
  remotes: { checkIntervalSeconds: 1, checkTimeoutSeconds: 3, failoverTimeoutSeconds: 10 },
};

beforeAll(async () => {
  host = await PeerHost.create();
  peer = await host.startPeer();
  host.authorize(peer.apiPort);
  await host.startSshd();
  token = await peer.staffToken();
  home = persistentTempDir('debyard-local-');
  local = await startTestDaemon(home, settings);
  admin = await adminToken(local);
}, 120_000);

afterAll(async () => {
  await local?.stop();
  await host?.cleanup();
  execFileSync('rm', ['-rf', home]);
});

const add = (input: Record<string, unknown>) =>
  api(local.url, 'remote_add', {
    method: 'POST',
    token: admin,
    input: {
      host: host.address,
      user: 'root',
      key: host.clientKey,
      token,
      api: `127.0.0.1:${peer.apiPort}`,
      ...input,
    },
  });
const remotes = async () => (await api(local.url, 'remotes', { token: admin })).body;
const peerEvents = () => local.events.list({ types: ['PEER'], limit: 50 }).map((e) => e.message);
const builderOf = (name: string) =>
  (local.parts.find((p) => p.name === 'remotes') as RemotesPart).remotes
    .builders()
    .find((b) => b.name === name)!;

describe('remote peers over SSH', () => {
  it('shows the host key a peer offers as ssh-keygen -l prints it', async () => {
    const answer = await api(local.url, 'remote_scan', {
      token: admin,
      input: { host: host.address },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      algorithm: 'ssh-ed25519',
      fingerprint: await host.hostKeyFingerprint(),
      text: `ED25519 ${await host.hostKeyFingerprint()}`,
    });
  });

  it('refuses a first contact whose host key is not the expected one, naming both', async () => {
    const expected = `SHA256:${'A'.repeat(43)}`;
    const answer = await add({ name: 'p0', fingerprint: expected });
    expect(answer.status).toBe(502);
    expect(answer.body.detail).toBe(
      `the SSH host key of peer p0 (${host.address}:22) does not match: pinned ED25519 ${expected}, offered ED25519 ${await host.hostKeyFingerprint()}; refusing to connect. Compare with ssh-keygen -lf on the peer's host key (ED25519 ${await host.hostKeyFingerprint()} was offered).`,
    );
    expect(await remotes()).toEqual([]);
  });

  it('refuses a peer that does not take the key, the token or the API address', async () => {
    const other = path.join(host.dir, 'other-key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    expect((await add({ name: 'p0', key: other })).body.detail).toBe(
      `peer p0 (${host.address}:22): cannot connect over SSH: the peer refused the key for user root; add the key's public half to ~root/.ssh/authorized_keys on the peer`,
    );
    expect((await add({ name: 'p0', token: 'not-a-token' })).body.detail).toBe(
      `peer p0 (${host.address}:22): status check failed: the peer refused the API token: the API token is not valid (revoked or mistyped); run debyard login`,
    );
    expect((await add({ name: 'p0', api: '127.0.0.1:1' })).body.detail).toMatch(
      new RegExp(
        `^peer p0 \\(${host.address.replace(/\./g, '\\.')}:22\\): its sshd cannot open a connection to 127\\.0\\.0\\.1:1 \\(Channel open failure: .*\\); is the debyard daemon running there, and may this key forward to it \\(permitopen\\)\\?$`,
      ),
    );
    const missing = await add({ name: 'p0', key: '/nonexistent/key' });
    expect(missing.status).toBe(400);
    expect(missing.body.detail).toBe(
      "cannot read the key file /nonexistent/key on the daemon's host: no such file",
    );
    const notAKey = await add({ name: 'p0', key: undefined, key_text: 'hello' });
    expect(notAKey.body.detail).toMatch(/^the uploaded key is not an SSH private key/);
    const local_ = await add({ name: 'local' });
    expect(local_.body.detail).toBe(
      'invalid input for remote_add: name: local names this host; choose another name',
    );
    expect(await remotes()).toEqual([]);
  });

  it('adds a peer in one call: host key pinned on first contact, up with chroots, load, version', async () => {
    const answer = await add({ name: 'p1' });
    expect(answer.status).toBe(200);
    const fingerprint = await host.hostKeyFingerprint();
    expect(answer.body.hostKey).toEqual({
      algorithm: 'ssh-ed25519',
      fingerprint,
      text: `ED25519 ${fingerprint}`,
    });
    const publicKey = readFileSync(`${host.clientKey}.pub`, 'utf8')
      .split(' ')
      .slice(0, 2)
      .join(' ');
    expect(answer.body.clientKey.publicLine).toBe(publicKey);
    expect(answer.body.remote).toMatchObject({
      name: 'p1',
      state: 'up',
      host: host.address,
      port: 22,
      user: 'root',
      api: `127.0.0.1:${peer.apiPort}`,
      identity: 'peeryard',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      load: 0,
      running: 0,
      capacity: expect.any(Number),
      chroots: [],
      keyFile: host.clientKey,
      keyUploaded: false,
    });
    expect(peerEvents()).toContain(
      `remote peer p1 added (root@${host.address}:22, host key ED25519 ${fingerprint} pinned)`,
    );
    expect((await add({ name: 'p1' })).body.detail).toBe('a remote peer named p1 exists already');
    expect(builderOf('p1').available()).toBe(true);
  });

  it('keeps an uploaded key under the home, mode 0600, and removes it with the peer', async () => {
    const keyText = readFileSync(host.clientKey, 'utf8');
    const answer = await add({ name: 'p2', key: undefined, key_text: keyText, capacity: 3 });
    expect(answer.status).toBe(200);
    const stored = path.join(home, 'keys', 'remotes', 'p2.key');
    expect(answer.body.remote).toMatchObject({ keyFile: stored, keyUploaded: true, capacity: 3 });
    expect(readFileSync(stored, 'utf8')).toBe(keyText);
    expect(statSync(stored).mode & 0o777).toBe(0o600);
    const removed = await api(local.url, 'remote_remove', {
      method: 'POST',
      token: admin,
      input: { name: 'p2' },
    });
    expect(removed.body).toEqual({ removed: 'p2' });
    expect(existsSync(stored)).toBe(false);
    expect(peerEvents()).toContain('remote peer p2 removed');
    expect((await remotes()).map((r: { name: string }) => r.name)).toEqual(['p1']);
  });

  it('reports a peer that stops answering as down and skips it, and sees it come back', async () => {
    await host.stopSshd();
    const refused = `peer p1 (${host.address}:22): cannot connect over SSH: ${host.address}:22 refused the connection; is sshd running there?`;
    await expect.poll(async () => (await remotes())[0].reason, { timeout: 10_000 }).toBe(refused);
    const down = (await remotes())[0];
    expect(down.state).toBe('down');
    expect(peerEvents()).toContain(`remote peer p1 is down: ${down.reason}`);
    expect(builderOf('p1').available()).toBe(false);
    await host.startSshd();
    await expect.poll(async () => (await remotes())[0].state, { timeout: 10_000 }).toBe('up');
    expect(peerEvents()).toContainEqual(
      expect.stringMatching(/^remote peer p1 is up again \(load 0\.00/),
    );

    // A host that vanishes from the network: the check times out.
    await host.exec(['sh', '-c', 'ip link set $(ls /sys/class/net | grep dyv) down']);
    await expect.poll(async () => (await remotes())[0].state, { timeout: 15_000 }).toBe('down');
    expect((await remotes())[0].reason).toMatch(
      /^peer p1 \(\S+\) did not answer within 3 s$|^peer p1 \(\S+\): cannot connect over SSH: \S+ cannot be reached \(no route to host\)$/,
    );
    await host.exec(['sh', '-c', 'ip link set $(ls /sys/class/net | grep dyv) up']);
    await expect.poll(async () => (await remotes())[0].state, { timeout: 15_000 }).toBe('up');
  }, 60_000);

  it('refuses a peer whose host key changed, naming the pinned and the offered key', async () => {
    const pinned = await host.hostKeyFingerprint();
    await host.stopSshd();
    await host.newHostKey();
    await host.startSshd();
    const logFrom = host.sshdLog.length;
    const offered = await host.hostKeyFingerprint();
    const checked = await api(local.url, 'remote_check', {
      method: 'POST',
      token: admin,
      input: { name: 'p1' },
    });
    expect(checked.body).toMatchObject({ name: 'p1', state: 'down' });
    expect(checked.body.reason).toBe(
      `the SSH host key of peer p1 (${host.address}:22) does not match: pinned ED25519 ${pinned}, offered ED25519 ${offered}; refusing to connect. If the peer's host key was changed on purpose, remove the peer and add it again.`,
    );
    expect(peerEvents()).toContain(`remote peer p1 is down: ${checked.body.reason}`);
    expect(builderOf('p1').available()).toBe(false);
    // Refused before logging in: sshd saw no authentication.
    expect(host.sshdLog.slice(logFrom)).not.toContain('Accepted publickey');
  });
});

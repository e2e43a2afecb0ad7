import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { startFtpServer, type RunningFtpServer } from '../../../src/incoming/ftp-server.js';
import { IncomingArea, type ArrivedFile } from '../../../src/incoming/incoming-area.js';
import { IncomingFileSystem } from '../../../src/incoming/incoming-file-system.js';
import { IncomingSpace } from '../../../src/incoming/incoming-space.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { RawFtp, tempDir } from '../../fixtures/index.js';

const run = promisify(execFile);

interface Incoming {
  root: string;
  dir: string;
  partialDir: string;
  port: number;
  arrivals: ArrivedFile[];
}

let servers: RunningFtpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function startIncoming(
  options: { maxFileBytes?: number; maxSessionBytes?: number; idleTimeoutSeconds?: number } = {},
  tls?: { cert: string; key: string },
): Promise<Incoming> {
  const root = tempDir();
  const dir = path.join(root, 'incoming');
  const partialDir = path.join(root, 'tmp', 'ftp');
  const area = new IncomingArea(dir, partialDir);
  await area.prepare();
  const arrivals: ArrivedFile[] = [];
  area.onArrival((file) => arrivals.push(file));
  const fsOptions = {
    area,
    space: new IncomingSpace({ dir, maxBytes: 64 * 1024 * 1024, minFreeBytes: 0 }),
    maxFileBytes: options.maxFileBytes ?? 1024 * 1024,
    maxSessionBytes: options.maxSessionBytes ?? 4 * 1024 * 1024,
    idleTimeoutSeconds: options.idleTimeoutSeconds ?? 30,
  };
  const server = await startFtpServer({
    listen: { host: '127.0.0.1', port: 0 },
    logger: silentLogger,
    fileSystem: (connection) => new IncomingFileSystem(connection, fsOptions),
    passivePorts: { min: 0, max: 0 },
    idleTimeoutSeconds: fsOptions.idleTimeoutSeconds,
    tls,
  });
  servers.push(server);
  return { root, dir, partialDir, port: server.address.port, arrivals };
}

/** Every file under a folder, relative, to prove nothing landed elsewhere. */
function tree(root: string, rel = ''): string[] {
  return readdirSync(path.join(root, rel), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? [`${rel}${e.name}/`, ...tree(root, `${rel}${e.name}/`)] : [`${rel}${e.name}`],
  );
}

function partialSizes(incoming: Incoming): string {
  return readdirSync(incoming.partialDir)
    .map((f) => statSync(path.join(incoming.partialDir, f)).size)
    .join(',');
}

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('FTP incoming', () => {
  it('takes uploads from curl -T into /incoming and reports each complete file once', async () => {
    const incoming = await startIncoming();
    const local = tempDir();
    const files = ['hello_1.0.orig.tar.gz', 'hello_1.0-1.dsc', 'hello_1.0-1_source.changes'];
    files.forEach((f, i) =>
      writeFileSync(path.join(local, f), `content ${i}\n`.repeat(1000 * (i + 1))),
    );
    await run('curl', [
      '--silent',
      '--show-error',
      '-T',
      `{${files.map((f) => path.join(local, f)).join(',')}}`,
      `ftp://127.0.0.1:${incoming.port}/incoming/`,
    ]);
    expect(tree(incoming.dir).sort()).toEqual([...files].sort());
    for (const f of files) {
      expect(readFileSync(path.join(incoming.dir, f))).toEqual(readFileSync(path.join(local, f)));
    }
    expect(incoming.arrivals.map((a) => [a.name, a.size])).toEqual(
      files.map((f, i) => [f, `content ${i}\n`.length * 1000 * (i + 1)]),
    );
    expect(tree(incoming.partialDir)).toEqual([]);
  });

  it('refuses to replace a file (553, as dput expects) and lists only the session’s own files', async () => {
    const incoming = await startIncoming();
    const first = await RawFtp.login(incoming.port);
    expect((await first.send('CWD /incoming')).code).toBe(250);
    expect((await first.put('a_1.0.dsc', 'first'))[1]).toMatchObject({ code: 226 });
    const second = await RawFtp.login(incoming.port);
    expect((await second.send('CWD incoming')).code).toBe(250);
    expect((await second.put('b_1.0.dsc', 'mine'))[1]).toMatchObject({ code: 226 });
    const [refused] = await second.put('a_1.0.dsc', 'second');
    expect(refused).toEqual({
      code: 553,
      text: 'a_1.0.dsc exists already; files in the incoming are never replaced',
    });
    expect(readFileSync(path.join(incoming.dir, 'a_1.0.dsc'), 'utf8')).toBe('first');

    const data = await second.passive();
    let listing = '';
    data.on('data', (chunk) => (listing += chunk));
    const closed = new Promise((r) => data.once('close', r));
    expect((await second.send('NLST')).code).toBe(150);
    expect((await second.reply()).code).toBe(226);
    await closed;
    expect(listing.trim().split(/\r?\n/)).toEqual(['b_1.0.dsc']);
    expect((await second.send('SIZE a_1.0.dsc')).code).toBe(550);
    await first.quit();
    await second.quit();
  });

  it('keeps every path inside the incoming and refuses reading, deleting, renaming and folders', async () => {
    const incoming = await startIncoming();
    writeFileSync(path.join(incoming.root, 'secret'), 'do not touch');
    const ftp = await RawFtp.login(incoming.port);
    const refused = async (line: string) => {
      const reply = await ftp.send(line);
      return `${line} → ${reply.code} ${reply.text}`;
    };
    expect(await refused('CWD /etc')).toBe(
      'CWD /etc → 550 No such folder /etc; uploads go to /incoming',
    );
    expect(await refused('CWD ../..')).toBe('CWD ../.. → 250 "/"');
    expect(await refused('CWD /incoming/../../tmp')).toBe(
      'CWD /incoming/../../tmp → 550 No such folder /tmp; uploads go to /incoming',
    );
    for (const name of ['../secret', '/secret', '/incoming/../secret', '/incoming/../../x', 'x']) {
      expect((await ftp.put(name, 'evil'))[0]).toEqual({
        code: 553,
        text: 'Files can only be uploaded into /incoming',
      });
    }
    expect((await ftp.send('CWD /incoming')).code).toBe(250);
    expect((await ftp.put('.hidden', 'x'))[0]).toMatchObject({
      code: 553,
      text: expect.stringContaining('File name not allowed: .hidden'),
    });
    expect((await ftp.put('sub/x', 'x'))[0]).toMatchObject({ code: 553 });
    expect((await ftp.put('ok_1.0.dsc', 'fine'))[1]).toMatchObject({ code: 226 });

    const data = await ftp.passive();
    expect(await refused('RETR ok_1.0.dsc')).toBe(
      'RETR ok_1.0.dsc → 551 Downloading is not possible here',
    );
    data.destroy();
    expect(await refused('RETR ../secret')).toMatch(/^RETR \.\.\/secret → 551/);
    expect(await refused('DELE ok_1.0.dsc')).toBe(
      'DELE ok_1.0.dsc → 550 Deleting files is not possible here',
    );
    expect(await refused('RNFR ok_1.0.dsc')).toBe(
      'RNFR ok_1.0.dsc → 350 Requested file action pending further information',
    );
    expect(await refused('RNTO ../moved')).toBe(
      'RNTO ../moved → 550 Renaming files is not possible here',
    );
    expect(await refused('RNFR ../secret')).toBe('RNFR ../secret → 550 No such file /secret');
    expect(await refused('MKD sub')).toBe('MKD sub → 550 Creating folders is not possible here');
    expect(await refused('RMD /incoming')).toMatch(/^RMD \/incoming → 550/);
    expect(await refused('SITE CHMOD 777 ok_1.0.dsc')).toMatch(
      /^SITE CHMOD 777 ok_1.0.dsc → 5\d\d/,
    );
    expect((await ftp.send('REST 2')).code).toBe(350);
    expect((await ftp.put('resumed_1.0.dsc', 'x'))[0]).toEqual({
      code: 553,
      text: 'Appending or resuming is not possible; upload whole files',
    });
    const appendData = await ftp.passive();
    expect(await refused('APPE ok_1.0.dsc')).toBe(
      'APPE ok_1.0.dsc → 553 Appending or resuming is not possible; upload whole files',
    );
    appendData.destroy();
    await ftp.quit();

    expect(readFileSync(path.join(incoming.root, 'secret'), 'utf8')).toBe('do not touch');
    expect(tree(incoming.root).sort()).toEqual([
      'incoming/',
      'incoming/ok_1.0.dsc',
      'secret',
      'tmp/',
      'tmp/ftp/',
    ]);
  });

  it('throws away a file whose connection drops mid-transfer, and one that stalls past the idle timeout', async () => {
    const incoming = await startIncoming({ idleTimeoutSeconds: 2 });
    const ftp = await RawFtp.login(incoming.port);
    await ftp.send('CWD /incoming');
    const data = await ftp.passive();
    ftp.socket.write('STOR cut_1.0.orig.tar.gz\r\n');
    expect((await ftp.reply()).code).toBe(150);
    data.write(Buffer.alloc(200_000, 1));
    // Reset once the server has every byte (a reset with unsent bytes becomes a normal
    // close, which FTP cannot tell from the end of the file; the processor's size checks
    // and stray timeout deal with such files).
    await until(() => partialSizes(incoming) === '200000', 'the partial file');
    data.resetAndDestroy();
    await until(() => readdirSync(incoming.partialDir).length === 0, 'the partial file to go');
    expect(await ftp.reply()).toEqual({ code: 426, text: 'read ECONNRESET' });
    await ftp.quit();

    // The control connection goes while the data connection stays open.
    const dropper = await RawFtp.login(incoming.port);
    await dropper.send('CWD /incoming');
    const open = await dropper.passive();
    dropper.socket.write('STOR dropped_1.0.dsc\r\n');
    expect((await dropper.reply()).code).toBe(150);
    open.write('half of a file');
    await until(() => readdirSync(incoming.partialDir).length === 1, 'the partial file');
    dropper.destroy();
    await until(() => readdirSync(incoming.partialDir).length === 0, 'the partial file to go');

    // A client that stops sending: the idle timeout closes the session.
    const staller = await RawFtp.login(incoming.port);
    await staller.send('CWD /incoming');
    const stalled = await staller.passive();
    staller.socket.write('STOR stalled_1.0.dsc\r\n');
    expect((await staller.reply()).code).toBe(150);
    stalled.write('a beginning');
    await until(() => readdirSync(incoming.partialDir).length === 1, 'the partial file');
    await until(() => readdirSync(incoming.partialDir).length === 0, 'the idle timeout', 8000);
    stalled.destroy();
    expect(tree(incoming.dir)).toEqual([]);
    expect(incoming.arrivals).toEqual([]);
  });

  it('refuses files over the size limits', async () => {
    const incoming = await startIncoming({ maxFileBytes: 64 * 1024, maxSessionBytes: 100 * 1024 });
    const ftp = await RawFtp.login(incoming.port);
    await ftp.send('CWD /incoming');
    expect((await ftp.put('a_1.0.orig.tar.gz', Buffer.alloc(60 * 1024)))[1]).toMatchObject({
      code: 226,
    });
    expect((await ftp.put('b_1.0.orig.tar.gz', Buffer.alloc(60 * 1024)))[1]).toEqual({
      code: 552,
      text: 'this session has sent more than 100 KiB, the most one session may send; log in again for more',
    });
    await ftp.quit();
    const next = await RawFtp.login(incoming.port);
    await next.send('CWD /incoming');
    expect((await next.put('big_1.0.orig.tar.gz', Buffer.alloc(65 * 1024)))[1]).toEqual({
      code: 552,
      text: 'big_1.0.orig.tar.gz is larger than 64 KiB, the most one file may have here',
    });
    await next.quit();
    await until(() => readdirSync(incoming.partialDir).length === 0, 'partial files to go');
    expect(tree(incoming.dir)).toEqual(['a_1.0.orig.tar.gz']);
  });

  it('offers FTPS (AUTH TLS) when given a certificate', async () => {
    const certs = tempDir();
    const cert = path.join(certs, 'ftp.crt');
    const key = path.join(certs, 'ftp.key');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-keyout',
      key,
      '-out',
      cert,
    ]);
    const incoming = await startIncoming(
      {},
      { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') },
    );
    const local = tempDir();
    mkdirSync(path.join(local, 'x'));
    writeFileSync(path.join(local, 'x', 'tls_1.0.dsc'), 'over TLS');
    await run('curl', [
      '--silent',
      '--show-error',
      '--ssl-reqd',
      '--insecure',
      '-T',
      path.join(local, 'x', 'tls_1.0.dsc'),
      `ftp://127.0.0.1:${incoming.port}/incoming/`,
    ]);
    expect(readFileSync(path.join(incoming.dir, 'tls_1.0.dsc'), 'utf8')).toBe('over TLS');
  });
});

import net from 'node:net';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { RawFtp, spawnDaemon, tempDir, waitForExit } from '../fixtures/index.js';

/** Opens a passive data connection and leaves it open, never using it. */
async function abandonedPassive(ftp: RawFtp): Promise<net.Socket> {
  const reply = await ftp.send('EPSV');
  const port = Number(/\(\|\|\|(\d+)\|\)/.exec(reply.text)![1]);
  const data = net.connect(port, '127.0.0.1');
  data.on('error', () => {});
  await new Promise((resolve) => data.once('connect', resolve));
  return data;
}

describe('stopping the daemon', () => {
  it('exits on SIGTERM although FTP clients abandoned passive data connections', async () => {
    const daemon = await spawnDaemon(['--home', path.join(tempDir(), 'home')]);
    const ftp = await RawFtp.login(daemon.ftpPort);
    // A client sent PASV twice, connected both times, and went away without a word.
    const data = [await abandonedPassive(ftp), await abandonedPassive(ftp)];
    const idle = await RawFtp.login(daemon.ftpPort);
    await idle.send('EPSV');
    onTestFinished(() => [ftp, idle].forEach((c) => c.destroy()));
    onTestFinished(() => data.forEach((d) => d.destroy()));

    daemon.child.kill('SIGTERM');
    const exit = await waitForExit(daemon.child, 15_000);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(5000);
    expect(daemon.output()).toContain('"msg":"debyard stopped"');
  });

  it('ends the process at shutdown_timeout when something still holds it after the stop', async () => {
    const daemon = await spawnDaemon(
      ['--home', path.join(tempDir(), 'home')],
      { DEBYARD_SHUTDOWN_TIMEOUT: '2s' },
      // Stands for any handle a part might leak: a timer that never ends.
      { nodeArgs: ['--import', 'data:text/javascript,setInterval(() => {}, 1000)'] },
    );
    daemon.child.kill('SIGTERM');
    const exit = await waitForExit(daemon.child, 15_000);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(5000);
    expect(daemon.output()).toContain('"msg":"debyard stopped"');
    expect(daemon.output()).toContain(
      '"msg":"debyard stopped, but the process was still held 2s later; ending it"',
    );
  });
});

import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandName } from '../../../src/api/call.js';
import { ALL_CALLS } from '../../../src/api/specs/index.js';
import { cli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('CLI frame', () => {
  it('lists every API call as a command in --help', async () => {
    const { code, out } = await cli(['--help']);
    expect(code).toBe(0);
    for (const name of ['daemon', 'login', 'logout', ...ALL_CALLS.map(commandName)])
      expect(out).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    expect(out).toContain('--server');
    expect(out).toContain('--json');
  });

  it('has --help on each command', async () => {
    const { code, out } = await cli(['status', '--help']);
    expect(code).toBe(0);
    expect(out).toContain('debyard status\n');
    expect(out).toContain("Show the daemon's version, builders, queue and incoming");
    expect(out).toContain('Its version, identity and uptime');
    const daemon = await cli(['daemon', '--help']);
    expect(daemon.out).toContain('--home');
    expect(daemon.out).toContain('--config');
  });

  it('exits 2 on usage errors', async () => {
    const unknownFlag = await cli(['status', '--frobnicate']);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.err).toMatch(/Unknown argument: frobnicate/);
    const noCommand = await cli([]);
    expect(noCommand.code).toBe(2);
    expect(noCommand.err).toMatch(/name a command/);
    const unknownCommand = await cli(['statuss']);
    expect(unknownCommand.code).toBe(2);
  });

  it('exits 1 when the daemon cannot be reached, naming the server', async () => {
    const port = await closedPort();
    const { code, err } = await cli(['status', '--server', `http://127.0.0.1:${port}`]);
    expect(code).toBe(1);
    expect(err).toContain(
      `cannot reach the debyard daemon at http://127.0.0.1:${port} (ECONNREFUSED)`,
    );
  });

  it('takes the server from the environment and the user config file', async () => {
    const viaEnv = await cli(['status'], { env: { DEBYARD_SERVER: 'http://127.0.0.1:2' } });
    expect(viaEnv.err).toContain('http://127.0.0.1:2');
    const home = tempDir();
    mkdirSync(path.join(home, '.config', 'debyard'), { recursive: true });
    writeFileSync(
      path.join(home, '.config', 'debyard', 'config'),
      'server = "http://127.0.0.1:3"\n',
    );
    const viaFile = await cli(['status'], { userHome: home });
    expect(viaFile.err).toContain('http://127.0.0.1:3');
  });

  it('passes the daemon flags and its exit code through', async () => {
    let seen: Record<string, unknown> = {};
    const { code } = await cli(['daemon', '--home', '/x', '--http', '1.2.3.4:5'], {
      runDaemon: async (args) => {
        seen = args as Record<string, unknown>;
        return 0;
      },
    });
    expect(code).toBe(0);
    expect(seen).toMatchObject({ home: '/x', http: '1.2.3.4:5' });
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

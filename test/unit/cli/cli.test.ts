import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandName } from '../../../src/api/call.js';
import { ALL_CALLS } from '../../../src/api/specs/index.js';
import { tempDir } from '../../fixtures/index.js';
import { cli } from '../../fixtures/subsystems.js';

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

describe('positionals that may be flags too', () => {
  it('takes chroot-create CODENAME --architecture A as well as CODENAME A, and refuses both at odds', async () => {
    const bodies: unknown[] = [];
    const server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        bodies.push(JSON.parse(text));
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ codename: 'trixie', architecture: 'arm64' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    try {
      const asFlag = await cli([
        'chroot-create',
        'trixie',
        '--architecture',
        'arm64',
        '--server',
        url,
      ]);
      expect(asFlag.code, asFlag.err).toBe(0);
      expect(asFlag.out).toBe('creating chroot trixie/arm64\n');
      const asArgument = await cli(['chroot-create', 'trixie', 'arm64', '--server', url]);
      expect(asArgument.code, asArgument.err).toBe(0);
      const same = await cli([
        'chroot-create',
        'trixie',
        'arm64',
        '--architecture=arm64',
        '--server',
        url,
      ]);
      expect(same.code, same.err).toBe(0);
      expect(bodies).toEqual([
        { codename: 'trixie', architecture: 'arm64' },
        { codename: 'trixie', architecture: 'arm64' },
        { codename: 'trixie', architecture: 'arm64' },
      ]);
      const both = await cli([
        'chroot-create',
        'trixie',
        'amd64',
        '--architecture',
        'arm64',
        '--server',
        url,
      ]);
      expect(both.code).toBe(2);
      expect(both.err).toContain(
        'architecture given twice, as the argument amd64 and as --architecture arm64: give it once',
      );
      expect(bodies).toHaveLength(3);
    } finally {
      server.close();
    }
    const help = await cli(['chroot-create', '--help']);
    expect(help.out).toMatch(
      /^ +architecture +Architecture, e\.g\. amd64 [^]*; or as\s+--architecture/m,
    );
    expect(help.out).toMatch(
      /debyard chroot-create trixie(\s+an arm64 .*)?\n?\s+--architecture arm64/,
    );
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

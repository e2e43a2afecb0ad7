import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import type { GnupgHome } from './gnupg.js';

/**
 * An apt repository made with reprepro (Origin and Label `origin`, one codename, component
 * main), signed with a key of `gnupg` when `signWith` is given.
 */
export function repreproRepository(
  dir: string,
  input: {
    codename: string;
    architecture: string;
    origin: string;
    debs: string[];
    gnupg: GnupgHome;
    signWith?: string;
  },
): void {
  mkdirSync(path.join(dir, 'conf'), { recursive: true });
  writeFileSync(
    path.join(dir, 'conf', 'distributions'),
    [
      `Origin: ${input.origin}`,
      `Label: ${input.origin}`,
      `Codename: ${input.codename}`,
      `Architectures: ${input.architecture}`,
      'Components: main',
      ...(input.signWith ? [`SignWith: ${input.signWith}`] : []),
      '',
    ].join('\n'),
  );
  for (const deb of input.debs) {
    execFileSync('reprepro', ['-b', dir, 'includedeb', input.codename, deb], {
      env: input.gnupg.env,
      stdio: 'pipe',
    });
  }
}

/** Serves a folder over HTTP on a loopback port; returns its URL and how to stop. */
export async function serveFolder(
  dir: string,
  options: { login?: string; password?: string } = {},
): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const app = express();
  const requests: string[] = [];
  app.use((req, res, next) => {
    requests.push(req.path);
    if (options.login) {
      const expected = `Basic ${Buffer.from(`${options.login}:${options.password ?? ''}`).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        res.status(401).set('www-authenticate', 'Basic realm="repo"').end();
        return;
      }
    }
    next();
  });
  app.use(express.static(dir));
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

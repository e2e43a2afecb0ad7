import { spawn } from 'node:child_process';
import type http from 'node:http';
import type net from 'node:net';
import { ExternalCommandError } from '../shared/errors.js';
import { asRoot } from './as-root.js';
import { mirrorProxy, type MirrorAllowList } from './mirror-proxy.js';

/**
 * Run by node inside the sandbox's network namespace (nsenter --net, nothing else
 * entered): listens on the sandbox's loopback, hands the listener to the daemon over
 * the IPC channel and exits. The daemon then serves connections from inside the sandbox
 * while its own sockets stay in the host's network.
 */
const LISTENER = `
const server = require('node:net').createServer();
server.on('error', (error) => {
  process.stderr.write('cannot listen in the sandbox: ' + error.message + '\\n');
  process.exit(1);
});
server.listen(0, '127.0.0.1', () => {
  process.send({ port: server.address().port }, server, () => process.exit(0));
});
`;

/** An open way from a sandbox to its mirrors: the proxy's URL as the sandbox sees it. */
export interface MirrorAccess {
  proxyUrl: string;
  close(): Promise<void>;
}

/**
 * Opens the mirror proxy on the loopback of the sandbox whose pid 1 is `holderPid`
 * (see LISTENER); the proxy runs in the daemon, its own connections go out from the
 * host.
 */
export async function openMirrorAccess(
  holderPid: number,
  list: MirrorAllowList,
  onRefused: (what: string) => void,
): Promise<MirrorAccess> {
  const { command, args } = asRoot('nsenter', [
    `--target=${holderPid}`,
    '--net',
    '--',
    process.execPath,
    '-e',
    LISTENER,
  ]);
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const { port, listener } = await new Promise<{ port: number; listener: net.Server }>(
    (resolve, reject) => {
      child.once('message', (message: { port: number }, handle: unknown) =>
        resolve({ port: message.port, listener: handle as net.Server }),
      );
      child.once('error', reject);
      child.once('exit', (exitCode, signal) =>
        reject(
          new ExternalCommandError(
            `cannot open the mirror proxy in the sandbox: ${stderr.trim()}`,
            {
              command,
              args,
              exitCode,
              signal,
              stderrTail: stderr.trim(),
            },
          ),
        ),
      );
    },
  );
  const proxy: http.Server = mirrorProxy(list, onRefused);
  proxy.listen(listener);
  return {
    proxyUrl: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        proxy.close(() => resolve());
        proxy.closeAllConnections();
      }),
  };
}

import net from 'node:net';
import { randomInt } from 'node:crypto';

/** Listens on a loopback port; null when it is taken. */
export function holdPort(port: number, host = '127.0.0.1'): Promise<net.Server | null> {
  return new Promise((resolve) => {
    const server = net.createServer((socket) => socket.destroy());
    server.once('error', () => resolve(null));
    server.listen({ port, host, exclusive: true }, () => resolve(server));
  });
}

export function closeServers(servers: readonly net.Server[]): Promise<void> {
  return Promise.all(
    servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
  ).then(() => undefined);
}

/** A range of `count` loopback ports that are all free right now (from 20000–59999). */
export async function freePortRange(count: number): Promise<{ min: number; max: number }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const min = 20000 + randomInt(40000 - count);
    const held: net.Server[] = [];
    for (let port = min; port < min + count; port++) {
      const server = await holdPort(port);
      if (!server) break;
      held.push(server);
    }
    await closeServers(held);
    if (held.length === count) return { min, max: min + count - 1 };
  }
  throw new Error(`no free range of ${count} ports`);
}

/** Whether something accepts connections on a loopback port. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

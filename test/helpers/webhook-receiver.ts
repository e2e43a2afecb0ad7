import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedHook {
  event: { id: number; type: string; message: string };
  /** The path and query it was POSTed to. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** The X-Debyard-Signature header matched the HMAC-SHA256 of the body. */
  signatureValid: boolean;
}

/**
 * A webhook receiver on loopback that checks each POST's signature with the secret; it
 * can be stopped and started again on the same port (a receiver that is down a while).
 */
export class WebhookReceiver {
  readonly received: ReceivedHook[] = [];
  private server: Server | undefined;
  port = 0;
  secret = '';

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const expected = `sha256=${createHmac('sha256', this.secret).update(body).digest('hex')}`;
        this.received.push({
          event: JSON.parse(body) as ReceivedHook['event'],
          url: req.url ?? '',
          headers: req.headers,
          signatureValid: req.headers['x-debyard-signature'] === expected,
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Waits until an event with this id (or a later one) has arrived. */
  async waitFor(id: number, timeoutMs = 20_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!this.received.some((r) => r.event.id >= id)) {
      if (Date.now() > end) throw new Error(`event ${id} did not arrive in ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

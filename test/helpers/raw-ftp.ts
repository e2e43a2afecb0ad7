import net from 'node:net';

export interface FtpReply {
  code: number;
  text: string;
}

/**
 * A deliberately plain FTP client over a raw socket: sends exactly the commands a test
 * gives (hostile ones included) and returns the server's replies.
 */
export class RawFtp {
  private buffer = '';
  private readonly replies: FtpReply[] = [];
  private waiting: ((reply: FtpReply) => void) | undefined;
  private closedError: Error | undefined;

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (error) => (this.closedError = error));
    socket.on('close', () => {
      this.closedError ??= new Error('connection closed');
      this.waiting?.({ code: 0, text: 'connection closed' });
    });
  }

  /** Connects; `localAddress` is the address to connect from (e.g. another 127.x). */
  static async connect(port: number, host = '127.0.0.1', localAddress?: string): Promise<RawFtp> {
    const socket = net.connect({ port, host, ...(localAddress ? { localAddress } : {}) });
    const client = new RawFtp(socket);
    const greeting = await client.reply();
    if (greeting.code !== 220) {
      client.destroy();
      throw new Error(`unexpected greeting ${greeting.code} ${greeting.text}`);
    }
    return client;
  }

  /** Connects and logs in anonymously. */
  static async login(port: number, localAddress?: string): Promise<RawFtp> {
    const client = await RawFtp.connect(port, '127.0.0.1', localAddress);
    const user = await client.send('USER anonymous');
    if (user.code === 331) await client.send('PASS test@example.org');
    return client;
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  /** Sends one command line and waits for its final reply. */
  async send(line: string): Promise<FtpReply> {
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }

  /** The next final reply (skipping multi-line continuation lines). */
  reply(timeoutMs = 10_000): Promise<FtpReply> {
    const next = this.replies.shift();
    if (next) return Promise.resolve(next);
    if (this.closedError) return Promise.resolve({ code: 0, text: 'connection closed' });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no FTP reply in time')), timeoutMs);
      this.waiting = (reply) => {
        clearTimeout(timer);
        this.waiting = undefined;
        resolve(reply);
      };
    });
  }

  /** Opens a passive data connection (EPSV). */
  async passive(): Promise<net.Socket> {
    const reply = await this.send('EPSV');
    const port = /\(\|\|\|(\d+)\|\)/.exec(reply.text)?.[1];
    if (reply.code !== 229 || !port) throw new Error(`EPSV failed: ${reply.code} ${reply.text}`);
    const { localAddress } = this.socket;
    const data = net.connect({
      port: Number(port),
      host: '127.0.0.1',
      ...(localAddress ? { localAddress } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      data.once('connect', resolve);
      data.once('error', reject);
    });
    return data;
  }

  /** Uploads `content` as `name`: STOR, send, close the data connection. */
  async put(name: string, content: Buffer | string): Promise<FtpReply[]> {
    const data = await this.passive();
    this.socket.write(`STOR ${name}\r\n`);
    const first = await this.reply();
    if (first.code !== 150) {
      data.destroy();
      return [first];
    }
    await new Promise<void>((resolve) => data.end(content, resolve));
    return [first, await this.reply()];
  }

  async quit(): Promise<void> {
    if (!this.closed) {
      this.socket.write('QUIT\r\n');
      this.socket.end();
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    const lines = this.buffer.split('\r\n');
    this.buffer = lines.pop()!;
    for (const line of lines) {
      const match = /^(\d{3}) (.*)$/.exec(line);
      if (!match) continue;
      const reply = { code: Number(match[1]), text: match[2]! };
      if (this.waiting) this.waiting(reply);
      else this.replies.push(reply);
    }
  }
}

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback HTTP server of upstream releases, as uscan finds them on a download site. */
export interface ReleaseServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Requests served, in order (method and path). */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Serves `files` (path → bytes, like /releases/hello-2.0.tar.gz) and, for each folder
 * holding some, an HTML index linking them (the page a watch file reads).
 */
export async function serveReleases(files: Record<string, Buffer>): Promise<ReleaseServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const where = new URL(req.url ?? '/', 'http://localhost').pathname;
    requests.push(`${req.method} ${where}`);
    const file = files[where];
    if (file) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(file);
      return;
    }
    const listed = Object.keys(files).filter(
      (name) =>
        where.endsWith('/') && name.startsWith(where) && !name.slice(where.length).includes('/'),
    );
    if (listed.length === 0) {
      res.writeHead(404).end('not found\n');
      return;
    }
    const links = listed.map((name) => {
      const base = name.slice(where.length);
      return `<a href="${base}">${base}</a>`;
    });
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end(`<html><body>\n${links.join('<br>\n')}\n</body></html>\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

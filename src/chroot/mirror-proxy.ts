import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

/** Where a sandbox may download from: URL prefixes (a mirror, an archive's suites). */
export interface MirrorAllowList {
  prefixes: readonly URL[];
  /** What the prefixes are, for refusals (default: this sandbox's apt sources). */
  label?: string;
}

/** Makes an allow list of apt source URIs (http and https only; others are dropped). */
export function allowList(uris: readonly string[], label?: string): MirrorAllowList {
  const prefixes: URL[] = [];
  for (const uri of uris) {
    let url: URL;
    try {
      url = new URL(uri.endsWith('/') ? uri : `${uri}/`);
    } catch {
      continue;
    }
    if (url.protocol === 'http:' || url.protocol === 'https:') prefixes.push(url);
  }
  return label ? { prefixes, label } : { prefixes };
}

/** Whether a plain-HTTP request URL lies below one of the prefixes. */
export function allowsUrl(list: MirrorAllowList, target: string): boolean {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return false;
  }
  // Encoded dots and slashes could climb out of the prefix on the server's side.
  if (url.username || url.password || /%2e|%2f|%5c/i.test(url.pathname)) return false;
  return list.prefixes.some(
    (prefix) =>
      prefix.protocol === url.protocol &&
      prefix.host === url.host &&
      url.pathname.startsWith(prefix.pathname),
  );
}

/** Whether a CONNECT to host:port is to an https mirror (TLS hides the path). */
export function allowsTunnel(list: MirrorAllowList, authority: string): boolean {
  return list.prefixes.some(
    (prefix) =>
      prefix.protocol === 'https:' && `${prefix.hostname}:${prefix.port || 443}` === authority,
  );
}

/** Why a URL outside a sandbox's allow list is refused: it is not … */
export function listLabel(list: MirrorAllowList): string {
  return list.label ? `below ${list.label}` : "one of this sandbox's apt sources";
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * An HTTP proxy that forwards GET and HEAD requests below the allowed prefixes (and
 * CONNECT tunnels to allowed https hosts) and refuses everything else with 403. It is
 * the only way out of a sandbox: apt's downloads go through it; maintainer scripts, the
 * build and everything else find no network at all.
 */
export function mirrorProxy(list: MirrorAllowList, onRefused: (what: string) => void): http.Server {
  const server = http.createServer((request, response) => {
    const target = request.url ?? '';
    if ((request.method !== 'GET' && request.method !== 'HEAD') || !allowsUrl(list, target)) {
      onRefused(`${request.method} ${target}`);
      response.writeHead(403, { 'content-type': 'text/plain' });
      response.end(`debyard: ${target} is not ${listLabel(list)}\n`);
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(([name]) => !HOP_BY_HOP.has(name)),
    );
    const client = target.startsWith('https:') ? https : http;
    const upstream = client.request(target, { method: request.method, headers }, (answer) => {
      const kept = Object.fromEntries(
        Object.entries(answer.headers).filter(([name]) => !HOP_BY_HOP.has(name)),
      );
      response.writeHead(answer.statusCode ?? 502, kept);
      answer.pipe(response);
    });
    upstream.setTimeout(120_000, () => upstream.destroy(new Error('the mirror did not answer')));
    upstream.on('error', (error) => {
      if (!response.headersSent) {
        response.writeHead(502, { 'content-type': 'text/plain' });
        response.end(`debyard: ${error.message}\n`);
      } else response.destroy();
    });
    request.on('aborted', () => upstream.destroy());
    upstream.end();
  });
  server.on('connect', (request: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    const authority = request.url ?? '';
    if (!allowsTunnel(list, authority)) {
      onRefused(`CONNECT ${authority}`);
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const [host, port] = [
      authority.slice(0, authority.lastIndexOf(':')),
      authority.split(':').pop(),
    ];
    const upstream = net.connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  return server;
}

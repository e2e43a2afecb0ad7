/** A `HOST:PORT` listen address (`[::1]:8066` for IPv6). */
export interface ListenAddress {
  host: string;
  port: number;
}

/** Parses `HOST:PORT`; returns a message describing the problem instead of throwing. */
export function parseListenAddress(text: string): ListenAddress | string {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(text.trim());
  if (!match) return `expected HOST:PORT (e.g. 0.0.0.0:8066 or [::]:8066), got "${text}"`;
  const port = Number(match[3]);
  if (port > 65535) return `port ${port} is out of range (0-65535)`;
  return { host: (match[1] ?? match[2]) as string, port };
}

export function formatListenAddress(address: ListenAddress): string {
  return address.host.includes(':')
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
}

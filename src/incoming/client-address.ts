import net from 'node:net';

/**
 * The key per-address limits count a client under: its IPv4 address (IPv4-mapped IPv6
 * addresses as IPv4), or the /64 prefix of an IPv6 address (one host commonly has a
 * whole /64, so counting single IPv6 addresses would be no limit).
 */
export function clientAddressKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!net.isIPv6(address)) return address;
  return `${expandIpv6(address).slice(0, 4).join(':')}::/64`;
}

/** An IPv6 address as its eight groups (no zone, no `::`). */
function expandIpv6(address: string): string[] {
  const [head = '', tail] = address.split('%')[0]!.toLowerCase().split('::');
  const part = (text: string) => (text ? text.split(':') : []);
  const groups = (text: string) =>
    part(text).flatMap((group) => {
      if (!group.includes('.')) return [group.replace(/^0+(?=.)/, '')];
      const [a, b, c, d] = group.split('.').map(Number);
      return [((a! << 8) | b!).toString(16), ((c! << 8) | d!).toString(16)];
    });
  const left = groups(head);
  if (tail === undefined) return left;
  const right = groups(tail);
  return [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
}

/** An address without the IPv4-mapped prefix, as clients expect it in replies. */
export function plainAddress(address: string | undefined): string {
  return (address ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
}

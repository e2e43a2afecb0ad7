import { describe, expect, it } from 'vitest';
import { AddressLimit } from '../../../src/incoming/address-limit.js';
import { clientAddressKey, plainAddress } from '../../../src/incoming/client-address.js';
import { randomPortOrder } from '../../../src/incoming/random-ports.js';

describe('randomPortOrder', () => {
  it('gives every port of the range once', () => {
    const ports = [...randomPortOrder(30000, 30999)];
    expect(ports).toHaveLength(1000);
    expect(new Set(ports).size).toBe(1000);
    expect(Math.min(...ports)).toBe(30000);
    expect(Math.max(...ports)).toBe(30999);
    expect([...randomPortOrder(5000, 5000)]).toEqual([5000]);
  });

  it('does not start at the bottom of the range', () => {
    const firsts = Array.from({ length: 50 }, () => randomPortOrder(30000, 30999).next().value);
    expect(new Set(firsts).size).toBeGreaterThan(40);
  });
});

describe('clientAddressKey', () => {
  it('counts IPv4 (also IPv4-mapped) by address and IPv6 by /64', () => {
    expect(clientAddressKey('192.0.2.7')).toBe('192.0.2.7');
    expect(clientAddressKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(clientAddressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientAddressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(clientAddressKey('2001:0db8::2')).toBe('2001:db8:0:0::/64');
    expect(clientAddressKey('::1')).toBe('0:0:0:0::/64');
    expect(clientAddressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientAddressKey(undefined)).toBe('unknown');
  });

  it('gives addresses without the IPv4-mapped prefix for replies', () => {
    expect(plainAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(plainAddress('::1')).toBe('::1');
  });
});

describe('AddressLimit', () => {
  it('counts per key up to the limit and gives back', () => {
    const limit = new AddressLimit(2);
    expect([limit.take('a'), limit.take('a'), limit.take('a'), limit.take('b')]).toEqual([
      true,
      true,
      false,
      true,
    ]);
    limit.release('a');
    expect(limit.take('a')).toBe(true);
    expect(limit.count('a')).toBe(2);
  });
});

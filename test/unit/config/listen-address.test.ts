import { describe, expect, it } from 'vitest';
import { formatListenAddress, parseListenAddress } from '../../../src/config/listen-address.js';

describe('listen addresses', () => {
  it('parses IPv4, host names and bracketed IPv6', () => {
    expect(parseListenAddress('0.0.0.0:8066')).toEqual({ host: '0.0.0.0', port: 8066 });
    expect(parseListenAddress('localhost:0')).toEqual({ host: 'localhost', port: 0 });
    expect(parseListenAddress('[::1]:8067')).toEqual({ host: '::1', port: 8067 });
  });

  it('explains what is wrong', () => {
    expect(parseListenAddress('8066')).toMatch(/expected HOST:PORT/);
    expect(parseListenAddress('host:99999')).toMatch(/port 99999 is out of range/);
    expect(parseListenAddress('::1:80')).toMatch(/expected HOST:PORT/);
  });

  it('formats back', () => {
    expect(formatListenAddress({ host: '::', port: 1 })).toBe('[::]:1');
    expect(formatListenAddress({ host: '127.0.0.1', port: 2 })).toBe('127.0.0.1:2');
  });
});

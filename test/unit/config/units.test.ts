import { describe, expect, it } from 'vitest';
import {
  formatByteSize,
  formatDuration,
  parseByteSize,
  parseDuration,
  parsePortRange,
} from '../../../src/config/units.js';

describe('setting units', () => {
  it('reads sizes, durations and port ranges, explaining bad ones', () => {
    expect(['512', '64K', '100M', '2G', '1T', '3MiB', 7].map(parseByteSize)).toEqual([
      512, 65536, 104857600, 2147483648, 1099511627776, 3145728, 7,
    ]);
    expect(parseByteSize('lots')).toBe('expected a size such as 512K, 100M or 2G, got "lots"');
    expect(parseByteSize('0')).toBe('expected a positive whole number of bytes');
    expect(['45', '90s', '15m', '2h', '7d', 30].map(parseDuration)).toEqual([
      45, 90, 900, 7200, 604800, 30,
    ]);
    expect(parseDuration('1w')).toBe('expected a duration such as 90s, 15m, 2h or 7d, got "1w"');
    expect(parsePortRange('30000-30999')).toEqual({ min: 30000, max: 30999 });
    expect(parsePortRange('0')).toEqual({ min: 0, max: 0 });
    expect(parsePortRange('80-90')).toBe('ports must be between 1024 and 65535');
    expect(parsePortRange('2000')).toBe(
      'expected a port range such as 30000-30999 (or 0 for any free port), got "2000"',
    );
  });

  it('writes them back for messages', () => {
    expect([65536, 104857600, 1000].map(formatByteSize)).toEqual([
      '64 KiB',
      '100 MiB',
      '1000 bytes',
    ]);
    expect([3600, 90, 86400 * 7].map(formatDuration)).toEqual(['1h', '90s', '7d']);
  });
});

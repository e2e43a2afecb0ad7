/**
 * Human units in settings: sizes (`512K`, `100M`, `2G`, or bytes) and durations
 * (`90s`, `15m`, `2h`, `7d`, or seconds). Parsers return a message instead of throwing.
 */

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  K: 1024,
  M: 1024 ** 2,
  G: 1024 ** 3,
  T: 1024 ** 4,
};
const DURATION_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };

/** Bytes from `123`, `512K`, `100M`, `2G`, `1T` (binary units; `KiB`/`MB` spellings too). */
export function parseByteSize(value: unknown): number | string {
  if (typeof value === 'number') return wholeAndPositive(value, 'bytes');
  if (typeof value !== 'string') return 'expected a size such as 100M or 2G';
  const match = /^\s*(\d+)\s*([KMGT]?)(?:i?B)?\s*$/i.exec(value);
  if (!match) return `expected a size such as 512K, 100M or 2G, got "${value}"`;
  return wholeAndPositive(Number(match[1]) * SIZE_UNITS[match[2]!.toUpperCase()]!, 'bytes');
}

/** Seconds from `45`, `90s`, `15m`, `2h`, `7d`. */
export function parseDuration(value: unknown): number | string {
  if (typeof value === 'number') return wholeAndPositive(value, 'seconds');
  if (typeof value !== 'string') return 'expected a duration such as 90s, 15m, 2h or 7d';
  const match = /^\s*(\d+)\s*([smhd]?)\s*$/.exec(value);
  if (!match) return `expected a duration such as 90s, 15m, 2h or 7d, got "${value}"`;
  return wholeAndPositive(Number(match[1]) * DURATION_UNITS[match[2]!]!, 'seconds');
}

/** A `MIN-MAX` port range; `0` lets the system pick any free port each time. */
export function parsePortRange(value: unknown): { min: number; max: number } | string {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string') return 'expected a port range such as 30000-30999';
  if (text.trim() === '0') return { min: 0, max: 0 };
  const match = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/.exec(text);
  if (!match)
    return `expected a port range such as 30000-30999 (or 0 for any free port), got "${text}"`;
  const [min, max] = [Number(match[1]), Number(match[2])];
  if (min < 1024 || max > 65535) return 'ports must be between 1024 and 65535';
  if (min > max) return `the range ${min}-${max} is empty (the first port is above the last)`;
  return { min, max };
}

function wholeAndPositive(n: number, unit: string): number | string {
  if (!Number.isSafeInteger(n) || n <= 0) return `expected a positive whole number of ${unit}`;
  return n;
}

/** `2G`-style text for messages: the largest binary unit that divides the value. */
export function formatByteSize(bytes: number): string {
  for (const unit of ['T', 'G', 'M', 'K'] as const) {
    const factor = SIZE_UNITS[unit]!;
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor} ${unit}iB`;
  }
  return `${bytes} bytes`;
}

/** `7.9 MiB`-style text for amounts that are seldom round. */
export function formatRoughSize(bytes: number): string {
  for (const unit of ['T', 'G', 'M', 'K'] as const) {
    const factor = SIZE_UNITS[unit]!;
    if (bytes >= factor) return `${(bytes / factor).toFixed(1).replace(/\.0$/, '')} ${unit}iB`;
  }
  return `${bytes} bytes`;
}

/** `2h`-style text for messages. */
export function formatDuration(seconds: number): string {
  for (const unit of ['d', 'h', 'm'] as const) {
    const factor = DURATION_UNITS[unit]!;
    if (seconds >= factor && seconds % factor === 0) return `${seconds / factor}${unit}`;
  }
  return `${seconds}s`;
}

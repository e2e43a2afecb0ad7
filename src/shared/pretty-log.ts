/**
 * Human-readable log lines from pino's JSON lines, for a terminal:
 *
 *   20:51:29.953 INFO  [archive] generated the instance key fingerprint=878C3FAD…
 *
 * local time, level, module, message, then the other fields as key=value (strings with
 * spaces and objects as JSON); an error's stack follows on indented lines.
 */

/** Fields every line has, shown in their own places (or, like pid, not at all). */
const PLACED = new Set(['level', 'time', 'pid', 'hostname', 'module', 'msg']);

const COLORS: Record<string, string> = {
  trace: '\x1b[90m',
  debug: '\x1b[36m',
  info: '\x1b[32m',
  warn: '\x1b[33m',
  error: '\x1b[31m',
  fatal: '\x1b[1;31m',
};
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

export interface PrettyOptions {
  /** ANSI colours for the level and the fields. */
  color: boolean;
}

/** Formats one JSON log line (with its newline); a line that is not JSON stays as it is. */
export function prettyLine(line: string, options: PrettyOptions): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const level = String(record.level ?? 'info');
  const paint = (code: string | undefined, text: string) =>
    options.color && code ? `${code}${text}${RESET}` : text;
  const parts = [
    paint(DIM, clockTime(record.time)),
    paint(COLORS[level], level.toUpperCase().padEnd(5)),
  ];
  if (typeof record.module === 'string') parts.push(`[${record.module}]`);
  parts.push(String(record.msg ?? ''));
  const stacks: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (PLACED.has(key) || value === undefined) continue;
    if (isError(value)) {
      parts.push(paint(DIM, `${key}=`) + quote(value.message));
      // The stack's first line repeats the message.
      if (value.stack) stacks.push(indent(value.stack.split('\n').slice(1)));
      continue;
    }
    parts.push(paint(DIM, `${key}=`) + quote(value));
  }
  return [parts.join(' '), ...stacks.filter(Boolean)].join('\n') + '\n';
}

/** A writable for pino that writes each line formatted to `out`. */
export function prettyDestination(
  out: { write(text: string): unknown },
  options: PrettyOptions,
): { write(line: string): void } {
  return {
    write: (chunk) => {
      for (const line of chunk.split('\n')) if (line) out.write(prettyLine(line, options));
    },
  };
}

function clockTime(time: unknown): string {
  const date = new Date(typeof time === 'string' || typeof time === 'number' ? time : Date.now());
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

function quote(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

function isError(value: unknown): value is { message: string; stack?: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { message?: unknown }).message === 'string' &&
    typeof (value as { stack?: unknown }).stack === 'string'
  );
}

function indent(lines: string[]): string {
  return lines.map((line) => `    ${line.trim()}`).join('\n');
}

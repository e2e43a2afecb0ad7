import { describe, expect, it } from 'vitest';
import { prettyLine } from '../../../src/shared/pretty-log.js';

const time = new Date(2026, 0, 2, 3, 4, 5, 67).toISOString();

describe('prettyLine', () => {
  it('reads: time, level, module, message, then the fields as key=value', () => {
    const line = JSON.stringify({
      level: 'warn',
      time,
      pid: 7,
      module: 'archive',
      msg: 'published',
      distribution: 'bookworm-test-unstable',
      reason: 'two words',
      count: 3,
      list: ['a', 'b'],
    });
    expect(prettyLine(line, { color: false })).toBe(
      '03:04:05.067 WARN  [archive] published distribution=bookworm-test-unstable reason="two words" count=3 list=["a","b"]\n',
    );
  });

  it('puts an error stack on indented lines after the message', () => {
    const line = JSON.stringify({
      level: 'error',
      time,
      msg: 'build failed',
      err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at f (x.js:1:1)' },
    });
    expect(prettyLine(line, { color: false })).toBe(
      '03:04:05.067 ERROR build failed err=boom\n    at f (x.js:1:1)\n',
    );
  });

  it('colours the level when asked, and passes a line that is not JSON through', () => {
    expect(prettyLine(JSON.stringify({ level: 'info', time, msg: 'x' }), { color: true })).toBe(
      '\x1b[2m03:04:05.067\x1b[0m \x1b[32mINFO \x1b[0m x\n',
    );
    expect(prettyLine('not json\n', { color: false })).toBe('not json\n');
  });
});

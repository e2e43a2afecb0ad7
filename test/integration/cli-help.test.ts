import { describe, expect, it } from 'vitest';
import { commandName } from '../../src/api/call.js';
import { ALL_CALLS } from '../../src/api/specs/index.js';
import { runCliProcess } from '../fixtures/index.js';

const COMMANDS = ['daemon', 'login', 'logout', ...ALL_CALLS.map(commandName)];

/** The lines of the help's command list. */
function commandLines(help: string): string[] {
  const start = help.indexOf('Commands');
  const end = help.indexOf('\n\n', start);
  expect(start).toBeGreaterThan(-1);
  return help.slice(start, end).split('\n').slice(1);
}

describe('debyard --help', () => {
  it('at 80 columns: every command on one line of its own, nothing wider', async () => {
    const { code, stdout } = await runCliProcess(['--help'], { env: { COLUMNS: '80' } });
    expect(code).toBe(0);
    const tooWide = stdout.split('\n').filter((line) => line.length > 80);
    expect(tooWide).toEqual([]);
    const lines = commandLines(stdout);
    // One line per command: no continuation lines, each command named once.
    expect(lines.map((line) => /^ {2}(\S+) {2,}\S/.exec(line)?.[1])).toEqual(COMMANDS);
  });

  it('follows a wider terminal and still lists one command per line', async () => {
    const { stdout } = await runCliProcess(['--help'], { env: { COLUMNS: '200' } });
    expect(stdout.split('\n').every((line) => line.length <= 100)).toBe(true);
    expect(commandLines(stdout)).toHaveLength(COMMANDS.length);
  });

  it("a command's own help: its usage with arguments, its summary and its description", async () => {
    const { code, stdout } = await runCliProcess(['migrate', '--help'], {
      env: { COLUMNS: '80' },
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^debyard migrate <package> <distribution>\n\nMigrate a package to the next suite \(--full: the chain\)\n/,
    );
    expect(stdout).toContain('Copies the version in the distribution');
    expect(stdout.split('\n').filter((line) => line.length > 80)).toEqual([]);
  });
});

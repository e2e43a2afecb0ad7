import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkResult, type CommandRunner } from '../../../src/exec/command.js';
import { LocalRunner } from '../../../src/exec/local-runner.js';
import { isRunning } from '../../../src/exec/process-tree.js';
import { PtyRunner } from '../../../src/exec/pty-runner.js';
import { ExternalCommandError } from '../../../src/shared/errors.js';
import { tempDir } from '../../fixtures/index.js';

const PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * A shell that starts a child, a grandchild in its own session (as daemons do) and a
 * background job, records every pid, says "ready" and waits.
 */
function treeScript(pidFile: string): string {
  return [
    `sleep 300 & echo $! >> ${pidFile}`,
    `setsid sh -c 'sleep 300 & echo $! >> ${pidFile}; echo $$ >> ${pidFile}; wait' &`,
    `echo $$ >> ${pidFile}`,
    'sleep 0.3; echo ready; wait',
  ].join('\n');
}

function pidsIn(file: string): number[] {
  return readFileSync(file, 'utf8').trim().split('\n').map(Number);
}

describe.each([
  ['LocalRunner', () => new LocalRunner()],
  ['PtyRunner', () => new PtyRunner()],
])('%s', (_name, make: () => CommandRunner) => {
  it('runs a command with exactly the given environment and working folder', async () => {
    const dir = tempDir();
    const lines: string[] = [];
    const result = await make().run({
      command: 'sh',
      args: ['-c', 'echo "$GREETING from $(pwd)"; echo "home=${HOME:-unset}"; exit 3'],
      cwd: dir,
      env: { PATH, GREETING: 'hello' },
      onOutput: (text) => lines.push(text),
    });
    expect(result.exitCode).toBe(3);
    expect(result.timedOut).toBe(false);
    expect(result.stdout).toContain(`hello from ${dir}\n`);
    expect(result.stdout).toContain('home=unset\n');
    expect(lines.join('')).toContain(`hello from ${dir}`);
    expect(() => checkResult(result, 'the greeting')).toThrow(
      /^the greeting exited with status 3:\n.*hello from/s,
    );
  });

  it('kills the whole process tree at the time limit', async () => {
    const pidFile = path.join(tempDir(), 'pids');
    const started = Date.now();
    const result = await make().run({
      command: 'sh',
      args: ['-c', treeScript(pidFile)],
      env: { PATH },
      timeoutMs: 1500,
    });
    expect(result.timedOut).toBe(true);
    expect(result.signal).toBe('SIGKILL');
    expect(Date.now() - started).toBeLessThan(10_000);
    const pids = pidsIn(pidFile);
    expect(pids).toHaveLength(4);
    await expect.poll(() => pids.filter(isRunning), { timeout: 5000 }).toEqual([]);
    expect(() => checkResult(result, 'sleepy')).toThrow('sleepy was killed after its time limit');
  });

  it('kills the whole process tree when aborted, and rejects with the reason', async () => {
    const pidFile = path.join(tempDir(), 'pids');
    const controller = new AbortController();
    const run = make().run({
      command: 'sh',
      args: ['-c', treeScript(pidFile)],
      env: { PATH },
      signal: controller.signal,
      onOutput: (text) => {
        if (text.includes('ready')) controller.abort(new Error('cancelled by alice'));
      },
    });
    await expect(run).rejects.toThrow('cancelled by alice');
    const pids = pidsIn(pidFile);
    expect(pids).toHaveLength(4);
    await expect.poll(() => pids.filter(isRunning), { timeout: 5000 }).toEqual([]);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('too late'));
    await expect(
      make().run({ command: 'true', env: { PATH }, signal: controller.signal }),
    ).rejects.toThrow('too late');
  });
});

describe('LocalRunner', () => {
  it('keeps standard output and error apart and feeds input', async () => {
    const result = await new LocalRunner().run({
      command: 'sh',
      args: ['-c', 'cat; echo oops >&2'],
      input: 'from stdin\n',
      env: { PATH },
    });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'from stdin\n', stderr: 'oops\n' });
  });

  it('ends when the command ends, even if something it left behind holds its output', async () => {
    const started = Date.now();
    const result = await new LocalRunner().run({
      command: 'sh',
      args: ['-c', 'sleep 30 & echo "left sleeper $!"'],
      env: { PATH },
    });
    expect(result).toMatchObject({
      exitCode: 0,
      stdout: expect.stringMatching(/^left sleeper \d+\n$/),
    });
    expect(Date.now() - started).toBeLessThan(5000);
    process.kill(Number(result.stdout.split(' ')[2]));
  });

  it('names a missing program', async () => {
    const error = await new LocalRunner()
      .run({ command: 'no-such-tool-here', env: { PATH } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExternalCommandError);
    expect((error as Error).message).toBe('no-such-tool-here is not installed or not on PATH');
  });

  it('keeps only the tail of long output', async () => {
    const result = await new LocalRunner().run({
      command: 'sh',
      args: ['-c', 'for i in $(seq 1 5000); do echo "line $i"; done'],
      env: { PATH },
      maxOutputBytes: 1000,
    });
    expect(result.stdout.length).toBeLessThanOrEqual(1000);
    expect(result.stdout).toMatch(/line 5000\n$/);
  });
});

describe('PtyRunner', () => {
  it('gives the command a terminal and normalises line ends', async () => {
    const result = await new PtyRunner().run({
      command: 'sh',
      args: ['-c', 'test -t 1 && echo "on a tty"; printf "a\\r\\nb\\n"'],
      env: { PATH },
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('on a tty\na\nb\n');
  });
});

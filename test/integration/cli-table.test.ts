import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import { commandName, type CallSpec } from '../../src/api/call.js';
import { ALL_CALLS } from '../../src/api/specs/index.js';
import { requiredPositionals } from '../../src/cli/call-command.js';
import {
  adminToken,
  persistentTempDir,
  startTestDaemon,
  userWithToken,
} from '../fixtures/index.js';
import { cli } from '../fixtures/subsystems.js';

// Every call's CLI command against one running daemon: --help (0), missing arguments
// (2, naming them), no token or too low a role (1, the server's reason), and --json
// output of the calls anyone may make without arguments. About 3 s.
let daemon: Daemon;
let loginToken: string;

beforeAll(async () => {
  daemon = await startTestDaemon(path.join(persistentTempDir(), 'home'));
  loginToken = (await userWithToken(daemon, await adminToken(daemon), 'lou', 'login')).token;
});
afterAll(() => daemon?.stop());

/** The command's arguments it cannot run without, as its usage line shows them. */
const required = (spec: CallSpec) => requiredPositionals(spec);
/** Whether the command line without arguments gets past the client's own validation. */
const takesNothing = (spec: CallSpec) =>
  required(spec).length === 0 && spec.input.safeParse({}).success && !spec.stdin;
const oneLine = (text: string) => text.replace(/\s+/g, ' ');

const run = (args: string[], token?: string) =>
  cli([...args, '--server', daemon.url, ...(token ? ['--token', token] : [])]);

describe.each(ALL_CALLS.map((spec) => [commandName(spec), spec] as const))(
  'debyard %s',
  (name, spec) => {
    it('prints its help with exit code 0', async () => {
      const help = await cli([name, '--help']);
      expect(help.code).toBe(0);
      expect(oneLine(help.out)).toContain(oneLine(spec.summary));
    });

    const missing = required(spec);
    if (missing.length > 0) {
      it(`exits 2 naming the missing ${missing.join(', ')}`, async () => {
        const result = await run([name]);
        expect(result.code).toBe(2);
        expect(result.out).toBe('');
        expect(result.err).toBe(
          `debyard: ${name} needs ${missing.map((m) => `<${m}>`).join(' ')} (see debyard ${name} --help)\nRun "debyard --help" for usage.\n`,
        );
      });
    } else if (!takesNothing(spec)) {
      it('exits 2 when its input is incomplete, with the reason', async () => {
        const result = await run([name]);
        expect(result.code).toBe(2);
        // The client's own check (each field with its reason), or yargs' for required flags.
        expect(result.err).toMatch(
          new RegExp(
            `^debyard: (invalid arguments for ${name}\\n {2}- \\w+: |Missing required arguments: \\w)`,
          ),
        );
      });
    } else if (spec.access !== 'anonymous') {
      it(`exits 1 without a token (needs ${spec.access})`, async () => {
        const result = await run([name]);
        expect(result.code).toBe(1);
        expect(result.err).toContain(
          `${spec.name} needs a logged-in user with role ${spec.access}; pass a token`,
        );
      });
      if (spec.access !== 'login') {
        it(`exits 1 for a login user (needs ${spec.access})`, async () => {
          const result = await run([name], loginToken);
          expect(result.code).toBe(1);
          expect(result.err).toContain(`${spec.name} needs role ${spec.access}; user lou`);
        });
      }
    } else if (spec.name === 'token_create') {
      it('exits 1 without a token or user and password', async () => {
        const result = await run([name]);
        expect(result.code).toBe(1);
        expect(result.err).toBe(
          'debyard: token_create needs a user and password, or a logged-in user (pass --token)\n',
        );
      });
    } else {
      it('answers with --json that parses, exit code 0', async () => {
        const result = await run([name, '--json']);
        expect(result.err).toBe('');
        expect(result.code).toBe(0);
        expect(() => JSON.parse(result.out)).not.toThrow();
      });
    }
  },
);

import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/events/event.js';
import {
  buildSourcePackage,
  persistentTempDir,
  RawFtp,
  type SourcePackage,
} from '../../fixtures/index.js';
import { filesOf, type IncomingHarness, startIncomingHarness } from '../../fixtures/subsystems.js';

const run = promisify(execFile);

let root: string;
let h: IncomingHarness;

beforeAll(async () => {
  root = persistentTempDir();
  h = await startIncomingHarness(path.join(root, 'home'), {
    incoming: { strayTimeoutSeconds: 3, rejectedRetentionSeconds: 2 },
  });
});

afterAll(async () => {
  await h?.stop();
  rmSync(root, { recursive: true, force: true });
});

let counter = 0;
function build(source: string): Promise<SourcePackage> {
  counter++;
  return buildSourcePackage(path.join(root, `pkg${counter}`), { source });
}

async function incomingEvent(
  match: (e: StoredEvent) => boolean,
  timeoutMs = 15_000,
): Promise<StoredEvent> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = h.events.list({ types: ['INCOMING'], limit: 1000 }).find(match);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no matching INCOMING event');
}

/** Sends the first `bytes` of a file and closes the data connection normally. */
async function sendPart(file: string, bytes: number): Promise<void> {
  const ftp = await RawFtp.login(h.ftpPort);
  await ftp.send('CWD /incoming');
  await ftp.put(path.basename(file), readFileSync(file).subarray(0, bytes));
  ftp.destroy();
}

describe('hostile and broken uploads', () => {
  it('a transfer cut short: nothing processed, the piece removed after the stray timeout', async () => {
    const pkg = await build('cutshort');
    const orig = filesOf(pkg).find((f) => f.includes('.orig.'))!;
    await sendPart(orig, 50);
    const event = await incomingEvent((e) =>
      (e.details.removed as string[]).includes(path.basename(orig)),
    );
    expect(event.message).toBe(
      `removed a file that no .changes listed after waiting 3s: ${path.basename(orig)}`,
    );
    expect(readdirSync(h.layout.incoming)).toEqual([]);
    expect(h.incoming.uploads.list({ source: 'cutshort' })).toEqual([]);
  });

  it('dput after a cut transfer: rejected with the reason, and the next dput goes through', async () => {
    const pkg = await build('retry');
    const orig = filesOf(pkg).find((f) => f.includes('.orig.'))!;
    await sendPart(orig, 50);
    const dputCf = path.join(root, 'dput.cf');
    writeFileSync(
      dputCf,
      `[incoming]\nmethod = ftp\nfqdn = 127.0.0.1:${h.ftpPort}\nlogin = anonymous\nincoming = /incoming\nallow_unsigned_uploads = 1\n`,
    );
    const env = { ...process.env, HOME: root, USER: 'tester' };
    const first = await run('dput', ['-c', dputCf, 'incoming', pkg.changes], { cwd: pkg.dir, env });
    expect(first.stdout).toContain(`Leaving existing ${path.basename(orig)}`);
    const rejected = await h.outcome(pkg.changes);
    const size = readFileSync(orig).length;
    expect(rejected.reasons).toEqual([
      `${path.basename(orig)}: is 50 bytes, the .changes says ${size} (cut off during the upload? upload it again)`,
    ]);
    await run('dput', ['-f', '-c', dputCf, 'incoming', pkg.changes], { cwd: pkg.dir, env });
    const deadline = Date.now() + 15_000;
    while (h.incoming.uploads.list({ source: 'retry' }).length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(h.incoming.uploads.list({ source: 'retry' }).map((u) => u.state)).toEqual([
      'ACCEPTED',
      'REJECTED',
    ]);
  });

  it('a .changes naming the files of an accepted upload never completes and is removed', async () => {
    const victim = await build('victim');
    await h.upload(filesOf(victim));
    const accepted = await h.outcome(victim.changes);
    expect(accepted.state).toBe('ACCEPTED');
    const evilName = 'victim_1.0-1~test12+1_amd64.changes';
    const evilPath = path.join(root, evilName);
    writeFileSync(evilPath, readFileSync(path.join(victim.dir, victim.changes)));
    await h.upload([evilPath]);
    const event = await incomingEvent((e) => e.details.changes === evilName);
    expect(event.message).toMatch(
      new RegExp(
        `^removed the incomplete upload ${evilName.replace(/[.+~]/g, '\\$&')} after waiting 3s: .* never arrived$`,
      ),
    );
    expect(readdirSync(path.join(h.home, accepted.spoolPath)).sort()).toEqual(
      [...victim.files].sort(),
    );
    expect(h.incoming.uploads.list({ source: 'victim' })).toHaveLength(1);
  });

  it('a .changes naming files another waiting upload needs is rejected without taking them', async () => {
    // Built first: the victim's partial upload must not wait out the 3 s stray timeout.
    const [victim, evil] = await Promise.all([build('waiting'), build('thief')]);
    const files = filesOf(victim);
    const dsc = files.find((f) => f.endsWith('.dsc'))!;
    await h.upload([dsc, files.at(-1)!]);
    const dscText = readFileSync(dsc, 'utf8');
    const evilChanges = path.join(evil.dir, evil.changes);
    const stolen = readFileSync(evilChanges, 'utf8').replaceAll(evil.dsc, victim.dsc);
    writeFileSync(evilChanges, stolen.replace(/^( \S+ )\d+( .*\.dsc)$/gm, `$1${dscText.length}$2`));
    await h.upload([
      evilChanges,
      ...filesOf(evil).filter((f) => !f.endsWith('.dsc') && f !== evilChanges),
    ]);
    const rejected = await h.outcome(evil.changes);
    expect(rejected.state).toBe('REJECTED');
    expect(readdirSync(h.layout.incoming)).toContain(victim.dsc);
    await h.upload(files.filter((f) => f !== dsc && !f.endsWith('.changes')));
    expect(await h.outcome(victim.changes)).toMatchObject({ state: 'ACCEPTED', source: 'waiting' });
  });

  it('keeps a rejected upload under rejected/ for the retention time only', async () => {
    const pkg = await buildSourcePackage(path.join(root, 'retained'), {
      source: 'retained',
      distribution: 'bookworm-nosuch-unstable',
    });
    await h.upload(filesOf(pkg));
    const record = await h.outcome(pkg.changes);
    expect(record.state).toBe('REJECTED');
    const folder = path.join(h.home, record.spoolPath);
    expect(readdirSync(folder)).toContain(pkg.changes);
    const deadline = Date.now() + 15_000;
    while (existsSync(folder) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    expect(existsSync(folder)).toBe(false);
    expect(h.incoming.uploads.get(record.id).state).toBe('REJECTED');
  });
});

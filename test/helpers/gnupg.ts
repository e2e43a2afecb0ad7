import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { persistentTempDir } from './temp-dir.js';

/** One key in `gpg --with-colons --list-keys` output. */
export interface GpgKeyListing {
  fingerprint: string;
  /** Validity field of the pub line: u (ultimate), e (expired), r (revoked), … */
  validity: string;
  created: Date;
  expires: Date | null;
  userIds: string[];
  subkeys: { fingerprint: string; validity: string; created: Date; expires: Date | null }[];
}

/**
 * A throw-away GnuPG home with real gpg; call `dispose()` (kills its agent, removes the
 * folder). Keys have no passphrase so that gpg, debsign and dpkg never prompt.
 */
export class GnupgHome {
  readonly dir = persistentTempDir('debyard-gnupg-');

  get env(): NodeJS.ProcessEnv {
    return { ...process.env, GNUPGHOME: this.dir, LC_ALL: 'C.UTF-8' };
  }

  /** Runs gpg in batch mode; returns standard output (binary-safe). */
  gpg(args: string[], input?: string | Uint8Array): Buffer {
    return execFileSync('gpg', ['--batch', '--no-tty', '--pinentry-mode', 'loopback', ...args], {
      env: this.env,
      input,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  }

  /** `gpg --quick-gen-key`; returns the new primary fingerprint. */
  generateKey(
    userId: string,
    algorithm: string,
    usage: string,
    expire: string,
    fakedTime?: string,
  ): string {
    const faked = fakedTime ? ['--faked-system-time', fakedTime] : [];
    this.gpg([...faked, '--passphrase', '', '--quick-gen-key', userId, algorithm, usage, expire]);
    return this.listKeys(userId)[0]!.fingerprint;
  }

  addSubkey(fingerprint: string, algorithm: string, usage: string, expire: string): void {
    this.gpg(['--passphrase', '', '--quick-add-key', fingerprint, algorithm, usage, expire]);
  }

  clearSign(signer: string, text: string, extra: string[] = []): string {
    return this.gpg(['--local-user', signer, ...extra, '--clearsign'], text).toString('utf8');
  }

  /** `gpg --export` of one key, or of all keys without a fingerprint. */
  exportKey(fingerprint: string | undefined, armor: boolean): Buffer {
    return this.gpg([
      ...(armor ? ['--armor'] : []),
      '--export',
      ...(fingerprint ? [fingerprint] : []),
    ]);
  }

  /** Imports the revocation certificate gpg made when it generated the key. */
  revoke(fingerprint: string): void {
    const file = path.join(this.dir, 'openpgp-revocs.d', `${fingerprint}.rev`);
    // gpg guards the stored certificate against accidental import with a leading ':'.
    const certificate = readFileSync(file, 'utf8').replace(/^:-----/m, '-----');
    this.gpg(['--import'], certificate);
  }

  listKeys(pattern?: string): GpgKeyListing[] {
    const out = this.gpg([
      '--with-colons',
      '--fixed-list-mode',
      '--list-keys',
      ...(pattern ? [pattern] : []),
    ]);
    return parseColons(out.toString('utf8'));
  }

  dispose(): void {
    spawnSync('gpgconf', ['--homedir', this.dir, '--kill', 'all'], { env: this.env });
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function parseColons(text: string): GpgKeyListing[] {
  const keys: GpgKeyListing[] = [];
  let awaitingFingerprint: { fingerprint: string } | undefined;
  for (const line of text.split('\n')) {
    const f = line.split(':');
    const date = (field: string | undefined) => (field ? new Date(Number(field) * 1000) : null);
    const component = () => ({
      fingerprint: '',
      validity: f[1]!,
      created: date(f[5])!,
      expires: date(f[6]),
    });
    if (f[0] === 'pub') {
      const key = { ...component(), userIds: [], subkeys: [] };
      keys.push(key);
      awaitingFingerprint = key;
    } else if (f[0] === 'sub') {
      const subkey = component();
      keys[keys.length - 1]!.subkeys.push(subkey);
      awaitingFingerprint = subkey;
    } else if (f[0] === 'fpr' && awaitingFingerprint) {
      awaitingFingerprint.fingerprint = f[9]!;
      awaitingFingerprint = undefined;
    } else if (f[0] === 'uid') {
      keys[keys.length - 1]!.userIds.push(unescapeColons(f[9]!));
    }
  }
  return keys;
}

/** gpg escapes ':' and non-printable bytes in colon listings as \xNN. */
function unescapeColons(text: string): string {
  return text.replace(/\\x([0-9a-f]{2})/gi, (_, hex: string) =>
    String.fromCharCode(parseInt(hex, 16)),
  );
}

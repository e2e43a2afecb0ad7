import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { hashBuffer, hashStream } from '../debian/index.js';
import { ConflictError } from '../shared/errors.js';
import { REQUESTED_BY_FIELD } from '../incoming/check-signatures.js';
import type { IncomingArea } from '../incoming/incoming-area.js';
import { formatRequester, type Requester } from '../incoming/requester.js';
import type { MadeSource } from './source-factory.js';

/** Clear-signs texts with the instance key (the pgp Signer does). */
export interface TextSigner {
  clearSign(text: string): Promise<string>;
}

/**
 * Signs a made source upload as debsign does: the .dsc first, then the .changes with the
 * .dsc's new size and checksums and whom the upload is for (Debyard-Requested-By). The
 * incoming takes the instance key's uploads where that requester may upload.
 */
export async function signUpload(
  made: MadeSource,
  signer: TextSigner,
  requester: Requester,
): Promise<void> {
  const dscFile = path.join(made.dir, made.dsc);
  const signedDsc = await signer.clearSign(await fs.readFile(dscFile, 'utf8'));
  await fs.writeFile(dscFile, signedDsc);
  const changesFile = path.join(made.dir, made.changes);
  const changes = withFileHashes(
    await fs.readFile(changesFile, 'utf8'),
    made.dsc,
    hashBuffer(signedDsc),
  );
  await fs.writeFile(changesFile, await signer.clearSign(withRequester(changes, requester)));
}

/** The .changes with a last field naming whom the upload is for. */
export function withRequester(changes: string, requester: Requester): string {
  const body = changes.replace(/\n+$/, '');
  return `${body}\n${REQUESTED_BY_FIELD}: ${formatRequester(requester)}\n`;
}

/** Rewrites the size and checksums a .changes states for one file. */
export function withFileHashes(
  changes: string,
  name: string,
  hashes: { size: number; md5: string; sha1: string; sha256: string },
): string {
  let field = '';
  return changes
    .split('\n')
    .map((line) => {
      if (!line.startsWith(' ')) {
        field = line.replace(/:.*$/, '');
        return line;
      }
      const parts = line.trim().split(/\s+/);
      if (parts.at(-1) !== name) return line;
      if (field === 'Files') return ` ${[hashes.md5, hashes.size, ...parts.slice(2)].join(' ')}`;
      if (field === 'Checksums-Sha1') return ` ${hashes.sha1} ${hashes.size} ${name}`;
      if (field === 'Checksums-Sha256') return ` ${hashes.sha256} ${hashes.size} ${name}`;
      return line;
    })
    .join('\n');
}

/**
 * Puts the files of an upload into the incoming as an FTP upload would, the .changes
 * last: the incoming then checks and accepts (or rejects) it like any other.
 */
export async function deliverUpload(made: MadeSource, area: IncomingArea): Promise<void> {
  const files = [...made.files.filter((f) => f !== made.changes), made.changes];
  for (const name of files) {
    const partial = await area.begin(name).catch(async (error: unknown) => {
      // Another upload (a port to elsewhere) brought the same file: it serves both.
      if (
        error instanceof ConflictError &&
        (await sameContent(area.pathOf(name), path.join(made.dir, name)))
      ) {
        return null;
      }
      throw error;
    });
    if (!partial) continue;
    try {
      // Written through the handle the area keeps open (commit syncs and closes it).
      for await (const chunk of createReadStream(path.join(made.dir, name))) {
        await partial.handle.write(chunk as Buffer);
      }
    } catch (error) {
      await area.discard(partial);
      throw error;
    }
    await area.commit(partial);
  }
}

async function sameContent(a: string, b: string): Promise<boolean> {
  try {
    const [x, y] = await Promise.all([fs.stat(a), fs.stat(b)]);
    if (x.size !== y.size) return false;
    const [ha, hb] = await Promise.all([a, b].map((f) => hashStream(createReadStream(f))));
    return ha!.sha256 === hb!.sha256;
  } catch {
    return false;
  }
}

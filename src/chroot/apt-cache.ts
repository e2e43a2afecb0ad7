import { chown, lstat, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { hostId, SANDBOX_IDS } from './id-map.js';
import { withRegularFile } from '../shared/regular-file.js';

/** A package file name apt puts into its cache. */
const DEB_NAME = /^[A-Za-z0-9][A-Za-z0-9.+~%_-]*\.deb$/;

/**
 * Readies a shared apt cache for sandboxes: it exists, belongs to the sandbox's root (so
 * apt in a sandbox that binds it may remove what it no longer needs) and has no folder or
 * lock left by an apt that ran as host root.
 */
export async function prepareAptCache(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await chown(dir, hostId(0), hostId(0));
  for (const name of ['partial', 'lock']) {
    const stat = await lstat(path.join(dir, name)).catch(() => undefined);
    if (stat && stat.uid < SANDBOX_IDS.base) await rm(path.join(dir, name), { recursive: true });
  }
}

/**
 * Moves the packages apt downloaded in a sandbox (the upper layer of its cache overlay)
 * into the shared cache, where other builds find them. Only regular files with package
 * names are taken, opened without following links, as files of the host's root that no
 * sandbox can change; a name the cache has already stays as it is. Returns how many were
 * taken. Called right after the download, before anything from a package has run.
 */
export async function keepDownloads(upper: string, cache: string): Promise<number> {
  let kept = 0;
  for (const name of await readdir(upper).catch(() => [] as string[])) {
    if (!DEB_NAME.test(name)) continue;
    const target = path.join(cache, name);
    if (
      await lstat(target).then(
        () => true,
        () => false,
      )
    )
      continue;
    const took = await withRegularFile(
      path.join(upper, name),
      async (source) => {
        const temp = path.join(cache, `.${name}.${process.pid}.partial`);
        const out = await open(temp, 'wx', 0o644);
        try {
          for await (const chunk of source.createReadStream({ autoClose: false })) {
            await out.write(chunk as Buffer);
          }
        } finally {
          await out.close();
        }
        await rename(temp, target);
        return true;
      },
      { notRegular: () => false, openFailed: () => false },
    );
    if (took) kept++;
  }
  return kept;
}

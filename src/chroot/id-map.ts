import { chmod, lchown, lstat, readdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * The ids of every sandbox: uid and gid 0…65535 inside are SANDBOX_IDS.base + the same on
 * the host, so root in a sandbox is an unprivileged id on the host and a file a sandbox
 * made is owned by that id. The range lies above what useradd hands out as subordinate
 * ids (/etc/subuid, up to 600,100,000) and above systemd-nspawn's container range
 * (524,288–1,879,048,191); no host user or group has such an id.
 */
export const SANDBOX_IDS = { base: 0x7000_0000, size: 0x1_0000 } as const;

/** The host id of an id inside a sandbox. */
export const hostId = (inside: number): number => SANDBOX_IDS.base + inside;

/** The lines to write to /proc/<pid>/uid_map and gid_map. */
export const ID_MAP_LINE = `0 ${SANDBOX_IDS.base} ${SANDBOX_IDS.size}\n`;

/** Whether a tree's files are owned by sandbox ids already (its top folder says so). */
export async function isShifted(tree: string): Promise<boolean> {
  const { uid } = await lstat(tree);
  return uid >= SANDBOX_IDS.base && uid < SANDBOX_IDS.base + SANDBOX_IDS.size;
}

/**
 * Gives a tree made by host root (mmdebstrap in root mode, an older daemon's bases) to
 * the sandbox ids: every owner and group id below 65536 moves into the sandbox range;
 * setuid and setgid bits, which chown clears, are set again. Safe to run again after a
 * crash (ids already moved stay; hard links are seen twice); the top folder is done
 * last, so isShifted() is true only for a whole tree, which is then left as it is.
 */
export async function shiftTree(tree: string): Promise<void> {
  if (await isShifted(tree)) return;
  await shiftChildren(tree);
  await shiftOne(tree);
}

async function shiftChildren(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await shiftChildren(full);
    await shiftOne(full);
  }
}

async function shiftOne(file: string): Promise<void> {
  const stat = await lstat(file);
  const uid = stat.uid < SANDBOX_IDS.size ? hostId(stat.uid) : stat.uid;
  const gid = stat.gid < SANDBOX_IDS.size ? hostId(stat.gid) : stat.gid;
  if (uid === stat.uid && gid === stat.gid) return;
  await lchown(file, uid, gid);
  if (!stat.isSymbolicLink() && (stat.mode & 0o6000) !== 0) await chmod(file, stat.mode & 0o7777);
}

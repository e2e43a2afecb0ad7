import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mountsUnder } from '../../src/chroot/recovery.js';

/** Mount points at or below `dir` in this process's mount namespace. */
export function mountsBelow(dir: string): string[] {
  return mountsUnder(readFileSync('/proc/self/mountinfo', 'utf8'), dir);
}

/**
 * Processes whose root or working folder is at or below `dir` (as the kernel reports it
 * from this mount namespace), or that run in a mount namespace other than ours with a
 * command line mentioning `dir`: anything left of a sandbox.
 */
export function processesUnder(dir: string): number[] {
  const ours = readlinkOrNull('/proc/self/ns/mnt');
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const inside = (link: string | null) =>
      link !== null && (link === dir || link.startsWith(`${dir}/`));
    const root = readlinkOrNull(`/proc/${entry}/root`);
    const cwd = readlinkOrNull(`/proc/${entry}/cwd`);
    const ns = readlinkOrNull(`/proc/${entry}/ns/mnt`);
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (inside(root) || inside(cwd) || (ns !== ours && cmdline.includes(dir)))
      found.push(Number(entry));
  }
  return found;
}

function readlinkOrNull(file: string): string | null {
  try {
    return readlinkSync(file);
  } catch {
    return null;
  }
}

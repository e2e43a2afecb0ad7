import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Parent pid of every running process, read from /proc. */
export function readParents(procDir = '/proc'): Map<number, number> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync(procDir)) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`${procDir}/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid ...": comm may itself contain spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  return parents;
}

/** The pids of `root` and all its descendants that are still running. */
export function processTree(root: number, parents = readParents()): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents) {
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  if (!parents.has(root)) return [];
  const tree: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/**
 * Kills a process and every descendant. The tree is stopped first (SIGSTOP) and walked
 * again until no new process appears, so nothing forks away between walk and kill;
 * then every member gets SIGKILL. Descendants that left the tree before we looked
 * (reparented to init) cannot be found this way: sandboxed work therefore runs in its
 * own pid namespace, whose end the kernel enforces. Returns the pids signalled.
 */
export function killProcessTree(root: number): number[] {
  const stopped = new Set<number>();
  for (let round = 0; round < 20; round++) {
    const tree = processTree(root).filter((pid) => !stopped.has(pid));
    if (tree.length === 0) break;
    signalAll(tree, 'SIGSTOP');
    for (const pid of tree) stopped.add(pid);
  }
  signalAll([...stopped], 'SIGKILL');
  signalAll([...stopped], 'SIGCONT');
  return [...stopped];
}

/** Waits until none of the pids runs any more (zombies count as gone), up to timeoutMs. */
export async function waitForExit(pids: readonly number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alive = pids.filter(isRunning);
    if (alive.length === 0) return true;
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
}

/** Whether a process exists and is not a zombie. */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';

/** The few file operations cgroups need, behind an adapter so tests can fake the tree. */
export interface CgroupFs {
  /** The file's text; throws (ENOENT) when it is missing. */
  read(file: string): string;
  /** Writes `text` in one write (cgroup files take one value per write). */
  write(file: string, text: string): void;
  exists(file: string): boolean;
  /** Creates a folder and its parents; an existing one is fine. */
  mkdir(dir: string): void;
  /** Removes an empty cgroup (throws EBUSY while it holds processes). */
  rmdir(dir: string): void;
  /** The sub-folders (child groups) of a group. */
  children(dir: string): string[];
  /** Sends SIGKILL to a process; a process that is gone already is fine. */
  kill(pid: number): void;
}

export const nodeCgroupFs: CgroupFs = {
  read: (file) => readFileSync(file, 'utf8'),
  write: (file, text) => writeFileSync(file, text),
  exists: (file) => existsSync(file),
  mkdir: (dir) => void mkdirSync(dir, { recursive: true }),
  rmdir: (dir) => rmdirSync(dir),
  children: (dir) =>
    readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name),
  kill: (pid) => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  },
};

/** The pids in a cgroup.procs text. */
export function pidsOf(text: string): number[] {
  return text
    .split('\n')
    .filter((line) => /^\d+$/.test(line))
    .map(Number);
}

/** The value of `key` in a flat-keyed file (memory.events, pids.events, memory.oom_control). */
export function keyedValue(text: string, key: string): number | null {
  const match = new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return match ? Number(match[1]) : null;
}

import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Debian's dput-ng, run from its packages unpacked into a private folder: the dput and
 * dput-ng packages conflict, and dput stays installed system-wide. The packages come
 * from the Debian mirror with `apt-get download`; a small launcher points dput-ng's
 * configuration folders at the unpacked tree and runs its real `dput` script.
 */
export async function dputNg(): Promise<
  (
    args: string[],
    options: { cwd: string; env: NodeJS.ProcessEnv },
  ) => Promise<{ stdout: string; stderr: string }>
> {
  const root = await unpackDputNg();
  const launcher = path.join(root, 'run-dput-ng.py');
  return (args, options) =>
    run('/usr/bin/python3', [launcher, root, ...args], { cwd: options.cwd, env: options.env });
}

const CACHE = path.join(os.tmpdir(), 'debyard-test-dput-ng');

async function unpackDputNg(): Promise<string> {
  const root = path.join(CACHE, 'root');
  if (existsSync(path.join(root, 'run-dput-ng.py'))) return root;
  mkdirSync(CACHE, { recursive: true });
  const work = mkdtempSync(path.join(CACHE, 'download-'));
  try {
    await run('apt-get', ['download', 'dput-ng', 'python3-dput'], { cwd: work });
    const staging = path.join(work, 'root');
    for (const deb of readdirSync(work).filter((f) => f.endsWith('.deb'))) {
      await run('dpkg-deb', ['-x', path.join(work, deb), staging]);
    }
    writeFileSync(path.join(staging, 'run-dput-ng.py'), LAUNCHER);
    // Several test processes may race here; the first complete tree wins.
    if (!existsSync(root)) renameSync(staging, root);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return root;
}

const LAUNCHER = `import runpy, sys
root = sys.argv[1]
sys.argv = ['dput'] + sys.argv[2:]
sys.path.insert(0, root + '/usr/lib/python3/dist-packages')
import dput.core
dput.core.CONFIG_LOCATIONS = {root + '/usr/share/dput-ng/': 30, root + '/etc/dput.d/': 20}
dput.core.DPUT_CONFIG_LOCATIONS = {}
dput.core.SCHEMA_DIRS = [root + '/usr/share/dput-ng/schemas']
runpy.run_path(root + '/usr/bin/dput', run_name='__main__')
`;

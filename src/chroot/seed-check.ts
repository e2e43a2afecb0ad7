import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError, type Problem } from '../shared/errors.js';
import { keyLabel, type ChrootKey } from './chroot-paths.js';

const NEEDED = ['usr/bin/dpkg-buildpackage', 'usr/bin/apt-get', 'var/lib/dpkg/status'];

/**
 * Checks that a tree copied in as a base can be one for `key`: the tools builds use are
 * there, dpkg is of that architecture and the release is of that codename (when
 * /etc/os-release names one).
 */
export async function checkSeedTree(tree: string, key: ChrootKey, from: string): Promise<void> {
  const problems: Problem[] = [];
  for (const file of NEEDED) {
    if (!existsSync(path.join(tree, file)))
      problems.push({ where: `/${file}`, message: 'missing' });
  }
  const status = await readFile(path.join(tree, 'var/lib/dpkg/status'), 'utf8').catch(() => '');
  const dpkg = status.split(/\n\n+/).find((stanza) => /^Package: dpkg$/m.test(stanza));
  const architecture = dpkg ? /^Architecture: (\S+)$/m.exec(dpkg)?.[1] : undefined;
  if (architecture !== key.architecture) {
    problems.push({
      where: '/var/lib/dpkg/status',
      message: `dpkg is ${architecture ? `for ${architecture}` : 'not installed'}, not for ${key.architecture}`,
    });
  }
  const release = await readFile(path.join(tree, 'etc/os-release'), 'utf8').catch(() => '');
  const codename = /^VERSION_CODENAME="?([^"\n]*)"?$/m.exec(release)?.[1];
  if (codename && codename !== key.codename) {
    problems.push({ where: '/etc/os-release', message: `is ${codename}, not ${key.codename}` });
  }
  if (problems.length > 0) {
    throw new InvalidInputError(`${from} is no base chroot for ${keyLabel(key)}`, { problems });
  }
}

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A small apt repository made with apt-ftparchive, standing in for Debian's archive (Origin
 * and Label Debian): the .debs under `pool/`, one suite with component main, unsigned.
 * Returns the deb822 stanza that uses it over file:// (`Trusted: yes`, as it is unsigned).
 */
export function debianLikeRepository(
  dir: string,
  input: { suite: string; architecture: string; debs: string[] },
): string {
  const dist = path.join(dir, 'dists', input.suite);
  mkdirSync(path.join(dir, 'pool'), { recursive: true });
  mkdirSync(path.join(dist, 'main', `binary-${input.architecture}`), { recursive: true });
  for (const deb of input.debs) copyFileSync(deb, path.join(dir, 'pool', path.basename(deb)));
  writeFileSync(
    path.join(dist, 'main', `binary-${input.architecture}`, 'Packages'),
    execFileSync('apt-ftparchive', ['packages', 'pool'], { cwd: dir }),
  );
  const release = [
    ['Origin', 'Debian'],
    ['Label', 'Debian'],
    ['Suite', input.suite],
    ['Codename', input.suite],
    ['Architectures', input.architecture],
    ['Components', 'main'],
  ].flatMap(([key, value]) => ['-o', `APT::FTPArchive::Release::${key}=${value}`]);
  writeFileSync(
    path.join(dist, 'Release'),
    execFileSync('apt-ftparchive', [...release, 'release', '.'], { cwd: dist }),
  );
  return `Types: deb\nURIs: file://${dir}/\nSuites: ${input.suite}\nComponents: main\nTrusted: yes\n`;
}

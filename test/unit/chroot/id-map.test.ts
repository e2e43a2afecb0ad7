import {
  chmodSync,
  chownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostId, isShifted, shiftTree } from '../../../src/chroot/id-map.js';
import { tempDir } from '../../fixtures/index.js';

describe('shiftTree', () => {
  it('gives a tree made by host root to the sandbox ids, keeping setuid bits', async () => {
    const tree = path.join(tempDir(), 'base');
    mkdirSync(path.join(tree, 'usr/bin'), { recursive: true });
    writeFileSync(path.join(tree, 'usr/bin/su'), 'su');
    chmodSync(path.join(tree, 'usr/bin/su'), 0o4755);
    writeFileSync(path.join(tree, 'usr/bin/wall'), 'wall');
    chownSync(path.join(tree, 'usr/bin/wall'), 0, 5);
    chmodSync(path.join(tree, 'usr/bin/wall'), 0o2755);
    linkSync(path.join(tree, 'usr/bin/su'), path.join(tree, 'usr/bin/su-link'));
    symlinkSync('su', path.join(tree, 'usr/bin/sudo'));
    mkdirSync(path.join(tree, 'var/cache/apt/archives/partial'), { recursive: true });
    chownSync(path.join(tree, 'var/cache/apt/archives/partial'), 42, 65534);
    expect(await isShifted(tree)).toBe(false);

    await shiftTree(tree);
    await shiftTree(tree); // again, as after a crash: nothing moves twice

    const owner = (file: string) => {
      const stat = lstatSync(path.join(tree, file));
      return [stat.uid, stat.gid, stat.mode & 0o7777];
    };
    expect(owner('')).toEqual([hostId(0), hostId(0), 0o755]);
    expect(owner('usr/bin/su')).toEqual([hostId(0), hostId(0), 0o4755]);
    expect(owner('usr/bin/su-link')).toEqual([hostId(0), hostId(0), 0o4755]);
    expect(owner('usr/bin/wall')).toEqual([hostId(0), hostId(5), 0o2755]);
    expect(owner('usr/bin/sudo').slice(0, 2)).toEqual([hostId(0), hostId(0)]);
    expect(owner('var/cache/apt/archives/partial').slice(0, 2)).toEqual([
      hostId(42),
      hostId(65534),
    ]);
    expect(await isShifted(tree)).toBe(true);
  });
});

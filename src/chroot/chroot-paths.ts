import path from 'node:path';

/** A base chroot's identity. */
export interface ChrootKey {
  codename: string;
  architecture: string;
}

/**
 * A prepared layer over a base generation (e.g. `<generation>.lintian`: the base plus
 * lintian), made by builds once and removed with its generation.
 */
export const layerOf = (tree: string, name: string): string => `${tree}.${name}`;
export const LAYER_NAME = /^[a-z]+$/;

export const keyName = (key: ChrootKey): string => `${key.codename}-${key.architecture}`;
export const keyLabel = (key: ChrootKey): string => `${key.codename}/${key.architecture}`;

/**
 * Where chroot things live under the home: `chroots/bases/<codename>-<arch>/<generation>/`
 * (a generation being built is `<generation>.partial`), per-build snapshots in
 * `chroots/snapshots/`, the apt cache shared by the builds of one base in
 * `chroots/apt-cache/<codename>-<arch>/`, and one log per base in `logs/chroots/`.
 */
export class ChrootPaths {
  readonly bases: string;
  readonly snapshots: string;
  readonly aptCaches: string;

  constructor(
    readonly chrootsDir: string,
    readonly logsDir: string,
  ) {
    this.bases = path.join(chrootsDir, 'bases');
    this.snapshots = path.join(chrootsDir, 'snapshots');
    this.aptCaches = path.join(chrootsDir, 'apt-cache');
  }

  baseDir(key: ChrootKey): string {
    return path.join(this.bases, keyName(key));
  }

  generation(key: ChrootKey, generation: number): string {
    return path.join(this.baseDir(key), String(generation));
  }

  partial(key: ChrootKey, generation: number): string {
    return path.join(this.baseDir(key), `${generation}.partial`);
  }

  aptCache(key: ChrootKey): string {
    return path.join(this.aptCaches, keyName(key));
  }

  snapshot(name: string): string {
    return path.join(this.snapshots, name);
  }

  log(key: ChrootKey): string {
    return path.join(this.logsDir, 'chroots', `${keyName(key)}.log`);
  }
}

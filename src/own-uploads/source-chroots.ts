// Which base chroot a daemon-made source package is made in: a ready one of the target
// codename, the host's architecture first.
import type { ChrootService, BaseLease } from '../chroot/chroot-service.js';
import { UnavailableError } from '../shared/errors.js';

export function sourceChrootLease(
  chroots: Pick<ChrootService, 'list' | 'acquire'>,
  hostArchitecture: string,
): (codename: string) => BaseLease {
  return (codename) => {
    const ready = chroots
      .list()
      .filter((c) => c.codename === codename && c.generation > 0 && c.state !== 'broken')
      .sort((a) => (a.architecture === hostArchitecture ? -1 : 1));
    if (!ready[0]) {
      throw new UnavailableError(
        `no chroot of ${codename} is ready to make the source package in; create one: debyard chroot-create ${codename}`,
      );
    }
    return chroots.acquire(ready[0]);
  };
}

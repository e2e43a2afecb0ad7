import { describe, expect, it } from 'vitest';
import { unmetRelations } from '../../../src/builder/dep-wait.js';

// apt-get's own words (C locale, apt 2.6), as a build's log shows them.
const UNMET = `Reading package lists...
Building dependency tree...
Reading state information...
Some packages could not be installed. This may mean that you have
requested an impossible situation or if you are using the unstable
distribution that some required packages have not yet been created
or been moved out of Incoming.
The following information may help to resolve the situation:

The following packages have unmet dependencies:
 builddeps:/build/foo_1.0.dsc : Depends: libbar-dev (>= 2.0) but 1.5-1 is to be installed
                                Depends: debyard-hello-all but it is not installable
                                Conflicts: oldthing but 1 is to be installed
 libbar-dev : Depends: libbaz1 (= 2.0-1) but it is not installable
E: Unable to correct problems, you have held broken packages.
`;

describe('unmet build dependencies in apt output', () => {
  it("names each relation apt could not satisfy, and whose it is when it is not the build's", () => {
    expect(unmetRelations(UNMET)).toEqual([
      'libbar-dev (>= 2.0)',
      'debyard-hello-all',
      'libbaz1 (= 2.0-1), needed by libbar-dev',
    ]);
  });

  it('finds none when apt failed for another reason (a download)', () => {
    expect(
      unmetRelations(
        'E: Failed to fetch http://deb.debian.org/debian/pool/main/h/hello/hello_2.10-3_amd64.deb  404  Not Found\n',
      ),
    ).toEqual([]);
  });
});

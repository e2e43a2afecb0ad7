import { describe, expect, it } from 'vitest';
import type { ChrootView } from '../../../src/api/specs/chroots.js';
import { chrootRow } from '../../../src/web/ui/chroot-progress.js';

const chroot = (state: ChrootView['state'], progress: string | null): ChrootView => ({
  codename: 'bookworm',
  architecture: 'amd64',
  state,
  progress,
  generation: state === 'creating' ? 0 : 3,
  sizeBytes: state === 'creating' ? null : 512 * 1048576,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: null,
  lastError: null,
  runningBuilds: 0,
});

describe('chroot rows', () => {
  it('turns the phases of creating and updating into a growing percentage', () => {
    const creating = [
      'starting',
      'finding correct signed-by value',
      'running apt-get update',
      'downloading packages with apt',
      'extracting archives',
      'installing essential packages',
      'installing remaining packages inside the chroot',
      'cleaning package lists and apt cache',
    ].map((phase) => chrootRow(chroot('creating', phase)).percent!);
    expect(creating).toEqual([11, 22, 33, 44, 56, 67, 78, 89]);
    const updating = ['starting', 'copying the base', 'apt-get update', 'apt-get dist-upgrade'].map(
      (phase) => chrootRow(chroot('updating', phase)).percent!,
    );
    expect(updating).toEqual([14, 29, 43, 57]);
  });

  it('has no percentage for unknown phases or idle chroots, and shows sizes in MiB', () => {
    expect(chrootRow(chroot('creating', 'running --customize-hook'))).toMatchObject({
      busy: true,
      percent: null,
      size: '',
      label: 'bookworm/amd64',
    });
    expect(chrootRow(chroot('ready', null))).toMatchObject({
      busy: false,
      percent: null,
      size: '512 MiB',
    });
    expect(chrootRow(chroot('broken', null)).busy).toBe(false);
  });
});

import type { ChrootView } from '../../api/specs/chroots.js';

// The phases creating and updating a base go through, in order (mmdebstrap's "I: …" lines,
// then the daemon's own steps): how far along a phase is, for a progress bar.
const CREATE_PHASES = [
  'starting',
  'finding correct signed-by value',
  'running apt-get update',
  'downloading packages with apt',
  'extracting archives',
  'installing essential packages',
  'installing remaining packages inside the chroot',
  'cleaning package lists and apt cache',
];
const UPDATE_PHASES = [
  'starting',
  'copying the base',
  'apt-get update',
  'apt-get dist-upgrade',
  'cleaning up',
  'pruning the apt cache of the builds',
];

/** A chroot with what its row and progress bar show. */
export interface ChrootRow extends ChrootView {
  label: string;
  /** 0-100 while creating or updating (null: the phase is not a known one); null otherwise. */
  percent: number | null;
  busy: boolean;
  size: string;
}

export function chrootRow(c: ChrootView): ChrootRow {
  const busy = c.state === 'creating' || c.state === 'updating';
  return {
    ...c,
    label: `${c.codename}/${c.architecture}`,
    busy,
    percent: busy
      ? percentOf(c.state === 'creating' ? CREATE_PHASES : UPDATE_PHASES, c.progress)
      : null,
    size: c.sizeBytes === null ? '' : `${Math.round(c.sizeBytes / 1048576)} MiB`,
  };
}

function percentOf(phases: readonly string[], phase: string | null): number | null {
  const index = phase === null ? -1 : phases.indexOf(phase);
  return index < 0 ? null : Math.round(((index + 1) / (phases.length + 1)) * 100);
}

// A base chroot as stored: its state and generation (db/chroots-repository.ts).

export const CHROOT_STATES = ['creating', 'ready', 'updating', 'broken'] as const;

export type ChrootState = (typeof CHROOT_STATES)[number];

/** A base chroot as stored. */
export interface ChrootRecord {
  id: number;
  codename: string;
  architecture: string;
  state: ChrootState;
  /** The generation builds start on; 0 while none exists. */
  generation: number;
  /** The phase of the running create or update. */
  progress: string | null;
  sizeBytes: number | null;
  createdAt: string;
  /** When the current generation was made. */
  updatedAt: string | null;
  lastError: string | null;
}

export type ChrootPatch = Partial<
  Pick<ChrootRecord, 'state' | 'generation' | 'progress' | 'sizeBytes' | 'updatedAt' | 'lastError'>
>;

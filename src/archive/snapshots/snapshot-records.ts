// A snapshot of a distribution as stored (db/archive-snapshots-repository.ts).

export interface SnapshotRecord {
  id: number;
  repository: string;
  name: string;
  distribution: string;
  generation: number;
  revision: number;
  sources: number;
  binaries: number;
  automatic: boolean;
  createdAt: string;
}

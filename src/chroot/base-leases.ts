/**
 * Which base trees running builds use. A tree replaced by a newer generation (or whose
 * chroot was removed) is deleted once its last build has released it.
 */
export class BaseLeases {
  private readonly counts = new Map<string, number>();
  private readonly retired = new Set<string>();

  constructor(private readonly removeTree: (tree: string) => void) {}

  /** Takes a lease on a tree; the returned function gives it back (once). */
  take(tree: string): () => void {
    this.counts.set(tree, (this.counts.get(tree) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.counts.get(tree) ?? 1) - 1;
      if (left > 0) {
        this.counts.set(tree, left);
        return;
      }
      this.counts.delete(tree);
      if (this.retired.delete(tree)) this.removeTree(tree);
    };
  }

  /** Builds currently using trees under `prefix` (a tree or a chroot's base folder). */
  inUse(prefix: string): number {
    let total = 0;
    for (const [tree, count] of this.counts) {
      if (tree === prefix || tree.startsWith(`${prefix}/`)) total += count;
    }
    return total;
  }

  /** Deletes a tree now if unused, or when its last lease is released. */
  retire(tree: string): void {
    if (this.counts.has(tree)) this.retired.add(tree);
    else this.removeTree(tree);
  }
}

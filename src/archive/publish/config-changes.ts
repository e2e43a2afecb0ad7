// A configuration change shows in the Release files: a repository's change republishes
// it, a layout's (its suites' flags) every repository of that layout.
import type { ArchiveConfig } from '../archive-config.js';

/** Calls `republish` for each repository a configuration change touches; returns the unsubscribe. */
export function republishOnChange(
  config: Pick<ArchiveConfig, 'onChange' | 'repositories'>,
  republish: (repository: string) => void,
): () => void {
  return config.onChange(({ kind, id }) => {
    const repositories =
      kind === 'repository'
        ? [id]
        : config
            .repositories()
            .filter((r) => r.layout === id)
            .map((r) => r.id);
    for (const repository of repositories) republish(repository);
  });
}

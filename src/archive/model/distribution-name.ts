/** A parsed `<codename>-<repository>-<suite>[-rollbackN]` name. */
export interface DistributionName {
  codename: string;
  repository: string;
  suite: string;
  /** null for the suite itself, N for `-rollbackN`. */
  rollback: number | null;
}

const NAME = /^([a-z][a-z0-9]*)-([a-z0-9]+)-([a-z]+)(?:-rollback(\d{1,3}))?$/;

export function parseDistributionName(text: string): DistributionName | null {
  const match = NAME.exec(text);
  if (!match) return null;
  return {
    codename: match[1]!,
    repository: match[2]!,
    suite: match[3]!,
    rollback: match[4] === undefined ? null : Number(match[4]),
  };
}

export function formatDistributionName(name: DistributionName): string {
  const base = `${name.codename}-${name.repository}-${name.suite}`;
  return name.rollback === null ? base : `${base}-rollback${name.rollback}`;
}

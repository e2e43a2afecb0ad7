import { describe, expect, it } from 'vitest';
import type { ConfigChangeListener } from '../../../src/archive/archive-config.js';
import { republishOnChange } from '../../../src/archive/publish/config-changes.js';

describe('republishOnChange', () => {
  it('republishes a changed repository, and every repository of a changed layout', () => {
    let listener: ConfigChangeListener | undefined;
    const republished: string[] = [];
    const unsubscribe = republishOnChange(
      {
        onChange: (l) => {
          listener = l;
          return () => (listener = undefined);
        },
        repositories: () =>
          [
            { id: 'a', layout: 'default' },
            { id: 'b', layout: 'other' },
            { id: 'c', layout: 'default' },
          ] as never,
      },
      (repository) => republished.push(repository),
    );
    listener?.({ kind: 'repository', id: 'b' });
    listener?.({ kind: 'layout', id: 'default' });
    expect(republished).toEqual(['b', 'a', 'c']);
    unsubscribe();
    expect(listener).toBeUndefined();
  });
});

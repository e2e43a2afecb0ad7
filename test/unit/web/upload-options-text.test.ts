import { describe, expect, it } from 'vitest';
import { NO_OPTIONS } from '../../../src/builder/upload-options.js';
import { optionTexts } from '../../../src/web/ui/uploads-page.js';

describe('optionTexts', () => {
  it('shows the upload options that were set, as the changelog writes them', () => {
    expect(optionTexts(structuredClone(NO_OPTIONS) as unknown as Record<string, unknown>)).toEqual(
      [],
    );
    const options = structuredClone(NO_OPTIONS) as unknown as Record<string, unknown>;
    (options.lintianMode as { default: unknown }).default = 'errfail';
    (options.runLintian as { byArchitecture: Record<string, unknown> }).byArchitecture.arm64 =
      false;
    options.autoPorts = ['trixie-test-unstable', 'bookworm-test-hotfix'];
    options.internalAptPriority = 500;
    expect(optionTexts(options)).toEqual([
      'lintian-mode=errfail',
      'run-lintian[arm64]=false',
      'auto-ports=trixie-test-unstable,bookworm-test-hotfix',
      'internal-apt-priority=500',
    ]);
  });
});

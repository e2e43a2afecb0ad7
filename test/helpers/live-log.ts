import type { LiveLogHub } from '../../src/builder/live-log.js';

/**
 * Follows a build's log as the web UI does (LiveLogHub.read with follow): the text so
 * far at any time, and the whole text once the log has ended.
 */
export function followLog(
  hub: LiveLogHub,
  buildId: number,
  file: string,
): { text: () => string; ended: Promise<string> } {
  let text = '';
  const ended = (async () => {
    for await (const piece of hub.read(buildId, file, { follow: true })) text += piece.text;
    return text;
  })();
  return { text: () => text, ended };
}

import type { CliIo } from './io.js';

/**
 * What a terminal would act on rather than show, in text from elsewhere (a build log, an
 * event naming an uploaded file): escape sequences (CSI `ESC [ … final`; OSC, DCS, SOS,
 * PM, APC strings up to their terminator or the end; two-byte and charset escapes; a
 * lone ESC), their 8-bit C1 forms, carriage returns and the other C0 and C1 controls.
 */
const CONTROL =
  // eslint-disable-next-line no-control-regex
  /\x1b\[([0-?]*)([ -/]*)([@-~])|[\x1b][\]PX^_][\s\S]*?(?:\x07|\x1b\\|\x9c|$)|[\x90\x98\x9d\x9e\x9f][\s\S]*?(?:\x07|\x1b\\|\x9c|$)|\x9b[0-?]*[ -/]*[@-~]?|\x1b[ -/]*[0-~]?|\r\n?|[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/** SGR parameters: digits and separators, nothing private. */
const SGR_PARAMETERS = /^[0-9;:]*$/;

/**
 * Text made safe to print on a terminal: colours and text attributes (SGR, `ESC [ … m`)
 * pass, every other control sequence is dropped with its payload (window titles,
 * clipboard writes with OSC 52, cursor moves, screen clearing, mode changes, device
 * queries), as are control characters but newline and tab. A carriage return becomes a
 * newline unless one follows (so nothing is overwritten on screen: a progress line shows
 * each step).
 */
export function forTerminal(text: string): string {
  return text.replace(
    CONTROL,
    (match: string, parameters?: string, intermediates?: string, final?: string) => {
      if (final !== undefined) {
        return final === 'm' && intermediates === '' && SGR_PARAMETERS.test(parameters!)
          ? match
          : '';
      }
      return match.startsWith('\r') ? '\n' : '';
    },
  );
}

/**
 * The CLI's output, filtered with forTerminal where it goes to a terminal unless `raw()`
 * (--raw). Output to files and pipes is never changed.
 */
export function terminalSafe(io: CliIo, raw: () => boolean): CliIo {
  const safe = (write: (text: string) => void, terminal: boolean | undefined) =>
    terminal ? (text: string) => write(raw() ? text : forTerminal(text)) : write;
  return {
    ...io,
    out: safe((text) => io.out(text), io.terminal?.out),
    err: safe((text) => io.err(text), io.terminal?.err),
  };
}

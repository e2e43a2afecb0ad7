/** Splits streamed text into whole lines; `flush` hands over a last unterminated line. */
export function lineSplitter(onLine: (line: string) => void): {
  push: (text: string) => void;
  flush: () => void;
} {
  let pending = '';
  return {
    push(text) {
      const parts = (pending + text).split('\n');
      pending = parts.pop()!;
      for (const line of parts) onLine(line);
    },
    flush() {
      if (pending !== '') onLine(pending);
      pending = '';
    },
  };
}

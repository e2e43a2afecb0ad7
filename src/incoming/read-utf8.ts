import type { Problem } from '../shared/errors.js';

const strict = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8');

/** Decodes a control file; invalid UTF-8 is a problem naming the first bad line. */
export function readUtf8(bytes: Uint8Array, name: string): { text: string; problems: Problem[] } {
  try {
    return { text: strict.decode(bytes), problems: [] };
  } catch {
    const text = lenient.decode(bytes);
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes('\uFFFD')) + 1;
    return {
      text,
      problems: [
        {
          where: line > 0 ? `${name}:${line}` : name,
          message: 'is not valid UTF-8; control files must be written in UTF-8',
        },
      ],
    };
  }
}

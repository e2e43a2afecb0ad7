import { InvalidInputError, type Problem } from '../shared/errors.js';

/** One field of a stanza. `line` is the 1-based line of its name in the parsed text. */
export interface Field {
  name: string;
  value: string;
  line?: number;
}

/**
 * One deb822 paragraph: fields in their original order, looked up case-insensitively.
 *
 * Values follow dpkg's logical form: the first line without surrounding blanks, then one
 * line per continuation line with its single leading space removed and ` .` turned into
 * an empty line. So `Description: short\n long\n .\n more` has the value
 * `"short\nlong\n\nmore"`, and `Files:\n a b c` the value `"\na b c"`.
 */
export class Stanza {
  readonly #fields: Field[] = [];
  readonly #index = new Map<string, number>();

  constructor(fields: Iterable<readonly [string, string]> = []) {
    for (const [name, value] of fields) this.set(name, value);
  }

  get(name: string): string | undefined {
    const at = this.#index.get(name.toLowerCase());
    return at === undefined ? undefined : this.#fields[at]!.value;
  }

  has(name: string): boolean {
    return this.#index.has(name.toLowerCase());
  }

  /** Replaces the value in place (keeping the position), or appends a new field. */
  set(name: string, value: string, line?: number): this {
    const key = name.toLowerCase();
    const at = this.#index.get(key);
    if (at === undefined) {
      this.#index.set(key, this.#fields.length);
      this.#fields.push(line === undefined ? { name, value } : { name, value, line });
    } else {
      this.#fields[at]!.value = value;
    }
    return this;
  }

  delete(name: string): boolean {
    const at = this.#index.get(name.toLowerCase());
    if (at === undefined) return false;
    this.#fields.splice(at, 1);
    this.#index.clear();
    this.#fields.forEach((field, i) => this.#index.set(field.name.toLowerCase(), i));
    return true;
  }

  /** The line where the field starts in the parsed text, for error messages. */
  lineOf(name: string): number | undefined {
    const at = this.#index.get(name.toLowerCase());
    return at === undefined ? undefined : this.#fields[at]!.line;
  }

  get fields(): readonly Readonly<Field>[] {
    return this.#fields;
  }

  get size(): number {
    return this.#fields.length;
  }

  toString(): string {
    return serializeStanza(this);
  }
}

export interface ParseOptions {
  /** Names the text in error locations ("foo.dsc" gives "foo.dsc:12"). */
  source?: string;
  /** Line number of the text's first line (when it is cut out of a larger file). */
  firstLine?: number;
  /** Skip lines starting with `#` (deb822(5) comments); default true. */
  comments?: boolean;
}

const FIELD_NAME = /^[!-9;-~][!-9;-~]*$/;

/** Parses deb822 text into stanzas. Throws InvalidInputError listing every syntax error. */
export function parseDeb822(text: string, options: ParseOptions = {}): Stanza[] {
  const { stanzas, problems } = scanDeb822(text, options);
  if (problems.length > 0) {
    const what = options.source ?? 'control data';
    throw new InvalidInputError(`${what} is not valid deb822 control data`, { problems });
  }
  return stanzas;
}

/** Like parseDeb822, but returns the syntax problems instead of throwing. */
export function scanDeb822(
  text: string,
  options: ParseOptions = {},
): { stanzas: Stanza[]; problems: Problem[] } {
  const parser = new Parser(options);
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((line, i) => parser.line(line, i + (options.firstLine ?? 1)));
  return { stanzas: parser.finish(), problems: parser.problems };
}

/** Parses text holding exactly one stanza (a .dsc, .changes or DEBIAN/control body). */
export function parseSingleStanza(text: string, options: ParseOptions = {}): Stanza {
  const stanzas = parseDeb822(text, options);
  const where = options.source;
  if (stanzas.length === 0) {
    throw new InvalidInputError(`${where ?? 'control data'} is empty`, {
      problems: [{ ...(where ? { where } : {}), message: 'no fields found' }],
    });
  }
  if (stanzas.length > 1) {
    const line = stanzas[1]!.fields[0]?.line;
    throw new InvalidInputError(`${where ?? 'control data'} holds more than one stanza`, {
      problems: [{ where: at(options.source, line), message: 'unexpected second paragraph' }],
    });
  }
  return stanzas[0]!;
}

class Parser {
  readonly problems: Problem[] = [];
  readonly #stanzas: Stanza[] = [];
  #current: Stanza | undefined;
  #field: { name: string; lines: string[]; line: number } | undefined;

  constructor(private readonly options: ParseOptions) {}

  line(raw: string, lineNo: number): void {
    const line = raw.replace(/\s+$/, '');
    if (line.startsWith('#') && this.options.comments !== false) return;
    if (line === '') return this.#endStanza();
    if (/^\s/.test(line)) return this.#continuation(line, lineNo);
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : line.slice(0, colon);
    if (colon <= 0 || !FIELD_NAME.test(name) || /^[-#]/.test(name)) {
      const message =
        colon < 0
          ? `expected "Field: value", found "${clip(line)}"`
          : /^[-#]/.test(name)
            ? `field name "${name}" cannot start with "${name[0]}"`
            : `invalid field name "${clip(name)}"`;
      return this.#problem(lineNo, message);
    }
    this.#flushField();
    this.#current ??= new Stanza();
    if (this.#current.has(name)) return this.#problem(lineNo, `duplicate field ${name}`);
    this.#field = { name, lines: [line.slice(colon + 1).trim()], line: lineNo };
  }

  finish(): Stanza[] {
    this.#endStanza();
    return this.#stanzas;
  }

  #continuation(line: string, lineNo: number): void {
    if (!this.#field) return this.#problem(lineNo, 'continuation line outside a field');
    const content = line.slice(1);
    this.#field.lines.push(/^\.+$/.test(content) ? content.slice(1) : content);
  }

  #flushField(): void {
    if (!this.#field || !this.#current) return;
    this.#current.set(this.#field.name, this.#field.lines.join('\n'), this.#field.line);
    this.#field = undefined;
  }

  #endStanza(): void {
    this.#flushField();
    if (this.#current) this.#stanzas.push(this.#current);
    this.#current = undefined;
  }

  #problem(lineNo: number, message: string): void {
    this.problems.push({ where: at(this.options.source, lineNo), message });
  }
}

function at(source: string | undefined, line: number | undefined): string {
  if (line === undefined) return source ?? 'control data';
  return source ? `${source}:${line}` : `line ${line}`;
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Renders one field the way dpkg writes it (continuations indented, empty lines as ` .`). */
export function serializeField(name: string, value: string): string {
  const [first = '', ...rest] = value.split('\n');
  let out = first.length > 0 ? `${name}: ${first.trimEnd()}\n` : `${name}:\n`;
  for (const raw of rest) {
    const line = raw.trimEnd();
    out += line.length === 0 || /^\.+$/.test(line) ? ` .${line}\n` : ` ${line}\n`;
  }
  return out;
}

/** Renders a stanza in its field order, ending with a newline (no blank line). */
export function serializeStanza(stanza: Stanza | Iterable<Readonly<Field>>): string {
  const fields = stanza instanceof Stanza ? stanza.fields : stanza;
  let out = '';
  for (const field of fields) out += serializeField(field.name, field.value);
  return out;
}

/** Renders stanzas separated by blank lines. */
export function serializeDeb822(stanzas: Iterable<Stanza>): string {
  return [...stanzas].map(serializeStanza).join('\n');
}

/** The non-empty lines of a multi-line field such as Files or Checksums-Sha256. */
export function fieldLines(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/** A folded field (Binary, Depends, Uploaders) as one line with single spaces. */
export function foldedValue(value: string | undefined): string {
  return (value ?? '').replace(/\s+/g, ' ').trim();
}

/** The items of a comma-separated folded field (Binary in a .dsc, Uploaders). */
export function commaList(value: string | undefined): string[] {
  return foldedValue(value)
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** The items of a whitespace-separated field (Architecture, Binary in a .changes). */
export function wordList(value: string | undefined): string[] {
  const folded = foldedValue(value);
  return folded.length === 0 ? [] : folded.split(' ');
}

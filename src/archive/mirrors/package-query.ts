import { compareVersions } from '../../debian/version.js';
import { InvalidInputError } from '../../shared/errors.js';

/**
 * aptly's package query language, for mirror filters:
 *
 *   nginx                       the package named nginx
 *   nginx (>= 1.20)             … in a version relation (<<, <=, =, >=, >>)
 *   Priority (required)         a field equal to a value (`Field (= value)`)
 *   Name (% lib*)               a field matching a shell pattern (* ? [..])
 *   Section (~ ^(admin|net)$)   a field matching a regular expression
 *   Version (>= 2:1.0)          version relations on any field compare as Debian versions
 *   $Architecture (amd64)       `$Architecture`, `$Source`, `$Version`: as the fields
 *   Essential                   a field that is present
 *   a | b    a , b    !a    ( … )   or, and, not, grouping (`!` binds tightest, then `,`)
 *
 * A word starting with a capital letter or `$` names a field; any other word a package.
 */
export type PackageQuery =
  | { kind: 'or' | 'and'; parts: PackageQuery[] }
  | { kind: 'not'; part: PackageQuery }
  | { kind: 'field'; field: string; op: Op | null; value: string };

type Op = '=' | '<<' | '<=' | '>=' | '>>' | '%' | '~';

/** What a query looks at: a field of a package by name (Package, Version, Priority, …). */
export type PackageFields = (field: string) => string | undefined;

/** A filter that does not parse: where (1-based character) and why. */
export class QueryError extends InvalidInputError {
  constructor(
    readonly query: string,
    readonly position: number,
    readonly reason: string,
  ) {
    super(`filter "${query}": at character ${position}: ${reason}`);
  }
}

export function parsePackageQuery(text: string): PackageQuery {
  const parser = new Parser(text);
  const query = parser.or();
  parser.skipSpace();
  if (!parser.atEnd()) parser.fail(`unexpected "${parser.peek()}"; expected "|", "," or the end`);
  return query;
}

export function matchesQuery(query: PackageQuery, fields: PackageFields): boolean {
  switch (query.kind) {
    case 'or':
      return query.parts.some((p) => matchesQuery(p, fields));
    case 'and':
      return query.parts.every((p) => matchesQuery(p, fields));
    case 'not':
      return !matchesQuery(query.part, fields);
    case 'field': {
      const actual = fields(query.field);
      if (actual === undefined) return false;
      return query.op === null ? true : compare(actual, query.op, query.value);
    }
  }
}

function compare(actual: string, op: Op, value: string): boolean {
  switch (op) {
    case '=':
      return actual === value;
    case '%':
      return globRegExp(value).test(actual);
    case '~':
      return new RegExp(value).test(actual);
    default: {
      const c = compareVersions(actual, value);
      return op === '<<' ? c < 0 : op === '<=' ? c <= 0 : op === '>=' ? c >= 0 : c > 0;
    }
  }
}

function globRegExp(glob: string): RegExp {
  let out = '';
  for (const ch of glob) {
    if (ch === '*') out += '.*';
    else if (ch === '?') out += '.';
    else if (ch === '[' || ch === ']') out += ch;
    else out += ch.replace(/[.*+?^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

const SPECIAL: Record<string, string> = {
  $Architecture: 'Architecture',
  $Source: 'Source',
  $Version: 'Version',
  $PackageType: 'Package-Type',
};

const WORD = /[^\s(),|!]+/y;
const OPS: readonly Op[] = ['<<', '<=', '>=', '>>', '=', '%', '~'];

class Parser {
  private at = 0;
  constructor(private readonly text: string) {}

  or(): PackageQuery {
    const parts = [this.and()];
    while (this.take('|')) parts.push(this.and());
    return parts.length === 1 ? parts[0]! : { kind: 'or', parts };
  }

  and(): PackageQuery {
    const parts = [this.not()];
    while (this.take(',')) parts.push(this.not());
    return parts.length === 1 ? parts[0]! : { kind: 'and', parts };
  }

  not(): PackageQuery {
    if (this.take('!')) return { kind: 'not', part: this.not() };
    return this.primary();
  }

  primary(): PackageQuery {
    this.skipSpace();
    if (this.take('(')) {
      const inner = this.or();
      if (!this.take(')')) this.fail('expected ")" to close the group');
      return inner;
    }
    if (this.atEnd()) this.fail('expected a package name or a field, found the end');
    WORD.lastIndex = this.at;
    const word = WORD.exec(this.text)?.[0];
    if (!word) this.fail(`expected a package name or a field, found "${this.peek()}"`);
    const start = this.at + 1;
    this.at += word.length;
    const isField = /^[A-Z$]/.test(word);
    const field = isField ? (SPECIAL[word] ?? word) : 'Package';
    if (isField && word.startsWith('$') && !SPECIAL[word]) {
      throw new QueryError(this.text, start, `unknown special field ${word}`);
    }
    const condition = this.condition();
    if (isField)
      return { kind: 'field', field, op: condition?.op ?? null, value: condition?.value ?? '' };
    const name: PackageQuery = { kind: 'field', field: 'Package', op: '=', value: word };
    if (!condition) return name;
    if (condition.op === '%' || condition.op === '~') {
      throw new QueryError(
        this.text,
        condition.at,
        `a package name takes a version relation (<<, <=, =, >=, >>), not "${condition.op}"`,
      );
    }
    return { kind: 'and', parts: [name, { kind: 'field', field: 'Version', ...condition }] };
  }

  /** `( [op] value )` right after a word, if there is one. */
  private condition(): { op: Op; value: string; at: number } | null {
    this.skipSpace();
    if (this.peek() !== '(') return null;
    const open = this.at + 1;
    this.at++;
    this.skipSpace();
    const at = this.at + 1;
    const op = OPS.find((o) => this.text.startsWith(o, this.at)) ?? '=';
    if (this.text.startsWith(op, this.at)) this.at += op.length;
    const close = this.closing(this.at);
    if (close < 0) throw new QueryError(this.text, open, 'this "(" has no ")"');
    const value = this.text.slice(this.at, close).trim();
    if (value === '') throw new QueryError(this.text, at, `expected a value after "${op}"`);
    if (op === '~') {
      try {
        new RegExp(value);
      } catch (error) {
        throw new QueryError(
          this.text,
          at,
          `not a regular expression: ${(error as Error).message}`,
        );
      }
    }
    this.at = close + 1;
    return { op, value, at };
  }

  /** The `)` that closes a condition; parentheses inside the value nest. */
  private closing(from: number): number {
    let depth = 0;
    for (let i = from; i < this.text.length; i++) {
      if (this.text[i] === '(') depth++;
      else if (this.text[i] === ')' && depth-- === 0) return i;
    }
    return -1;
  }

  take(ch: string): boolean {
    this.skipSpace();
    if (this.text[this.at] !== ch) return false;
    this.at++;
    return true;
  }

  skipSpace(): void {
    while (this.at < this.text.length && /\s/.test(this.text[this.at]!)) this.at++;
  }

  atEnd(): boolean {
    return this.at >= this.text.length;
  }

  peek(): string {
    return this.text[this.at] ?? '';
  }

  fail(reason: string): never {
    throw new QueryError(this.text, this.at + 1, reason);
  }
}

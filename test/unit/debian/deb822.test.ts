import { describe, expect, it } from 'vitest';
import {
  commaList,
  fieldLines,
  parseDeb822,
  parseSingleStanza,
  scanDeb822,
  serializeDeb822,
  Stanza,
  wordList,
} from '../../../src/debian/deb822.js';
import { InvalidInputError } from '../../../src/shared/errors.js';

const CONTROL = `# leading comment
Source: hello
Maintainer: Jane Doe <jane@example.org>
Build-Depends: debhelper-compat (= 13),
# a comment between continuation lines
 libfoo-dev
Homepage: https://example.org/hello

Package: hello
Architecture: any
Description: the classic greeting
 GNU hello prints a greeting.
 .
 It is an example.
 ..
   indented verbatim line
`;

describe('deb822', () => {
  it('parses stanzas, folded and multi-line fields, "." lines and comments', () => {
    const [source, binary] = parseDeb822(CONTROL);
    expect(source!.fields.map((f) => f.name)).toEqual([
      'Source',
      'Maintainer',
      'Build-Depends',
      'Homepage',
    ]);
    expect(source!.get('build-depends')).toBe('debhelper-compat (= 13),\nlibfoo-dev');
    expect(commaList(source!.get('Build-Depends'))).toEqual(['debhelper-compat (= 13)', 'libfoo-dev']);
    expect(binary!.get('DESCRIPTION')).toBe(
      'the classic greeting\nGNU hello prints a greeting.\n\nIt is an example.\n.\n  indented verbatim line',
    );
    expect(source!.lineOf('Homepage')).toBe(7);
    expect(binary!.lineOf('Package')).toBe(9);
  });

  it('serializes back to the same text (without comments)', () => {
    const stanzas = parseDeb822(CONTROL);
    const expected = CONTROL.split('\n')
      .filter((line) => !line.startsWith('#'))
      .join('\n');
    expect(serializeDeb822(stanzas)).toBe(expected);
  });

  it('keeps field order on set and replaces values in place, case-insensitively', () => {
    const stanza = new Stanza([
      ['Package', 'a'],
      ['Version', '1'],
    ]);
    stanza.set('version', '2').set('Depends', 'b');
    expect(stanza.toString()).toBe('Package: a\nVersion: 2\nDepends: b\n');
    expect(stanza.delete('PACKAGE')).toBe(true);
    expect(stanza.get('depends')).toBe('b');
    expect(stanza.toString()).toBe('Version: 2\nDepends: b\n');
  });

  it('writes fields with an empty first line as dpkg does', () => {
    const stanza = new Stanza([['Files', '\nabc 1 a.tar.gz\ndef 2 b.dsc']]);
    expect(stanza.toString()).toBe('Files:\n abc 1 a.tar.gz\n def 2 b.dsc\n');
    expect(fieldLines(stanza.get('Files'))).toEqual(['abc 1 a.tar.gz', 'def 2 b.dsc']);
  });

  it('treats whitespace-only lines as separators and tolerates CRLF', () => {
    const stanzas = parseDeb822('A: 1\r\n  \t\nB: 2\r\n');
    expect(stanzas.map((s) => s.toString())).toEqual(['A: 1\n', 'B: 2\n']);
  });

  it('reports every syntax error with its line', () => {
    const text = ' orphan continuation\nGood: yes\nno colon here\nGood: again\n-Bad: x\nSpace Name: y\n';
    const { problems } = scanDeb822(text, { source: 'debian/control' });
    expect(problems).toEqual([
      { where: 'debian/control:1', message: 'continuation line outside a field' },
      { where: 'debian/control:3', message: 'expected "Field: value", found "no colon here"' },
      { where: 'debian/control:4', message: 'duplicate field Good' },
      { where: 'debian/control:5', message: 'field name "-Bad" cannot start with "-"' },
      { where: 'debian/control:6', message: 'invalid field name "Space Name"' },
    ]);
    expect(() => parseDeb822(text, { source: 'debian/control' })).toThrow(InvalidInputError);
  });

  it('can refuse comments', () => {
    const { problems } = scanDeb822('#A: 1\n', { comments: false });
    expect(problems).toEqual([{ where: 'line 1', message: 'field name "#A" cannot start with "#"' }]);
  });

  it('wants exactly one stanza where one is expected', () => {
    expect(() => parseSingleStanza('A: 1\n\nB: 2\n', { source: 'x.dsc' })).toThrow(
      expect.objectContaining({
        problems: [{ where: 'x.dsc:3', message: 'unexpected second paragraph' }],
      }),
    );
    expect(() => parseSingleStanza('\n\n', { source: 'x.dsc' })).toThrow('x.dsc is empty');
  });

  it('splits word lists', () => {
    expect(wordList(' source\n all  amd64 ')).toEqual(['source', 'all', 'amd64']);
    expect(wordList(undefined)).toEqual([]);
  });
});

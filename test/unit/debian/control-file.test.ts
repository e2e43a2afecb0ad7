import { describe, expect, it } from 'vitest';
import { splitClearSigned } from '../../../src/debian/clearsign.js';
import { parseControlFile, scanControlFile } from '../../../src/debian/control-file.js';

const SIGNATURE = `-----BEGIN PGP SIGNATURE-----

iHUEARYKAB0WIQQfakefakefakefakefakefakefakefakeFAmZ
=abcd
-----END PGP SIGNATURE-----
`;

const SIGNED = `-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA512

Format: 1.8
Source: hello
- -dashed: not a field but dash-escaped text
Description: x
 continued
${SIGNATURE}`;

describe('clear-signed control files', () => {
  it('extracts the signed body and keeps the armored text and signature', () => {
    const text = SIGNED.replace('- -dashed: not a field but dash-escaped text\n', '');
    const { stanza, signed } = parseControlFile(text, 'hello.changes');
    expect(stanza.get('Source')).toBe('hello');
    expect(stanza.lineOf('Source')).toBe(5);
    expect(signed).toEqual({
      armored: text,
      body: 'Format: 1.8\nSource: hello\nDescription: x\n continued\n',
      bodyFirstLine: 4,
      signature: SIGNATURE,
      hashes: ['SHA512'],
    });
  });

  it('undoes dash-escaping (and then finds the escaped line is no field)', () => {
    expect(splitClearSigned(SIGNED).body).toContain('\n-dashed: not a field');
    expect(scanControlFile(SIGNED, 'x.changes').problems).toEqual([
      { where: 'x.changes:6', message: 'field name "-dashed" cannot start with "-"' },
    ]);
  });

  it('reads unsigned files as they are', () => {
    const { stanza, signed } = parseControlFile('Source: hello\n', 'hello.dsc');
    expect(stanza.get('source')).toBe('hello');
    expect(signed).toBeUndefined();
  });

  it.each([
    [SIGNED + 'Source: evil\n', 'x.changes:14', 'text after the "-----END PGP SIGNATURE-----" line is not covered by the signature'],
    [
      SIGNED.replace(SIGNATURE, ''),
      'x.changes:9',
      'no "-----BEGIN PGP SIGNATURE-----" line: the signature is missing',
    ],
    [
      SIGNED.replace('-----END PGP SIGNATURE-----\n', ''),
      'x.changes:13',
      'no "-----END PGP SIGNATURE-----" line: the signature is cut off',
    ],
    [SIGNED.replace('Hash: SHA512', 'Comment: hi'), 'x.changes:2', 'unexpected armor header "Comment: hi"'],
    [
      SIGNED.replace('Source: hello', '-Source: hello'),
      'x.changes:5',
      'line starting with "-" is not dash-escaped',
    ],
    ['Source: a\n' + SIGNATURE, 'x.changes:2', 'OpenPGP armor in an unsigned file'],
    ['\n\n', 'x.changes', 'the file holds no fields'],
  ])('refuses malformed input %#', (text, where, message) => {
    const { file, problems } = scanControlFile(text, 'x.changes');
    expect(problems).toEqual([{ where, message }]);
    if (message !== 'OpenPGP armor in an unsigned file') expect(file).toBeUndefined();
    expect(() => parseControlFile(text, 'x.changes')).toThrow('x.changes');
  });
});

import { describe, expect, it } from 'vitest';
import { forTerminal, terminalSafe } from '../../../src/cli/terminal-text.js';
import type { CliIo } from '../../../src/cli/io.js';

describe('forTerminal', () => {
  it('passes colours and text attributes (SGR)', () => {
    for (const text of [
      '\x1b[1;31mred\x1b[0m',
      '\x1b[38;5;196mx\x1b[m',
      '\x1b[38:2::255:0:0mtrue colour\x1b[39m',
      'Zeile – ü € 🙂\ttab\n',
    ]) {
      expect(forTerminal(text)).toBe(text);
    }
  });

  it('drops OSC, DCS, APC, PM and SOS strings with their payload, terminated or not', () => {
    expect(forTerminal('\x1b]0;pwned\x07after')).toBe('after');
    expect(forTerminal('\x1b]52;c;ZWNobyBwd25lZA==\x1b\\after')).toBe('after');
    expect(forTerminal('\x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\')).toBe('link');
    expect(forTerminal('a\x1b]2;title without end')).toBe('a');
    expect(
      forTerminal('\x1bP+q544e\x1b\\|\x1b_Gf=100;AAAA\x1b\\|\x1b^pm\x1b\\|\x1bXsos\x1b\\'),
    ).toBe('|||');
  });

  it('drops every CSI but SGR: cursor moves, clearing, modes, queries, private forms', () => {
    expect(forTerminal('\x1b[5A\x1b[2J\x1b[H\x1b[10;20H\x1b[?1049h\x1b[6n\x1b[0c\x1b[3;1t')).toBe(
      '',
    );
    expect(forTerminal('\x1b[>4;2mkeys\x1b[?25l')).toBe('keys');
    expect(forTerminal('\x1b[1 q\x1b[4$p')).toBe('');
  });

  it('drops other escapes, 8-bit C1 sequences and controls; a carriage return ends a line', () => {
    expect(forTerminal('\x1b(0\x1bc\x1b7\x1b8\x1b=x\x1b')).toBe('x');
    expect(forTerminal('\u009b2J\u009d0;title\u0007\u0090q\u009c\u0085ok')).toBe('ok');
    expect(forTerminal('bell\x07 back\x08 shift\x0e\x0f del\x7f')).toBe('bell back shift del');
    expect(forTerminal('a\r\nb')).toBe('a\nb');
    expect(forTerminal('10%\r20%\r')).toBe('10%\n20%\n');
  });
});

describe('terminalSafe', () => {
  function io(terminal: boolean) {
    const written: string[] = [];
    const base = {
      out: (text: string) => written.push(text),
      err: (text: string) => written.push(text),
      terminal: { out: terminal, err: terminal },
    } as unknown as CliIo;
    return { base, written };
  }

  it('filters only what goes to a terminal, and nothing with --raw', () => {
    const text = '\x1b]0;t\x07\x1b[31mx\x1b[0m';
    const tty = io(true);
    let raw = false;
    const safe = terminalSafe(tty.base, () => raw);
    safe.out(text);
    safe.err(text);
    raw = true;
    safe.out(text);
    const pipe = io(false);
    terminalSafe(pipe.base, () => false).out(text);
    expect(tty.written).toEqual(['\x1b[31mx\x1b[0m', '\x1b[31mx\x1b[0m', text]);
    expect(pipe.written).toEqual([text]);
  });
});

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { commaList } from '../../../src/api/call.js';

describe('commaList (lists from query strings, CLI flags and form fields)', () => {
  const states = z.preprocess(
    commaList((s) => s.toLowerCase()),
    z.array(z.enum(['failed', 'depwait'])).min(1),
  );

  it('takes repeated, comma-separated and mixed lists, trimmed, without empty items', () => {
    expect(states.parse('FAILED, depwait')).toEqual(['failed', 'depwait']);
    expect(states.parse(['failed', ' DepWait ,'])).toEqual(['failed', 'depwait']);
    expect(z.preprocess(commaList(), z.array(z.string())).parse(',a,,b ,')).toEqual(['a', 'b']);
  });

  it('leaves other values and unknown items for the schema to refuse', () => {
    expect(states.safeParse(7).success).toBe(false);
    expect(states.safeParse(',').success).toBe(false);
    const bad = states.safeParse('failed,built');
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual([1]);
  });
});

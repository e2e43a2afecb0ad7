import { describe, expect, it } from 'vitest';
import { hashPassword, randomSecret, verifyPassword } from '../../../src/shared/passwords.js';

describe('passwords', () => {
  it('verifies the right password and refuses others', async () => {
    const hash = await hashPassword('correct horse');
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct horsf', hash)).toBe(false);
    expect(await verifyPassword('correct horse', 'garbage')).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'));
  });

  it('makes URL-safe random secrets', () => {
    const a = randomSecret(18);
    expect(a).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(randomSecret(18)).not.toBe(a);
  });
});

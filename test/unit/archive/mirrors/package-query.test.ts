import { describe, expect, it } from 'vitest';
import {
  matchesQuery,
  parsePackageQuery,
  QueryError,
} from '../../../../src/archive/mirrors/package-query.js';

const pkg = (fields: Record<string, string>) => (name: string) => fields[name];
const nginx = pkg({
  Package: 'nginx',
  Version: '1.22.1-9',
  Priority: 'optional',
  Section: 'httpd',
  Architecture: 'amd64',
});
const libc = pkg({
  Package: 'libc6',
  Version: '2.36-9',
  Priority: 'required',
  Section: 'libs',
  Architecture: 'amd64',
  Essential: 'yes',
});
const matches = (query: string, fields: (name: string) => string | undefined) =>
  matchesQuery(parsePackageQuery(query), fields);

describe('package queries (aptly syntax)', () => {
  it('takes names, fields, patterns and regular expressions', () => {
    expect(matches('nginx', nginx)).toBe(true);
    expect(matches('nginx', libc)).toBe(false);
    expect(matches('Priority (required) | nginx', nginx)).toBe(true);
    expect(matches('Priority (required) | nginx', libc)).toBe(true);
    expect(matches('Name (% lib*)', libc)).toBe(false); // Name is no field of an index
    expect(matches('Package (% lib*)', libc)).toBe(true);
    expect(matches('Package (% lib?6)', libc)).toBe(true);
    expect(matches('Package (% lib*)', nginx)).toBe(false);
    expect(matches('Section (~ ^(httpd|net)$)', nginx)).toBe(true);
    expect(matches('Essential', libc)).toBe(true);
    expect(matches('Essential', nginx)).toBe(false);
    expect(matches('$Architecture (amd64)', nginx)).toBe(true);
  });

  it('compares versions as Debian versions', () => {
    expect(matches('nginx (>= 1.22)', nginx)).toBe(true);
    expect(matches('nginx (<< 1.22.1-10)', nginx)).toBe(true); // not a string comparison
    expect(matches('nginx (>> 1.22.1-9)', nginx)).toBe(false);
    expect(matches('nginx (= 1.22.1-9)', nginx)).toBe(true);
    expect(matches('Version (<= 2.36-9), Priority (required)', libc)).toBe(true);
  });

  it('binds ! tighter than , and , tighter than |', () => {
    expect(matches('!nginx', nginx)).toBe(false);
    expect(matches('!nginx, Priority (optional)', nginx)).toBe(false);
    expect(matches('libc6 | nginx, Priority (required)', nginx)).toBe(false);
    expect(matches('libc6 | nginx, Priority (optional)', nginx)).toBe(true);
    expect(matches('(libc6 | nginx), Priority (required)', nginx)).toBe(false);
    expect(matches('!(libc6 | nginx)', libc)).toBe(false);
  });

  it('says where and why a filter does not parse', () => {
    const error = (query: string) => {
      try {
        parsePackageQuery(query);
      } catch (e) {
        expect(e).toBeInstanceOf(QueryError);
        return (e as Error).message;
      }
      throw new Error(`${query} parsed`);
    };
    expect(error('nginx |')).toBe(
      'filter "nginx |": at character 8: expected a package name or a field, found the end',
    );
    expect(error('Priority (required')).toContain('at character 10: this "(" has no ")"');
    expect(error('(nginx | libc6')).toContain('at character 15: expected ")" to close the group');
    expect(error('nginx libc6')).toContain(
      'at character 7: unexpected "l"; expected "|", "," or the end',
    );
    expect(error('Section (~ [)')).toContain('at character 10: not a regular expression');
    expect(error('nginx (% ng*)')).toContain('a package name takes a version relation');
    expect(error('Priority (>= )')).toContain('at character 11: expected a value after ">="');
    expect(error('$Bogus (x)')).toContain('at character 1: unknown special field $Bogus');
  });
});

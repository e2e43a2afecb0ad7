import { InvalidInputError } from '../../shared/errors.js';

/** The pool folder of a source: `pool/<component>/<prefix>/<source>`, prefix `libx` for lib*. */
export function poolDirectory(component: string, source: string): string {
  const prefix = source.startsWith('lib') && source.length > 3 ? source.slice(0, 4) : source[0];
  return `pool/${component}/${prefix}/${source}`;
}

const SAFE_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9.+~_-]*$/;
const SOURCE_NAME = /^[a-z0-9][a-z0-9.+-]+$/;

/** Throws unless the name is a plain Debian file name (no folders, no leading dot). */
export function checkFileName(name: string): void {
  if (!SAFE_FILE_NAME.test(name) || name.includes('..')) {
    throw new InvalidInputError(
      `"${name}" is not an acceptable package file name (letters, digits and . + ~ _ - only, no folders)`,
    );
  }
}

export function checkSourceName(name: string): void {
  if (!SOURCE_NAME.test(name)) {
    throw new InvalidInputError(
      `"${name}" is not a valid source package name (lower-case letters, digits, . + -; at least 2 characters)`,
    );
  }
}

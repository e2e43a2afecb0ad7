import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { InvalidInputError, NotFoundError, type Problem } from '../shared/errors.js';

/** How the bases of one codename are made (a file in chroots/). */
export interface ChrootDefinition {
  codename: string;
  /** The apt mirror; null means the host's Debian mirror. */
  mirror: string | null;
  suites: string[];
  components: string[];
  extraPackages: string[];
  /** Absolute paths of the setup scripts, in order. */
  setupScripts: string[];
  /** Architectures allowed; null means any. */
  architectures: string[] | null;
  /** The file it came from, or null for the built-in host default. */
  file: string | null;
}

export const CODENAME_PATTERN = /^[a-z][a-z0-9-]{1,30}$/;
export const ARCHITECTURE_PATTERN = /^[a-z0-9][a-z0-9-]{1,30}$/;
const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;

const definitionSchema = z
  .object({
    codename: z.string().regex(CODENAME_PATTERN, 'must be a codename such as bookworm'),
    mirror: z
      .string()
      .regex(/^(https?|file):\/\/\S+$/, 'must be an http://, https:// or file:// URL')
      .optional(),
    suites: z.array(z.string().regex(/^[a-z0-9][a-z0-9./-]*$/, 'not a suite name')).min(1),
    components: z.array(z.string().regex(/^[a-z0-9][a-z0-9/-]*$/, 'not a component')).min(1),
    extra_packages: z.array(z.string().regex(PACKAGE_NAME, 'not a package name')),
    setup_scripts: z.array(z.string().regex(/^[\w.-]+$/, 'must be a file name in setup/')),
    architectures: z.array(z.string().regex(ARCHITECTURE_PATTERN, 'not an architecture')),
  })
  .partial({
    mirror: true,
    suites: true,
    components: true,
    extra_packages: true,
    setup_scripts: true,
    architectures: true,
  })
  .strict();

/** The script every base runs first: the build user, /build, hostname, apt settings. */
export function baseSetupScript(definitionsDir: string): string {
  return path.join(definitionsDir, 'setup', 'debyard-base.sh');
}

/**
 * Reads every `*.toml` definition in a folder. All problems of all files are listed in
 * one InvalidInputError.
 */
export function loadDefinitions(dir: string): Map<string, ChrootDefinition> {
  const definitions = new Map<string, ChrootDefinition>();
  const problems: Problem[] = [];
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.toml')) : [];
  for (const name of files.sort()) {
    const file = path.join(dir, name);
    const parsed = parseDefinition(file, dir, problems);
    if (!parsed) continue;
    if (`${parsed.codename}.toml` !== name) {
      problems.push({
        where: file,
        message: `codename "${parsed.codename}" must match the file name`,
      });
      continue;
    }
    definitions.set(parsed.codename, parsed);
  }
  if (problems.length > 0) {
    throw new InvalidInputError(`invalid chroot definitions in ${dir}`, { problems });
  }
  return definitions;
}

function parseDefinition(file: string, dir: string, problems: Problem[]): ChrootDefinition | null {
  let raw: unknown;
  try {
    raw = parseToml(readFileSync(file, 'utf8'));
  } catch (error) {
    problems.push({
      where: file,
      message: `not valid TOML: ${(error as Error).message.split('\n')[0]}`,
    });
    return null;
  }
  const result = definitionSchema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.');
      const message = issue.code === 'unrecognized_keys' ? 'unknown key' : issue.message;
      problems.push({ where: `${file}: ${key}`, message });
    }
    return null;
  }
  const data = result.data;
  const scripts = (data.setup_scripts ?? []).map((s) => path.join(dir, 'setup', s));
  for (const script of scripts) {
    if (!existsSync(script))
      problems.push({ where: file, message: `setup script ${script} does not exist` });
  }
  return {
    codename: data.codename,
    mirror: data.mirror ?? null,
    suites: data.suites ?? [data.codename],
    components: data.components ?? ['main'],
    extraPackages: data.extra_packages ?? [],
    setupScripts: [baseSetupScript(dir), ...scripts],
    architectures: data.architectures ?? null,
    file,
  };
}

/**
 * The definition for a codename and architecture: its file, or for the host's own
 * codename a built-in default (host mirror, main, the codename's suite).
 */
export function resolveDefinition(
  definitions: ReadonlyMap<string, ChrootDefinition>,
  codename: string,
  architecture: string,
  host: { codename: string; definitionsDir: string },
): ChrootDefinition {
  const definition =
    definitions.get(codename) ??
    (codename === host.codename
      ? {
          codename,
          mirror: null,
          suites: [codename],
          components: ['main'],
          extraPackages: [],
          setupScripts: [baseSetupScript(host.definitionsDir)],
          architectures: null,
          file: null,
        }
      : undefined);
  if (!definition) {
    const known = [...definitions.keys()].join(', ') || 'none';
    throw new NotFoundError(
      `there is no chroot definition for codename "${codename}" (known: ${known}); add ${codename}.toml to ${host.definitionsDir}`,
    );
  }
  if (definition.architectures && !definition.architectures.includes(architecture)) {
    throw new InvalidInputError(
      `chroot ${codename} is defined for ${definition.architectures.join(', ')} only, not for ${architecture}`,
    );
  }
  return definition;
}

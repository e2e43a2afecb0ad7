import { UnavailableError } from '../shared/errors.js';

/**
 * Foreign architectures by emulation: an arm64 chroot on an amd64 host runs its programs
 * through qemu-user, which the kernel starts for every foreign ELF binary by the
 * binfmt_misc handler qemu-user-static registers (`qemu-aarch64`).
 *
 * Builds run in a sandbox whose root is the chroot (sandbox.ts: pivot_root, the host's
 * tree detached), so the interpreter's host path (/usr/libexec/qemu-binfmt/…) is not
 * there when the kernel looks for it. The handler's F (fix-binary) flag makes the kernel
 * open the interpreter once, when the handler is registered, and use that open file for
 * every later exec in any mount namespace: builds need nothing of qemu inside the chroot.
 * qemu-user-static's handlers carry F (flags OPF); a handler without it is refused with
 * the reason. The handlers of the host's binfmt_misc also apply in user namespaces (the
 * sandbox mounts no binfmt_misc of its own), and without the C flag a foreign setuid
 * program gains nothing (the sandbox sets no_new_privs anyway).
 */

/** The qemu-user target (the handler `qemu-<target>`) that runs a Debian architecture. */
const QEMU_TARGETS: Readonly<Record<string, string>> = {
  amd64: 'x86_64',
  arm64: 'aarch64',
  armel: 'arm',
  armhf: 'arm',
  i386: 'i386',
  loong64: 'loongarch64',
  mips64el: 'mips64el',
  mipsel: 'mipsel',
  ppc64: 'ppc64',
  ppc64el: 'ppc64le',
  riscv64: 'riscv64',
  s390x: 's390x',
  alpha: 'alpha',
  hppa: 'hppa',
  m68k: 'm68k',
  powerpc: 'ppc',
  sh4: 'sh4',
  sparc64: 'sparc64',
};

/** Architectures a host runs without emulation besides its own. */
const COMPANIONS: Readonly<Record<string, readonly string[]>> = { amd64: ['i386'] };

/** The architectures a host of `hostArchitecture` builds natively. */
export function nativeArchitectures(hostArchitecture: string): string[] {
  return [hostArchitecture, ...(COMPANIONS[hostArchitecture] ?? [])];
}

/** One registered binfmt_misc handler, as /proc/sys/fs/binfmt_misc/<name> shows it. */
export interface BinfmtHandler {
  enabled: boolean;
  interpreter: string;
  flags: string;
}

/** The host's binfmt_misc (binfmt-system.ts on /proc; fakes in tests). */
export interface BinfmtSystem {
  /** Where binfmt_misc is (is to be) mounted, for messages. */
  readonly dir: string;
  /** Whether binfmt_misc is mounted there (its register file exists). */
  mounted(): Promise<boolean>;
  mount(): Promise<void>;
  handler(name: string): Promise<BinfmtHandler | null>;
  /** The registration line the installed qemu-user-static ships for a handler, or null. */
  registration(name: string): Promise<string | null>;
  register(line: string): Promise<void>;
  enable(name: string): Promise<void>;
}

/** How a host builds for an architecture. */
export type EmulationMode =
  { native: true } | { native: false; handler: string; interpreter: string };

/** Reads a handler file: "enabled", "interpreter /path", "flags: OPF", … */
export function parseHandler(text: string): BinfmtHandler {
  const lines = text.split('\n').map((l) => l.trim());
  const interpreter = lines.find((l) => l.startsWith('interpreter '))?.slice(12) ?? '';
  const flags =
    lines
      .find((l) => l.startsWith('flags:'))
      ?.slice(6)
      .trim() ?? '';
  return { enabled: lines[0] === 'enabled', interpreter, flags };
}

/**
 * Makes sure this host can run programs of `architecture`: native ones need nothing; a
 * foreign one needs binfmt_misc mounted (mounted here if it is not) and qemu's handler
 * registered (from qemu-user-static's binfmt.d file if it is not) and enabled, with the
 * F flag. Throws UnavailableError saying what is missing and how to add it.
 */
export async function prepareEmulation(
  architecture: string,
  hostArchitecture: string,
  system: BinfmtSystem,
  note: (text: string) => void = () => {},
): Promise<EmulationMode> {
  if (nativeArchitectures(hostArchitecture).includes(architecture)) return { native: true };
  const target = QEMU_TARGETS[architecture];
  if (!target) {
    throw new UnavailableError(
      `this ${hostArchitecture} host cannot build for ${architecture}: qemu-user has no emulator for it; build it on a native peer`,
    );
  }
  const name = `qemu-${target}`;
  if (!(await system.mounted())) {
    note(`mounting binfmt_misc on ${system.dir}`);
    try {
      await system.mount();
    } catch (error) {
      throw new UnavailableError(
        `cannot emulate ${architecture}: binfmt_misc is not mounted on ${system.dir} and mounting it failed (${(error as Error).message}); mount it (mount -t binfmt_misc binfmt_misc ${system.dir}) or load the kernel module binfmt_misc`,
        { cause: error },
      );
    }
  }
  let handler = await system.handler(name);
  if (!handler) {
    const line = await system.registration(name);
    if (!line) {
      throw new UnavailableError(
        `cannot emulate ${architecture}: no binfmt_misc handler ${name} is registered and qemu-user-static is not installed to register one (apt-get install qemu-user-static binfmt-support)`,
      );
    }
    note(`registering the binfmt_misc handler ${name}`);
    try {
      await system.register(line);
    } catch (error) {
      throw new UnavailableError(
        `cannot emulate ${architecture}: registering the binfmt_misc handler ${name} failed (${(error as Error).message})`,
        { cause: error },
      );
    }
    handler = await system.handler(name);
    if (!handler) {
      throw new UnavailableError(
        `cannot emulate ${architecture}: the binfmt_misc handler ${name} is not there after registering it`,
      );
    }
  }
  if (!handler.flags.includes('F')) {
    throw new UnavailableError(
      `cannot emulate ${architecture}: the binfmt_misc handler ${name} lacks the F (fix-binary) flag, so builds in the sandbox cannot reach its interpreter ${handler.interpreter}; remove it (echo -1 > ${system.dir}/${name}) and the daemon registers qemu-user-static's, which has F`,
    );
  }
  if (!handler.enabled) {
    note(`enabling the binfmt_misc handler ${name}`);
    await system.enable(name);
  }
  return { native: false, handler: name, interpreter: handler.interpreter };
}

/** Prepares this host to run an architecture's programs (see prepareEmulation). */
export interface Emulator {
  readonly hostArchitecture: string;
  prepare(architecture: string, note?: (text: string) => void): Promise<EmulationMode>;
}

export function emulator(hostArchitecture: string, system: BinfmtSystem): Emulator {
  return {
    hostArchitecture,
    prepare: (architecture, note) => prepareEmulation(architecture, hostArchitecture, system, note),
  };
}

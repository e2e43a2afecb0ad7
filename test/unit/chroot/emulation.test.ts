import { describe, expect, it } from 'vitest';
import {
  nativeArchitectures,
  parseHandler,
  prepareEmulation,
  type BinfmtHandler,
  type BinfmtSystem,
} from '../../../src/chroot/emulation.js';

const QEMU_AARCH64 =
  ':qemu-aarch64:M::\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00:\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00:/usr/libexec/qemu-binfmt/aarch64-binfmt-P:OPF';

/** binfmt_misc in memory: what is mounted and registered, and what was done to it. */
function fakeBinfmt(
  state: {
    mounted?: boolean;
    handlers?: Record<string, BinfmtHandler>;
    shipped?: Record<string, string>;
    mountFails?: string;
  } = {},
) {
  const handlers = new Map(Object.entries(state.handlers ?? {}));
  const done: string[] = [];
  let mounted = state.mounted ?? true;
  const system: BinfmtSystem = {
    dir: '/proc/sys/fs/binfmt_misc',
    mounted: () => Promise.resolve(mounted),
    mount: () => {
      if (state.mountFails) return Promise.reject(new Error(state.mountFails));
      done.push('mount');
      mounted = true;
      return Promise.resolve();
    },
    handler: (name) => Promise.resolve(mounted ? (handlers.get(name) ?? null) : null),
    registration: (name) => Promise.resolve(state.shipped?.[name] ?? null),
    register: (line) => {
      const [, name, , , , , interpreter, flags] = line.split(':');
      handlers.set(name!, { enabled: true, interpreter: interpreter!, flags: flags! });
      done.push(`register ${name}`);
      return Promise.resolve();
    },
    enable: (name) => {
      handlers.get(name)!.enabled = true;
      done.push(`enable ${name}`);
      return Promise.resolve();
    },
  };
  return { system, done };
}

describe('emulation of foreign architectures', () => {
  it('needs nothing for the host architecture and the ones it runs natively', async () => {
    const { system, done } = fakeBinfmt({ mounted: false });
    expect(await prepareEmulation('amd64', 'amd64', system)).toEqual({ native: true });
    expect(await prepareEmulation('i386', 'amd64', system)).toEqual({ native: true });
    expect(nativeArchitectures('arm64')).toEqual(['arm64']);
    expect(done).toEqual([]);
  });

  it('mounts binfmt_misc and registers qemu-user-static’s handler when they are missing', async () => {
    const { system, done } = fakeBinfmt({
      mounted: false,
      shipped: { 'qemu-aarch64': QEMU_AARCH64 },
    });
    const notes: string[] = [];
    const mode = await prepareEmulation('arm64', 'amd64', system, (t) => notes.push(t));
    expect(mode).toEqual({
      native: false,
      handler: 'qemu-aarch64',
      interpreter: '/usr/libexec/qemu-binfmt/aarch64-binfmt-P',
    });
    expect(done).toEqual(['mount', 'register qemu-aarch64']);
    expect(notes).toEqual([
      'mounting binfmt_misc on /proc/sys/fs/binfmt_misc',
      'registering the binfmt_misc handler qemu-aarch64',
    ]);
  });

  it('uses a registered handler as it is, enabling it when disabled', async () => {
    const handler = { enabled: false, interpreter: '/usr/bin/qemu-aarch64-static', flags: 'F' };
    const { system, done } = fakeBinfmt({ handlers: { 'qemu-aarch64': handler } });
    await prepareEmulation('arm64', 'amd64', system);
    expect(done).toEqual(['enable qemu-aarch64']);
  });

  it('says plainly what is missing', async () => {
    const cases: [Parameters<typeof fakeBinfmt>[0], string, RegExp][] = [
      [{}, 'arm64', /no binfmt_misc handler qemu-aarch64 .*apt-get install qemu-user-static/],
      [
        { mounted: false, mountFails: 'permission denied' },
        'arm64',
        /binfmt_misc is not mounted on \/proc\/sys\/fs\/binfmt_misc and mounting it failed \(permission denied\)/,
      ],
      [
        {
          handlers: { 'qemu-aarch64': { enabled: true, interpreter: '/usr/bin/qemu', flags: 'P' } },
        },
        'arm64',
        /lacks the F \(fix-binary\) flag, so builds in the sandbox cannot reach its interpreter \/usr\/bin\/qemu/,
      ],
      [{}, 'ia64', /this amd64 host cannot build for ia64: qemu-user has no emulator for it/],
    ];
    for (const [state, architecture, message] of cases) {
      const { system } = fakeBinfmt(state);
      await expect(prepareEmulation(architecture, 'amd64', system)).rejects.toMatchObject({
        code: 'unavailable',
        message: expect.stringMatching(message) as unknown,
      });
    }
  });

  it('reads the kernel’s view of a handler', () => {
    const text =
      'enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: POF\noffset 0\nmagic 7f454c46\n';
    expect(parseHandler(text)).toEqual({
      enabled: true,
      interpreter: '/usr/libexec/qemu-binfmt/aarch64-binfmt-P',
      flags: 'POF',
    });
    expect(parseHandler('disabled\ninterpreter /x\nflags: \n').enabled).toBe(false);
  });
});

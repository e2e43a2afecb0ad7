import { describe, expect, it } from 'vitest';
import { syscallNumbers } from '../../../src/chroot/sandbox-script.js';

describe('the sandbox scripts', () => {
  it('get the system call numbers of the host (mount, umount2, pivot_root, sethostname)', () => {
    // From the kernel's tables: arch/x86/entry/syscalls/syscall_64.tbl and asm-generic/unistd.h.
    expect(syscallNumbers('x64')).toEqual(['165', '166', '155', '170']);
    expect(syscallNumbers('arm64')).toEqual(['40', '39', '41', '161']);
  });

  it('refuses a host whose numbers it does not know, naming it', () => {
    expect(() => syscallNumbers('s390x')).toThrow(/x64, arm64.*not on s390x/);
  });
});

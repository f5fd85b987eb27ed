import { describe, expect, it } from 'vitest';
import { REFUSED_SYSCALLS, sandboxSeccompProfile, seccompSecurityOption } from '../../../src/sandboxes/docker/seccomp-profile.ts';

describe('the sandbox seccomp profile', () => {
  const profile = sandboxSeccompProfile();
  const allowed = new Set(profile.syscalls.filter((rule) => rule.action === 'SCMP_ACT_ALLOW').flatMap((rule) => rule.names));

  it('refuses by default with EPERM and allows the usual system calls', () => {
    expect(profile.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(profile.defaultErrnoRet).toBe(1);
    for (const name of ['read', 'write', 'openat', 'mmap', 'execve', 'wait4', 'pipe2', 'prlimit64', 'pidfd_open', 'close_range']) {
      expect(allowed.has(name), name).toBe(true);
    }
  });

  it('never allows io_uring and refuses it explicitly', () => {
    for (const name of REFUSED_SYSCALLS) expect(allowed.has(name), name).toBe(false);
    const refusal = profile.syscalls.find((rule) => rule.names.includes('io_uring_setup'));
    expect(refusal).toEqual({ names: ['io_uring_setup', 'io_uring_enter', 'io_uring_register'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 });
  });

  it("keeps Docker's rules for a container without capabilities", () => {
    for (const name of ['mount', 'unshare', 'setns', 'keyctl', 'add_key', 'bpf', 'perf_event_open', 'kexec_load', 'init_module', 'reboot']) {
      expect(allowed.has(name), name).toBe(false);
    }
    expect(profile.syscalls.find((rule) => rule.names.includes('clone3'))).toMatchObject({ action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
    const clone = profile.syscalls.find((rule) => rule.names.includes('clone') && rule.args?.[0]?.index === 0);
    expect(clone?.args).toEqual([{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }]);
  });

  it('is passed to Docker as seccomp=<JSON>', () => {
    const option = seccompSecurityOption();
    expect(option.startsWith('seccomp=')).toBe(true);
    expect(JSON.parse(option.slice('seccomp='.length))).toEqual(profile);
  });
});

/*
 * Runs a command as vipctl-agent@.service confines the agent, by the two settings a JVM could trip over:
 * SystemCallFilter=@system-service with SystemCallErrorNumber=EPERM (a call outside the set fails with EPERM), and
 * RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_PACKET (socket() of another family fails with EAFNOSUPPORT), as
 * systemd.exec(5) describes them. ALLOWED.h, written by the test from `systemd-analyze syscall-filter`, lists the
 * set's calls as __NR_ numbers (linux/unistd.h). x86-64 only; another architecture is refused at once.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static const unsigned allowed[] = {
#include "ALLOWED.h"
};

#define COUNT (sizeof allowed / sizeof allowed[0])
#define STATEMENT(code, k) ((struct sock_filter) BPF_STMT(code, k))
#define JUMP(code, k, yes, no) ((struct sock_filter) BPF_JUMP(code, k, yes, no))

int main(int argc, char **argv) {
    static struct sock_filter program[2 * COUNT + 16];
    size_t n = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: unit-sandbox COMMAND [ARGUMENT...]\n");
        return 2;
    }
    program[n++] = STATEMENT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
    program[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
    program[n++] = STATEMENT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
    program[n++] = STATEMENT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
    /* socket(domain, ...): the three families pass, any other is EAFNOSUPPORT. */
    program[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 6);
    program[n++] = STATEMENT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]));
    program[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 3, 0);
    program[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_NETLINK, 2, 0);
    program[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_PACKET, 1, 0);
    program[n++] = STATEMENT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EAFNOSUPPORT);
    program[n++] = STATEMENT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    /* Every other call: allowed when listed (a compare and a return each: BPF jumps reach 255 ahead at most). */
    for (size_t i = 0; i < COUNT; i++) {
        program[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, allowed[i], 0, 1);
        program[n++] = STATEMENT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    }
    program[n++] = STATEMENT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
    struct sock_fprog filter = {(unsigned short) n, program};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &filter) != 0) {
        perror("unit-sandbox: seccomp");
        return 125;
    }
    execvp(argv[1], argv + 1);
    perror("unit-sandbox: exec");
    return 127;
}

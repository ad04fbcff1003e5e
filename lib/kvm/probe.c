// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The probe guest: a real-mode program that walks a table of MSRs and,
 * for each, executes RDMSR, then WRMSR of the value just read, recording
 * which of them raised #GP; and the host side that runs it, answers its
 * userspace MSR exits and classifies every access.
 *
 * Why real mode: the guest runs emulated on our hosts (live-kvm-notes.md
 * §3.3, §4.1, at the same cost per instruction in every mode), real mode
 * needs no descriptor tables or page tables, delivers #GP through the IVT
 * and returns with IRET (32-bit protected-mode IRET is not emulated there,
 * §4.2). RDMSR/WRMSR work at real-mode CPL 0 like anywhere else.
 *
 * Guest physical memory (128 KiB, one slot):
 *
 *	0x00000  IVT: vector 13 (#GP) -> 0000:GP_HANDLER, others -> stubs
 *	0x00400  256 stubs of 8 bytes: mov al, VECTOR; out 0xf0, al; hlt
 *	0x01000  the probe loop (CODE), then the #GP handler (GP_HANDLER)
 *	0x08000  top of the stack (SS = 0)
 *	0x10000  the table (DS = 0x1000): BATCH entries of 16 bytes
 *	0x1fffe  (DS:0xfffe) the table's size in bytes, written by the host
 *
 * A table entry (all little-endian):
 *
 *	+0   u32  MSR index                                (host -> guest)
 *	+4   u32  EAX after RDMSR (0 when it faulted)      (guest -> host)
 *	+8   u32  EDX after RDMSR
 *	+12  u8   1: RDMSR raised #GP                      (guest -> host)
 *	+14  u8   1: WRMSR raised #GP
 *
 * The loop costs 10 instructions per MSR, 5 per access, because every
 * emulated instruction counts. Only userspace MSR exits and the one `out`
 * per batch leave the kernel, so a batch of BATCH MSRs is one return to
 * userspace plus one per exit (docs/benchmarks.md, "verify", has the
 * figures). The host writes a batch, sets the size word and resumes the
 * guest, which is parked on its `out 0xf1` and jumps back to the start.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "kvm_internal.h"
#include "util/error.h"
#include "util/opts.h"

_Static_assert(sizeof(struct kvm_msrs) % 8 == 0 && sizeof(struct kvm_msr_entry) % 8 == 0,
	       "kvm_msrs in whole words");

#define IVT 0x0000u
#define STUBS 0x0400u
#define STUB_SIZE 8u
#define CODE 0x1000u
#define STACK_TOP 0x8000u
#define TABLE_SEG 0x1000u
#define TABLE (TABLE_SEG << 4)
#define TABLE_SIZE_WORD 0xfffeu /* DS-relative */
#define ENTRY 16u
#define BATCH 2048u /* 2048 * 16 = 0x8000 bytes, well inside the segment */

#define PORT_UNEXPECTED 0xf0u /* AL = vector of an unexpected exception */
#define PORT_DONE 0xf1u	      /* the table is done */

/* Addresses inside the code below. */
#define RDMSR_IP (CODE + 0x0f) /* the RDMSR; the WRMSR follows at +2 */
#define GP_HANDLER (CODE + 0x30)

/*
 * The probe loop, 16-bit code at CODE (0000:1000), DS = TABLE_SEG.
 */
static const uint8_t probe_code[] = {
	/* 1000 start: */
	0x31, 0xf6,		      /* xor  si, si                   */
	0x8b, 0x3e, 0xfe, 0xff,	      /* mov  di, [0xfffe]  ; end      */
	/* 1006 next: */
	0x66, 0x8b, 0x0c,	      /* mov  ecx, [si]     ; the MSR  */
	0x66, 0x31, 0xc0,	      /* xor  eax, eax                 */
	0x66, 0x31, 0xd2,	      /* xor  edx, edx                 */
	/* 100f (RDMSR_IP): */
	0x0f, 0x32,		      /* rdmsr          ; #GP: [si+12] */
	/* 1011: */
	0x0f, 0x30,		      /* wrmsr          ; #GP: [si+14] */
	/* 1013: */
	0x66, 0x89, 0x44, 0x04,	      /* mov  [si+4], eax              */
	0x66, 0x89, 0x54, 0x08,	      /* mov  [si+8], edx              */
	0x83, 0xc6, 0x10,	      /* add  si, 16                   */
	0x39, 0xfe,		      /* cmp  si, di                   */
	0x72, 0xe4,		      /* jb   next (1006)              */
	/* 1022: */
	0xe6, PORT_DONE,	      /* out  0xf1, al      ; done     */
	0xeb, 0xda,		      /* jmp  start (1000)             */
};

/*
 * The #GP handler at GP_HANDLER (0000:1030). Real mode pushes FLAGS, CS,
 * IP and no error code. A fault on the RDMSR or WRMSR of the loop (saved
 * IP = RDMSR_IP or RDMSR_IP + 2) sets byte [si + 12 + (IP - RDMSR_IP)] of
 * the current entry and resumes past the 2-byte instruction; a #GP
 * anywhere else is reported like any unexpected exception.
 */
static const uint8_t gp_handler[] = {
	/* 1030: */
	0x55,			      /* push bp                       */
	0x89, 0xe5,		      /* mov  bp, sp                   */
	0x53,			      /* push bx                       */
	0x8b, 0x5e, 0x02,	      /* mov  bx, [bp+2]    ; saved IP */
	0x81, 0xeb, RDMSR_IP & 0xff, RDMSR_IP >> 8,
				      /* sub  bx, RDMSR_IP  ; 0 or 2   */
	0x83, 0xfb, 0x02,	      /* cmp  bx, 2                    */
	0x77, 0x0b,		      /* ja   bad (104b)               */
	0xc6, 0x40, 0x0c, 0x01,	      /* mov  byte [bx+si+12], 1       */
	0x83, 0x46, 0x02, 0x02,	      /* add  word [bp+2], 2 ; skip it */
	0x5b,			      /* pop  bx                       */
	0x5d,			      /* pop  bp                       */
	0xcf,			      /* iret                          */
	/* 104b bad: (the faulting IP is at [sp+4]) */
	0xb0, 0x0d,		      /* mov  al, 13                   */
	0xe6, PORT_UNEXPECTED,	      /* out  0xf0, al                 */
	0xf4,			      /* hlt                           */
	0xeb, 0xfd,		      /* jmp  $-3 (hlt)                */
};

_Static_assert(sizeof(probe_code) == 0x26, "probe loop layout");
_Static_assert(GP_HANDLER >= CODE + sizeof(probe_code), "handler after the loop");
_Static_assert(sizeof(gp_handler) == 0x22, "handler layout");
_Static_assert(BATCH * ENTRY <= TABLE_SIZE_WORD, "table inside the segment");
_Static_assert(TABLE + 0x10000 <= MT_GUEST_MEM, "table inside memory");

/* An unexpected exception (stub at STUBS + 8 * vector; faulting IP at [sp]). */
static void put_stub(uint8_t *p, unsigned int vector)
{
	p[0] = 0xb0; /* mov al, vector */
	p[1] = (uint8_t)vector;
	p[2] = 0xe6; /* out 0xf0, al */
	p[3] = PORT_UNEXPECTED;
	p[4] = 0xf4; /* hlt */
	p[5] = 0xeb; /* jmp $-3 */
	p[6] = 0xfd;
}

static void real_mode_segment(struct kvm_segment *s, uint16_t selector)
{
	s->selector = selector;
	s->base = (uint64_t)selector << 4;
	s->limit = 0xffff;
}

/* Put the vCPU at the start of the loop, completing any pending exit. */
static int reset_vcpu(struct msrtrap_kvm_vm *kvm, struct msrtrap_error *diag)
{
	struct kvm_regs regs;
	int r;

	/*
	 * KVM_RUN with immediate_exit completes what the last exit left
	 * pending (an MSR or I/O exit) and returns -EINTR at once, so that
	 * the registers set below are not changed behind our back.
	 */
	kvm->run->immediate_exit = 1;
	r = ioctl(kvm->vcpu_fd, KVM_RUN, NULL);
	kvm->run->immediate_exit = 0;
	if (r == 0 || errno != EINTR)
		return mt_error_set(diag, r ? -errno : -EPROTO, "KVM_RUN",
				    "immediate exit: %s",
				    r ? strerror(errno) : "the guest ran");
	memset(&regs, 0, sizeof(regs));
	regs.rip = CODE;
	regs.rsp = STACK_TOP;
	regs.rflags = 0x2;
	if (ioctl(kvm->vcpu_fd, KVM_SET_REGS, &regs) < 0)
		return mt_error_set(diag, -errno, "KVM_SET_REGS", "%s",
				    strerror(errno));
	kvm->need_reset = false;
	return 0;
}

/*
 * Write the guest into memory and put the vCPU in real mode at its start.
 * Done on the first msrtrap_kvm_probe(), not by msrtrap_kvm_open(): the
 * VM object knows nothing of the guest that runs in it.
 */
static int load_guest(struct msrtrap_kvm_vm *kvm, struct msrtrap_error *diag)
{
	struct kvm_sregs sregs;
	uint8_t *m = kvm->mem;

	memset(m, 0, MT_GUEST_MEM);
	for (unsigned int v = 0; v < 256; v++) {
		uint16_t ip = v == 13 ? GP_HANDLER : (uint16_t)(STUBS + v * STUB_SIZE);

		put_stub(m + STUBS + (size_t)v * STUB_SIZE, v);
		m[IVT + 4 * v] = (uint8_t)ip; /* offset, then segment 0 */
		m[IVT + 4 * v + 1] = (uint8_t)(ip >> 8);
	}
	memcpy(m + CODE, probe_code, sizeof(probe_code));
	memcpy(m + GP_HANDLER, gp_handler, sizeof(gp_handler));

	if (ioctl(kvm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return mt_error_set(diag, -errno, "KVM_GET_SREGS", "%s",
				    strerror(errno));
	real_mode_segment(&sregs.cs, 0);
	real_mode_segment(&sregs.ss, 0);
	real_mode_segment(&sregs.ds, TABLE_SEG);
	real_mode_segment(&sregs.es, TABLE_SEG);
	real_mode_segment(&sregs.fs, 0);
	real_mode_segment(&sregs.gs, 0);
	sregs.idt.base = IVT;
	sregs.idt.limit = 0x3ff;
	sregs.cr0 &= ~1ull; /* PE off */
	if (ioctl(kvm->vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		return mt_error_set(diag, -errno, "KVM_SET_SREGS", "%s",
				    strerror(errno));
	kvm->loaded = true;
	kvm->need_reset = true;
	return reset_vcpu(kvm, diag);
}

const char *msrtrap_probe_outcome_name(enum msrtrap_probe_outcome o)
{
	switch (o) {
	case MSRTRAP_PROBE_NONE:
		return "none";
	case MSRTRAP_PROBE_KERNEL:
		return "kernel";
	case MSRTRAP_PROBE_GP:
		return "#GP";
	case MSRTRAP_PROBE_FILTERED:
		return "filtered";
	case MSRTRAP_PROBE_EXIT:
		return "exit";
	}
	return NULL;
}

/* Host-initiated KVM_GET_MSRS (never filtered, invariant 31). */
static bool host_read_msr(struct msrtrap_kvm_vm *kvm, uint32_t index, uint64_t *value)
{
	/* struct kvm_msrs with room for one entry (8-byte aligned) */
	uint64_t buf[(sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)) / 8];
	struct kvm_msrs *msrs = (struct kvm_msrs *)buf;

	memset(buf, 0, sizeof(buf));
	msrs->nmsrs = 1;
	msrs->entries[0].index = index;
	if (ioctl(kvm->vcpu_fd, KVM_GET_MSRS, msrs) != 1)
		return false;
	*value = msrs->entries[0].data;
	return true;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

struct batch {
	struct msrtrap_kvm_vm *kvm;
	struct msrtrap_probe *p; /* the batch's first probe */
	size_t n;
	size_t cursor; /* entry of the last MSR exit */
	const struct msrtrap_probe_opts *opts;
	struct msrtrap_probe_stats *stats;
};

/*
 * A userspace MSR exit. The guest walks the table in order, RDMSR before
 * WRMSR, so the exit belongs to the first entry at or after the last
 * exit's whose MSR matches and whose access has not exited yet (with
 * repeated MSRs this is still right: under one filter every copy of an
 * MSR exits the same way).
 */
static int msr_exit(struct batch *b, struct msrtrap_error *diag)
{
	struct kvm_run *run = b->kvm->run;
	bool read = run->exit_reason == KVM_EXIT_X86_RDMSR;
	struct msrtrap_kvm_msr_exit e;
	struct msrtrap_probe_access *a = NULL;
	uint64_t data = 0;
	uint8_t error;
	size_t j;

	for (j = b->cursor; j < b->n; j++) {
		a = read ? &b->p[j].read : &b->p[j].write;
		if (b->p[j].msr == run->msr.index && a->outcome == MSRTRAP_PROBE_NONE)
			break;
	}
	if (j == b->n)
		return mt_error_set(diag, -EPROTO, "KVM_RUN",
				    "%s exit for MSR 0x%x, which the table does not hold at this point",
				    read ? "RDMSR" : "WRMSR", run->msr.index);
	b->cursor = j;
	b->stats->msr_exits++;
	a->outcome = run->msr.reason == KVM_MSR_EXIT_REASON_FILTER ?
			     MSRTRAP_PROBE_FILTERED : MSRTRAP_PROBE_EXIT;
	a->reason = run->msr.reason;
	if (!read)
		a->value = run->msr.data;

	/* the default answer: what the kernel would have done unfiltered */
	if (run->msr.reason == KVM_MSR_EXIT_REASON_FILTER) {
		error = 0;
		if (read && !host_read_msr(b->kvm, run->msr.index, &data))
			data = 0;
	} else {
		error = 1;
	}
	if (OPTS_GET(b->opts, on_exit, NULL)) {
		int err;

		memset(&e, 0, sizeof(e));
		e.access = read ? MSRTRAP_READ : MSRTRAP_WRITE;
		e.exit_reason = run->exit_reason;
		e.reason = run->msr.reason;
		e.index = run->msr.index;
		e.error = run->msr.error;
		memcpy(e.pad, run->msr.pad, sizeof(e.pad));
		e.data = run->msr.data;
		err = b->opts->on_exit(OPTS_GET(b->opts, ctx, NULL), &e, &error,
				       &data);
		if (err)
			return mt_error_set(diag, err, "MSR exit",
					    "the answer failed: %s",
					    strerror(-err));
	}
	run->msr.error = error;
	if (read)
		run->msr.data = data;
	return 0;
}

/* An exception the guest should never take: which, and where. */
static int unexpected(struct msrtrap_kvm_vm *kvm, struct msrtrap_error *diag)
{
	struct kvm_run *run = kvm->run;
	unsigned int vector = ((uint8_t *)run)[run->io.data_offset];
	struct kvm_regs regs;
	uint32_t sp, ip = 0;

	if (ioctl(kvm->vcpu_fd, KVM_GET_REGS, &regs) == 0) {
		/* the #GP handler pushed bp and bx before bailing out */
		sp = (uint32_t)(regs.rsp & 0xffff) + (vector == 13 ? 4 : 0);
		if (sp + 2 <= MT_GUEST_MEM)
			ip = kvm->mem[sp] | (uint32_t)kvm->mem[sp + 1] << 8;
	}
	return mt_error_set(diag, -EIO, "probe guest",
			    "unexpected exception %u at 0000:%04x", vector, ip);
}

static int bad_exit(struct msrtrap_kvm_vm *kvm, struct msrtrap_error *diag)
{
	struct kvm_run *run = kvm->run;

	switch (run->exit_reason) {
	case KVM_EXIT_SHUTDOWN:
		mt_error_set(diag, -EIO, "KVM_RUN",
			     "the guest shut down (triple fault)");
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		mt_error_set(diag, -EIO, "KVM_RUN",
			     "internal error, suberror %u",
			     run->internal.suberror);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		mt_error_set(diag, -EIO, "KVM_RUN",
			     "entry failed, reason 0x%llx",
			     (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	default:
		mt_error_set(diag, -EIO, "KVM_RUN", "unexpected exit reason %u",
			     run->exit_reason);
		break;
	}
	return -EIO;
}

/*
 * KVM_RUN until it returns for the guest's sake. A signal interrupts it
 * (-EINTR, or an exit with KVM_EXIT_INTR): the caller's cancelled() says
 * whether that was its timeout; any other signal, a SIGSTOP/SIGCONT
 * above all, just costs a restart, which resumes the guest where it was.
 */
static int run_vcpu(struct batch *b, struct msrtrap_error *diag)
{
	bool (*cancelled)(void *ctx) = OPTS_GET(b->opts, cancelled, NULL);
	struct msrtrap_kvm_vm *kvm = b->kvm;
	int err;

	for (;;) {
		b->stats->runs++;
		if (ioctl(kvm->vcpu_fd, KVM_RUN, NULL) < 0)
			err = -errno;
		else if (kvm->run->exit_reason == KVM_EXIT_INTR)
			err = -EINTR;
		else
			return 0;
		if (err != -EINTR)
			return mt_error_set(diag, err, "KVM_RUN", "%s",
					    strerror(-err));
		if (!cancelled || cancelled(OPTS_GET(b->opts, ctx, NULL)))
			return mt_error_set(diag, -EINTR, "KVM_RUN",
					    "interrupted by a signal");
	}
}

static int run_batch(struct batch *b, struct msrtrap_error *diag)
{
	struct msrtrap_kvm_vm *kvm = b->kvm;
	struct kvm_run *run = kvm->run;
	uint8_t *t = kvm->mem + TABLE;
	int err;

	for (size_t j = 0; j < b->n; j++) {
		memset(t + j * ENTRY, 0, ENTRY);
		put32(t + j * ENTRY, b->p[j].msr);
	}
	t[TABLE_SIZE_WORD] = (uint8_t)(b->n * ENTRY);
	t[TABLE_SIZE_WORD + 1] = (uint8_t)((b->n * ENTRY) >> 8);
	b->cursor = 0;

	for (;;) {
		err = run_vcpu(b, diag);
		if (err)
			return err;
		switch (run->exit_reason) {
		case KVM_EXIT_X86_RDMSR:
		case KVM_EXIT_X86_WRMSR:
			err = msr_exit(b, diag);
			if (err)
				return err;
			continue;
		case KVM_EXIT_IO:
			if (run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 1)
				break;
			if (run->io.port == PORT_DONE)
				goto done;
			if (run->io.port == PORT_UNEXPECTED)
				return unexpected(kvm, diag);
			break;
		}
		return bad_exit(kvm, diag);
	}
done:
	b->stats->batches++;
	for (size_t j = 0; j < b->n; j++) {
		const uint8_t *e = t + j * ENTRY;
		struct msrtrap_probe *p = &b->p[j];
		uint64_t value = get32(e + 4) | (uint64_t)get32(e + 8) << 32;

		p->read.gp = e[12];
		p->write.gp = e[14];
		p->read.value = value;
		if (p->read.outcome == MSRTRAP_PROBE_NONE)
			p->read.outcome = e[12] ? MSRTRAP_PROBE_GP : MSRTRAP_PROBE_KERNEL;
		if (p->write.outcome == MSRTRAP_PROBE_NONE) {
			p->write.outcome = e[14] ? MSRTRAP_PROBE_GP : MSRTRAP_PROBE_KERNEL;
			p->write.value = value;
		}
	}
	return 0;
}

static int probe_all(struct msrtrap_kvm_vm *kvm, struct msrtrap_probe *probes,
		     size_t n, const struct msrtrap_probe_opts *opts,
		     struct msrtrap_probe_stats *stats, struct msrtrap_error *diag)
{
	void (*progress)(void *ctx, size_t done, size_t total);
	struct batch b;
	int err = 0;

	if (!kvm || (!probes && n) || !OPTS_VALID(opts, msrtrap_probe_opts))
		return -EINVAL;
	progress = OPTS_GET(opts, progress, NULL);
	for (size_t i = 0; i < n; i++) {
		memset(&probes[i].read, 0, sizeof(probes[i].read));
		memset(&probes[i].write, 0, sizeof(probes[i].write));
	}
	if (!kvm->loaded)
		err = load_guest(kvm, diag);
	else if (kvm->need_reset)
		err = reset_vcpu(kvm, diag);
	if (err)
		return err;
	memset(&b, 0, sizeof(b));
	b.kvm = kvm;
	b.opts = opts;
	b.stats = stats;
	for (size_t done = 0; done < n; done += b.n) {
		b.p = probes + done;
		b.n = n - done < BATCH ? n - done : BATCH;
		err = run_batch(&b, diag);
		if (err) {
			kvm->need_reset = true;
			return err;
		}
		if (progress)
			progress(OPTS_GET(opts, ctx, NULL), done + b.n, n);
	}
	return 0;
}

int msrtrap_kvm_probe(struct msrtrap_kvm_vm *kvm, struct msrtrap_probe *probes,
		      size_t n, const struct msrtrap_probe_opts *opts,
		      struct msrtrap_probe_stats *stats, struct msrtrap_error *diag)
{
	/* counted in a complete struct of ours, handed over at most sz */
	MSRTRAP_OPTS(msrtrap_probe_stats, ours);
	int err;

	if (stats && stats->sz < sizeof(stats->sz))
		return -EINVAL;
	err = probe_all(kvm, probes, n, opts, &ours, diag);
	if (stats)
		mt_out_copy(stats, &ours, sizeof(ours));
	return err;
}

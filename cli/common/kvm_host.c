// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What KVM this host runs, as far as verify's expectations depend on it:
 * the vendor module, the kernel version and kvm_intel's preemption timer,
 * read from /sys/module and /proc/sys/kernel/osrelease (under a root
 * directory, so that a test can hand it a made-up host).
 *
 * The one dependency today is KVM's WRMSR fast path (kvm-versions.md D6,
 * §6c-5, invariant C6): right after a WRMSR exit outside guest mode,
 * KVM completes writes of TSC_DEADLINE (0x6e0) without consulting the
 * userspace MSR filter (v6.19 x86.c handle_fastpath_set_msr_irqoff()).
 * v6.0 did so only where the VMX preemption timer serves as the hv timer
 * (kvm_can_use_hv_timer()), so never on SVM; v6.19 does it on VMX and
 * SVM alike. The audit did not check the kernels between: those are
 * taken as v6.0 did. Other vendor modules (this project's PVM hosts,
 * live-kvm-notes.md) filter the write as the model says.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static bool exists(const char *root, const char *path)
{
	char full[512];
	struct stat st;

	snprintf(full, sizeof(full), "%s%s", root, path);
	return stat(full, &st) == 0;
}

/* The first line of a small file, or "" when it cannot be read. */
static void first_line(const char *root, const char *path, char *buf,
		       size_t size)
{
	char full[512];
	FILE *f;

	snprintf(full, sizeof(full), "%s%s", root, path);
	buf[0] = 0;
	f = fopen(full, "r");
	if (!f)
		return;
	if (!fgets(buf, (int)size, f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
}

static bool at_least(const struct kvm_host *h, unsigned int major,
		     unsigned int minor)
{
	return h->major > major || (h->major == major && h->minor >= minor);
}

static void decide(struct kvm_host *h)
{
	h->tsc_deadline_fastpath = false;
	if (!strcmp(h->module, "kvm_intel") && at_least(h, 6, 19)) {
		h->tsc_deadline_fastpath = true;
		snprintf(h->why, sizeof(h->why),
			 "kvm_intel on Linux %u.%u completes TSC_DEADLINE writes "
			 "before the filter (WRMSR fast path)", h->major, h->minor);
	} else if (!strcmp(h->module, "kvm_intel") && h->preemption_timer == 1) {
		h->tsc_deadline_fastpath = true;
		snprintf(h->why, sizeof(h->why),
			 "kvm_intel with the preemption timer completes "
			 "TSC_DEADLINE writes before the filter (WRMSR fast path)");
	} else if (!strcmp(h->module, "kvm_amd") && at_least(h, 6, 19)) {
		h->tsc_deadline_fastpath = true;
		snprintf(h->why, sizeof(h->why),
			 "kvm_amd on Linux %u.%u completes TSC_DEADLINE writes "
			 "before the filter (WRMSR fast path)", h->major, h->minor);
	} else {
		snprintf(h->why, sizeof(h->why), "%s%s filters TSC_DEADLINE writes",
			 h->module[0] ? h->module : "this KVM",
			 !strcmp(h->module, "kvm_intel") ?
				 " without the preemption timer" : "");
	}
}

/* "6.18.44-fc" -> 6, 18; anything else 0.0 (unknown) */
static void parse_release(const char *s, struct kvm_host *h)
{
	char *end;
	unsigned long major = strtoul(s, &end, 10), minor;

	h->major = h->minor = 0;
	if (end == s || *end != '.' || !isdigit((unsigned char)end[1]))
		return;
	minor = strtoul(end + 1, NULL, 10);
	if (major > 1000 || minor > 1000)
		return;
	h->major = (unsigned int)major;
	h->minor = (unsigned int)minor;
}

void kvm_host_probe(const char *root, struct kvm_host *h)
{
	static const char *const modules[] = { "kvm_intel", "kvm_amd", "kvm_pvm" };
	char buf[64], path[64];

	memset(h, 0, sizeof(*h));
	h->preemption_timer = -1;
	for (size_t i = 0; i < sizeof(modules) / sizeof(modules[0]); i++) {
		snprintf(path, sizeof(path), "/sys/module/%s", modules[i]);
		if (exists(root, path)) {
			snprintf(h->module, sizeof(h->module), "%s", modules[i]);
			break;
		}
	}
	first_line(root, "/proc/sys/kernel/osrelease", buf, sizeof(buf));
	parse_release(buf, h);
	first_line(root, "/sys/module/kvm_intel/parameters/preemption_timer", buf,
		   sizeof(buf));
	if (buf[0] == 'Y' || buf[0] == '1')
		h->preemption_timer = 1;
	else if (buf[0] == 'N' || buf[0] == '0')
		h->preemption_timer = 0;
	decide(h);
}

bool kvm_host_bypasses_filter(const struct kvm_host *h, uint32_t msr,
			      unsigned int access)
{
	return h->tsc_deadline_fastpath && msr == 0x6e0 && access == MSRTRAP_WRITE;
}

bool kvm_host_expects_allow(const struct kvm_host *h, bool model_allows,
			    uint32_t msr, unsigned int access, bool *fastpath)
{
	*fastpath = !model_allows && kvm_host_bypasses_filter(h, msr, access);
	return model_allows || *fastpath;
}

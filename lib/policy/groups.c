// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Built-in MSR groups of the policy language (@x2apic, @syscall, ...).
 * docs/policy.md has the table and the reasoning behind each range.
 *
 * The table is sorted by name (msrtrap_group_at() order, binary search);
 * each group's intervals are sorted and disjoint. tests/unit/test_policy.c
 * checks both, and that every kvm/hyperv MSR of the name database lies in
 * @kvm-pv/@hyperv.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include <msrtrap/policy.h>

#include "util/bsearch.h"
#include "util/opts.h"
#include "policy_internal.h"

#define IV(a, b) { (a), (b) }
#define GROUP(n, d, ...)                                                       \
	{ .sz = sizeof(struct msrtrap_group_info),                             \
	  .name = (n), .description = (d),                                     \
	  .intervals = (const struct msrtrap_interval[]){ __VA_ARGS__ },       \
	  .nintervals = sizeof((const struct msrtrap_interval[]){ __VA_ARGS__ }) / \
			sizeof(struct msrtrap_interval) }

static const struct msrtrap_group_info groups[] = {
	GROUP("cet", "control-flow enforcement: U_CET, S_CET, PL0-3_SSP, INT_SSP_TAB",
	      IV(0x6a0, 0x6a0), IV(0x6a2, 0x6a2), IV(0x6a4, 0x6a8)),
	GROUP("fs-gs-base", "segment bases: FS_BASE, GS_BASE, KERNEL_GS_BASE",
	      IV(0xc0000100, 0xc0000102)),
	/*
	 * The TLFS synthetic MSRs: the 0x40000000-0x400000ff block that the
	 * SDM reserves for hypervisors, plus the crash, reenlightenment, TSC
	 * emulation, unhalted-timer and invariant-TSC MSRs above it (the
	 * database's highest is 0x40000118), rounded up to 0x400001ff.
	 */
	GROUP("hyperv", "Hyper-V synthetic MSRs (TLFS), 0x40000000-0x400001ff",
	      IV(0x40000000, 0x400001ff)),
	GROUP("kvm-pv", "KVM paravirtual: legacy kvmclock 0x11-0x12 and 0x4b564d00-0x4b564dff",
	      IV(0x11, 0x12), IV(0x4b564d00, 0x4b564dff)),
	GROUP("mce", "machine check: MCG_CAP/STATUS/CTL, MCG_EXT_CTL, 32 banks (CTL/STATUS/ADDR/MISC, CTL2), AMD SMCA banks",
	      IV(0x179, 0x17b), IV(0x280, 0x29f), IV(0x400, 0x47f),
	      IV(0x4d0, 0x4d0), IV(0xc0002000, 0xc00023ff)),
	GROUP("mtrr", "memory type range registers: MTRRCAP, variable, fixed, MTRR_DEF_TYPE",
	      IV(0xfe, 0xfe), IV(0x200, 0x213), IV(0x250, 0x250),
	      IV(0x258, 0x259), IV(0x268, 0x26f), IV(0x2ff, 0x2ff)),
	GROUP("pat", "page attribute table: IA32_PAT",
	      IV(0x277, 0x277)),
	GROUP("pmu", "performance monitoring: Intel GP/fixed counters, event selects, global control, PEBS, DS area; AMD legacy, core and PerfMonV2 counters",
	      IV(0xc1, 0xc8), IV(0x186, 0x18d), IV(0x309, 0x30c),
	      IV(0x345, 0x345), IV(0x38d, 0x392), IV(0x3f1, 0x3f2),
	      IV(0x3f6, 0x3f7), IV(0x4c1, 0x4c8), IV(0x600, 0x600),
	      IV(0xc0000300, 0xc0000303), IV(0xc0010000, 0xc0010007),
	      IV(0xc0010200, 0xc001020b)),
	GROUP("pt", "Intel processor trace: RTIT output, control, status, CR3 match, address ranges",
	      IV(0x560, 0x561), IV(0x570, 0x572), IV(0x580, 0x587)),
	GROUP("speculation", "speculation control: SPEC_CTRL, PRED_CMD, ARCH_CAPABILITIES, FLUSH_CMD, AMD VIRT_SPEC_CTRL",
	      IV(0x48, 0x49), IV(0x10a, 0x10b), IV(0xc001011f, 0xc001011f)),
	GROUP("syscall", "SYSCALL/SYSRET: STAR, LSTAR, CSTAR, FMASK",
	      IV(0xc0000081, 0xc0000084)),
	GROUP("sysenter", "SYSENTER/SYSEXIT: SYSENTER_CS, SYSENTER_ESP, SYSENTER_EIP",
	      IV(0x174, 0x176)),
	GROUP("tsc", "time-stamp counter: TSC, TSC_ADJUST, TSC_DEADLINE, TSC_AUX",
	      IV(0x10, 0x10), IV(0x3b, 0x3b), IV(0x6e0, 0x6e0),
	      IV(0xc0000103, 0xc0000103)),
	GROUP("x2apic", "x2APIC registers 0x800-0x8ff (a KVM filter never applies to them)",
	      IV(MSRTRAP_X2APIC_FIRST, MSRTRAP_X2APIC_LAST)),
};

#define NGROUPS (sizeof(groups) / sizeof(groups[0]))

size_t msrtrap_group_count(void)
{
	return NGROUPS;
}

int msrtrap_group_at(size_t i, struct msrtrap_group_info *info)
{
	if (info && info->sz < sizeof(info->sz))
		return -EINVAL;
	if (i >= NGROUPS)
		return -ENOENT;
	return info ? mt_out_copy(info, &groups[i], sizeof(groups[i])) : 0;
}

/* A name of len bytes, not NUL-terminated. */
struct name_key {
	const char *name;
	size_t len;
};

/* Does group @elem sort before the key, ASCII case-insensitively? */
static bool group_before(const void *elem, const void *key)
{
	const char *g = ((const struct msrtrap_group_info *)elem)->name;
	const struct name_key *k = key;
	size_t glen = strlen(g);
	int c = strncasecmp(g, k->name, glen < k->len ? glen : k->len);

	return c < 0 || (c == 0 && glen < k->len);
}

const struct msrtrap_group_info *mt_group_find(const char *name, size_t len)
{
	struct name_key key = { name, len };
	size_t i = mt_lower_bound(groups, NGROUPS, sizeof(groups[0]), &key,
				  group_before);

	if (i == NGROUPS || strlen(groups[i].name) != len ||
	    strncasecmp(groups[i].name, name, len))
		return NULL;
	return &groups[i];
}

int msrtrap_group_lookup(const char *name, struct msrtrap_group_info *info)
{
	const struct msrtrap_group_info *g;

	if (!name || (info && info->sz < sizeof(info->sz)))
		return -EINVAL;
	if (*name == '@')
		name++;
	g = mt_group_find(name, strlen(name));
	if (!g)
		return -ENOENT;
	return info ? mt_out_copy(info, g, sizeof(*g)) : 0;
}

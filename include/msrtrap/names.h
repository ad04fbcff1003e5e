/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The MSR name database: index <-> name, vendor and a short description
 * for the architectural, Intel, AMD, KVM paravirtual and Hyper-V synthetic
 * MSRs. Generated from data/msrs.tsv at build time.
 *
 * An index may have several names: the first is canonical (SDM/APM style,
 * e.g. IA32_EFER), the others are aliases (e.g. the Linux spelling EFER).
 */
#ifndef MSRTRAP_NAMES_H
#define MSRTRAP_NAMES_H

#include <msrtrap/common.h>

#ifdef __cplusplus
extern "C" {
#endif

enum msrtrap_vendor {
	MSRTRAP_VENDOR_ARCH = 0,   /* architectural, Intel and AMD */
	MSRTRAP_VENDOR_INTEL = 1,
	MSRTRAP_VENDOR_AMD = 2,
	MSRTRAP_VENDOR_KVM = 3,    /* KVM paravirtual */
	MSRTRAP_VENDOR_HYPERV = 4, /* Hyper-V synthetic */
	MSRTRAP_VENDOR_OTHER = 5,
};

/*
 * One database entry, filled by msrtrap_msr_at(), msrtrap_msr_info() and
 * msrtrap_msr_lookup(). The caller sets sz (declare it with
 * MSRTRAP_OPTS(msrtrap_msr_info, info)); the library writes at most sz
 * bytes, so a field a later release appends is simply absent for an
 * older caller.
 */
struct msrtrap_msr_info {
	size_t sz;
	uint32_t index;
	enum msrtrap_vendor vendor;
	bool canonical;		/* false for an alias */
	const char *name;	/* static storage, upper case */
	const char *description;
};

/* "arch", "intel", "amd", "kvm", "hyperv", "other"; NULL if unknown. */
MSRTRAP_API const char *msrtrap_vendor_name(enum msrtrap_vendor vendor);

/* Number of database entries (names, aliases included). */
MSRTRAP_API size_t msrtrap_msr_count(void);

/*
 * Entry i in index order (aliases after their canonical name): 0 or
 * -ENOENT; info may be NULL, else -EINVAL for an info->sz smaller than
 * sizeof(size_t).
 */
MSRTRAP_API int msrtrap_msr_at(size_t i, struct msrtrap_msr_info *info);

/* Canonical name of an MSR, or NULL when the database does not know it. */
MSRTRAP_API const char *msrtrap_msr_name(uint32_t msr);

/*
 * Canonical entry of an MSR: 0 or -ENOENT; info may be NULL (a "does the
 * database know it" test), else -EINVAL for an info->sz smaller than
 * sizeof(size_t).
 */
MSRTRAP_API int msrtrap_msr_info(uint32_t msr, struct msrtrap_msr_info *info);

/*
 * Look a name up, ASCII case-insensitively, canonical names and aliases
 * alike; a leading "MSR_" is ignored ("msr_ia32_efer" finds IA32_EFER).
 * Returns 0 and fills *info (may be NULL), or -ENOENT, or -EINVAL (also
 * for an info->sz smaller than sizeof(size_t)), or -ENOTUNIQ for a name
 * whose "MSR_" spelling is the Linux kernel's name of a different MSR
 * than the SDM name without it: "MSR_IA32_PMC0" is 0x4c1 in Linux's
 * msr-index.h (the SDM's IA32_A_PMC0) but IA32_PMC0 is the SDM's 0xc1.
 * "IA32_PMC0" alone still finds 0xc1. msrtrap_msr_lookup_hint() says why.
 */
MSRTRAP_API int msrtrap_msr_lookup(const char *name,
				   struct msrtrap_msr_info *info);

/*
 * For a name msrtrap_msr_lookup() refuses with -ENOTUNIQ: one line (no
 * newline, static storage) naming both MSRs and the names that pick one,
 * for a caller to print after the name; NULL for every other name.
 */
MSRTRAP_API const char *msrtrap_msr_lookup_hint(const char *name);

/*
 * The known name closest to `name` (edit distance, case-insensitive), for
 * "did you mean" hints; NULL when nothing is close enough.
 */
MSRTRAP_API const char *msrtrap_msr_suggest(const char *name);

/*
 * Position (for msrtrap_msr_at) of the first entry whose index is >= msr;
 * msrtrap_msr_count() when there is none. Lets callers walk the names that
 * fall inside an interval.
 */
MSRTRAP_API size_t msrtrap_msr_lower_bound(uint32_t msr);

#ifdef __cplusplus
}
#endif

#endif /* MSRTRAP_NAMES_H */

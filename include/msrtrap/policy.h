/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The MSR policy language: what a user means, before it becomes a KVM
 * filter or a hardware map. msrtrap-policy(5) is the language reference
 * (docs/policy.md in the msrtrap sources, with every diagnostic).
 *
 *	# comments run to the end of the line
 *	default deny                         # at most once; allow when absent
 *	allow rw IA32_EFER @syscall 0x10-0x12
 *	deny  w  IA32_PAT
 *
 * Rules apply in order: for each MSR and access, the last rule naming it
 * decides, otherwise the default. A parsed policy is immutable (queries
 * may run concurrently from any number of threads); its canonical model
 * is, per access, the sorted list of maximal intervals whose verdict
 * differs from the default (msrtrap_policy_exceptions()).
 *
 * Two kinds of objects:
 *  - struct msrtrap_policy: a parsed (or built) policy;
 *  - built-in groups (@x2apic, @syscall, ...): static tables.
 * The parser reports through a diagnostics list, struct msrtrap_diags
 * (<msrtrap/diags.h>): every error of the text in one pass, with line and
 * column.
 */
#ifndef MSRTRAP_POLICY_H
#define MSRTRAP_POLICY_H

#include <msrtrap/common.h>
#include <msrtrap/diags.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * An inclusive MSR interval, first <= last. A plain value pair passed in
 * arrays, so it has no size field: its layout (two uint32_t, 8 bytes) is
 * frozen for the life of the ABI.
 */
struct msrtrap_interval {
	uint32_t first;
	uint32_t last;
};

/* ---- built-in groups -------------------------------------------------- */

/*
 * Output structs the caller allocates (struct msrtrap_group_info,
 * struct msrtrap_policy_rule, struct msrtrap_policy_decision) start with
 * sz, which the caller sets to the size of its struct (MSRTRAP_OPTS(TYPE,
 * name) does it): the library fills at most sz bytes and leaves sz as it
 * was, so a program built against an older, shorter struct keeps working.
 * An sz smaller than the sz field itself is -EINVAL.
 */
struct msrtrap_group_info {
	size_t sz; /* sizeof(struct msrtrap_group_info), set by the caller */
	const char *name;	 /* without the '@', lower case: "x2apic" */
	const char *description; /* one line */
	const struct msrtrap_interval *intervals; /* sorted, disjoint */
	size_t nintervals;
};

/* Number of built-in groups. */
MSRTRAP_API size_t msrtrap_group_count(void);
/* Group i, in name order: 0, -ENOENT, or -EINVAL for a bad info->sz. */
MSRTRAP_API int msrtrap_group_at(size_t i, struct msrtrap_group_info *info);
/*
 * A group by name, ASCII case-insensitive, with or without the leading
 * '@': 0 (info may be NULL), -ENOENT, or -EINVAL for a NULL name or a
 * bad info->sz.
 */
MSRTRAP_API int msrtrap_group_lookup(const char *name,
				     struct msrtrap_group_info *info);

/* ---- parsing ---------------------------------------------------------- */

struct msrtrap_policy;

struct msrtrap_policy_opts {
	size_t sz; /* sizeof(struct msrtrap_policy_opts) */
	/* name used in formatted diagnostics; NULL: "<policy>" */
	const char *filename;
	/*
	 * The policy is meant for a KVM userspace MSR filter: warn about
	 * rules that deny x2APIC MSRs (MSRTRAP_X2APIC_FIRST-_LAST,
	 * 0x800-0x8ff), which KVM never filters.
	 */
	bool for_kvm;
};
#define msrtrap_policy_opts__last_field for_kvm

/*
 * Parse `len` bytes of policy text (need not be NUL-terminated; lines end
 * in LF or CRLF). Every error is reported, not just the first: a bad line
 * is skipped, a bad target does not hide the next one.
 *
 * Returns 0 and a new policy in *out (free with msrtrap_policy_free()),
 * -EINVAL when the text has errors (*out = NULL), or -EINVAL/-ENOMEM for
 * bad arguments or memory. When `diags` is not NULL, *diags receives the
 * diagnostics (errors, warnings, notes; possibly none) on success and on
 * -EINVAL; free them with msrtrap_diags_free(). Semantic warnings
 * (overridden rules) are only computed for policies without errors.
 */
MSRTRAP_API int msrtrap_policy_parse(const char *text, size_t len,
				     const struct msrtrap_policy_opts *opts,
				     struct msrtrap_policy **out,
				     struct msrtrap_diags **diags);

/*
 * Build a policy from its canonical model: every MSR gets `default_allow`
 * for both accesses, except those in the read (write) intervals, which get
 * the opposite for reads (writes). Intervals may be given in any order and
 * may overlap or touch (their union counts); first > last is -EINVAL, and
 * so are a NULL array with a non-zero count and a count no array can have
 * (its bytes over PTRDIFF_MAX).
 * The policy's rules are one per maximal interval, `rw` where the read and
 * write intervals coincide, numbered as lines 2, 3, ... after a
 * `default` on line 1, in ascending order of MSR (then r, w).
 * This is how a KVM filter or a hardware map is decompiled.
 */
MSRTRAP_API int msrtrap_policy_from_intervals(bool default_allow,
					      const struct msrtrap_interval *read,
					      size_t nread,
					      const struct msrtrap_interval *write,
					      size_t nwrite,
					      struct msrtrap_policy **out);

MSRTRAP_API void msrtrap_policy_free(struct msrtrap_policy *policy);

/* ---- the policy ------------------------------------------------------- */

/* The default verdict: true = allow (also when no `default` was given). */
MSRTRAP_API bool msrtrap_policy_default_allow(const struct msrtrap_policy *policy);

/* Number of rules (lines with allow/deny). */
MSRTRAP_API size_t msrtrap_policy_nrules(const struct msrtrap_policy *policy);

struct msrtrap_policy_rule {
	size_t sz; /* sizeof(struct msrtrap_policy_rule), set by the caller */
	bool allow;
	/* MSRTRAP_READ, MSRTRAP_WRITE or MSRTRAP_RW */
	enum msrtrap_access access;
	unsigned int line;   /* of the allow/deny keyword */
	unsigned int column;
};

/* Rule i in source order: 0 or -ENOENT (-EINVAL for NULL or a bad sz). */
MSRTRAP_API int msrtrap_policy_rule(const struct msrtrap_policy *policy,
				    size_t i, struct msrtrap_policy_rule *rule);

/*
 * The MSR intervals rule i names, in source order (a group as its
 * intervals, a name or number as a one-MSR interval). Copies at most n
 * of them to buf (may be NULL when n is 0) and returns how many there
 * are in all; -ENOENT if there is no rule i, -EINVAL for NULL.
 */
MSRTRAP_API long msrtrap_policy_rule_targets(const struct msrtrap_policy *policy,
					     size_t i, struct msrtrap_interval *buf,
					     size_t n);

/*
 * The verdict for one MSR and access (MSRTRAP_READ or MSRTRAP_WRITE):
 * 1 allow, 0 deny, -EINVAL. O(log rules).
 */
MSRTRAP_API int msrtrap_policy_verdict(const struct msrtrap_policy *policy,
				       uint32_t msr,
				       enum msrtrap_access access);

struct msrtrap_policy_decision {
	/* sizeof(struct msrtrap_policy_decision), set by the caller */
	size_t sz;
	bool allowed;
	/* no rule names this MSR and access: the default decided */
	bool by_default;
	/* the deciding rule (index for msrtrap_policy_rule()), if !by_default */
	size_t rule;
	/*
	 * Where the decision was written: the deciding target of the rule,
	 * or the `default` keyword (line 0 when the default is implicit).
	 */
	unsigned int line;
	unsigned int column;
};

/*
 * Why msrtrap_policy_verdict() answers what it answers: 0 or -EINVAL
 * (also for a bad decision->sz).
 */
MSRTRAP_API int msrtrap_policy_explain(const struct msrtrap_policy *policy,
				       uint32_t msr, enum msrtrap_access access,
				       struct msrtrap_policy_decision *decision);

/*
 * The canonical model for one access (MSRTRAP_READ or MSRTRAP_WRITE): the
 * MSRs whose verdict differs from the default, as sorted, disjoint,
 * maximal (never touching) inclusive intervals. Copies at most n of them
 * to buf (may be NULL when n is 0) and returns how many there are in all,
 * or -EINVAL.
 */
MSRTRAP_API long msrtrap_policy_exceptions(const struct msrtrap_policy *policy,
					   enum msrtrap_access access,
					   struct msrtrap_interval *buf,
					   size_t n);

/*
 * The canonical policy with the same verdicts, as text: the shortest
 * whose rules never override one another. `default allow|deny`
 * (whichever needs fewer rules; deny on a tie), then rules of the other
 * verdict, one per maximal interval in ascending order, `rw` where the
 * read and write intervals coincide, known MSR names in trailing
 * comments. Two policies with the same verdicts print the same text.
 * *text is malloc()ed, NUL-terminated, ends in a newline; the caller
 * frees it. 0, -EINVAL, -ENOMEM.
 */
MSRTRAP_API int msrtrap_policy_to_text(const struct msrtrap_policy *policy,
				       char **text);

/*
 * Can a hardware map of this format carry out the policy? MSRs outside
 * its spans (msrtrap_format_span(); VMX 0-0x1fff and 0xc0000000-
 * 0xc0001fff, SVM also 0xc0010000-0xc0011fff) always exit, so allowing
 * them needs the hypervisor (or KVM's filter). Warns once per allowing
 * target and interval, pointing at the target, and once for the default
 * when `default allow` lets such MSRs through.
 *
 * Returns the number of warnings and, when diags is not NULL, a new diags
 * object with them in *diags (free with msrtrap_diags_free()); -EINVAL
 * for a bad format, -ENOMEM.
 */
MSRTRAP_API int msrtrap_policy_check_format(const struct msrtrap_policy *policy,
					    enum msrtrap_format fmt,
					    struct msrtrap_diags **diags);

#ifdef __cplusplus
}
#endif

#endif /* MSRTRAP_POLICY_H */

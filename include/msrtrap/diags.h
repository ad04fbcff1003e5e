/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Diagnostics lists: errors, warnings and notes, each with a stable code,
 * a 1-based line and byte column and a one-line message, kept in source
 * order and formatted compiler-style on request. The library never
 * prints; it hands a struct msrtrap_diags back and the caller decides
 * what to show. The policy parser (<msrtrap/policy.h>) returns one; the
 * list itself knows nothing about policies.
 */
#ifndef MSRTRAP_DIAGS_H
#define MSRTRAP_DIAGS_H

#include <msrtrap/common.h>

#ifdef __cplusplus
extern "C" {
#endif

enum msrtrap_severity {
	MSRTRAP_SEV_ERROR = 0,
	MSRTRAP_SEV_WARNING = 1,
	MSRTRAP_SEV_NOTE = 2,
};

/* "error", "warning", "note"; NULL if unknown. */
MSRTRAP_API const char *msrtrap_severity_name(enum msrtrap_severity sev);

/*
 * What a diagnostic is about: stable identifiers for tools (the message
 * text may improve). msrtrap-policy(5) names them; docs/policy.md in the
 * msrtrap sources lists them with examples.
 */
enum msrtrap_diag_code {
	MSRTRAP_DIAG_NONE = 0,		/* a note */
	MSRTRAP_DIAG_UNKNOWN_KEYWORD,	/* line does not start with a keyword */
	MSRTRAP_DIAG_BAD_ACCESS,	/* missing or invalid r|w|rw */
	MSRTRAP_DIAG_MISSING_TARGET,	/* rule without targets */
	MSRTRAP_DIAG_BAD_TARGET,	/* malformed target, stray character */
	MSRTRAP_DIAG_BAD_NUMBER,	/* junk in a number, more than 32 bits */
	MSRTRAP_DIAG_UNKNOWN_NAME,	/* not in the MSR database */
	MSRTRAP_DIAG_UNKNOWN_GROUP,	/* no such @group */
	MSRTRAP_DIAG_REVERSED_INTERVAL, /* A-B with B < A */
	MSRTRAP_DIAG_BAD_DEFAULT,	/* missing/invalid value, trailing text */
	MSRTRAP_DIAG_DUPLICATE_DEFAULT, /* 'default' more than once */
	MSRTRAP_DIAG_OVERRIDDEN_RULE,	/* warning: later rules decide it all */
	MSRTRAP_DIAG_X2APIC_DENY,	/* warning (for_kvm): KVM never filters */
	MSRTRAP_DIAG_UNREPRESENTABLE,	/* warning: a map cannot pass it through */
	/* msrtrap_filter_lint() (<msrtrap/filter.h>), all warnings: */
	MSRTRAP_DIAG_WRAPPING_RANGE,	/* base + nmsrs reaches 2^32 */
	MSRTRAP_DIAG_X2APIC_RANGE,	/* covers never-filtered x2APIC */
	MSRTRAP_DIAG_SHADOWED_RANGE,	/* earlier ranges decide it all */
	MSRTRAP_DIAG_NO_RANGES,		/* no non-empty range */
};

/* "unknown-keyword", "overridden-rule", ...; NULL if unknown. */
MSRTRAP_API const char *msrtrap_diag_code_name(enum msrtrap_diag_code code);

/*
 * One diagnostic, as msrtrap_diags_get() hands it out. The caller
 * allocates it and sets sz to the size of its struct (MSRTRAP_OPTS(
 * msrtrap_diagnostic, d) does it); the library fills at most sz bytes and
 * leaves sz as it was, so a program built against an older, shorter
 * struct keeps working.
 */
struct msrtrap_diagnostic {
	size_t sz; /* sizeof(struct msrtrap_diagnostic), set by the caller */
	enum msrtrap_severity severity;
	enum msrtrap_diag_code code;
	/* 1-based; 0 = not tied to a line (e.g. an implicit default) */
	unsigned int line;
	/* 1-based byte column of the offending token; 0 = the whole line */
	unsigned int column;
	/* bytes of the offending token (for a caret underline), 0 if none */
	unsigned int length;
	/* one line, no trailing newline; valid until the diags are freed */
	const char *message;
};

struct msrtrap_diags;

/*
 * The most diagnostics a list keeps, so that an input of any size (a
 * file of nothing but errors) takes bounded memory: the first
 * MSRTRAP_DIAGS_MAX reported are kept (then sorted into source order);
 * any more are only counted, by severity (msrtrap_diags_dropped(),
 * msrtrap_diags_errors(), msrtrap_diags_warnings()).
 */
#define MSRTRAP_DIAGS_MAX 1000

MSRTRAP_API void msrtrap_diags_free(struct msrtrap_diags *diags);
/*
 * Number of diagnostics kept, each available to msrtrap_diags_get() (at
 * most MSRTRAP_DIAGS_MAX; 0 for NULL).
 */
MSRTRAP_API size_t msrtrap_diags_count(const struct msrtrap_diags *diags);
/* Number of diagnostics reported but not kept (0 for NULL). */
MSRTRAP_API size_t msrtrap_diags_dropped(const struct msrtrap_diags *diags);
/* Number of errors reported, kept or not (0 for NULL). */
MSRTRAP_API size_t msrtrap_diags_errors(const struct msrtrap_diags *diags);
/* Number of warnings reported, kept or not (0 for NULL). */
MSRTRAP_API size_t msrtrap_diags_warnings(const struct msrtrap_diags *diags);
/*
 * Diagnostic i, in source order (notes follow what they annotate): 0,
 * -ENOENT if there is no diagnostic i, -EINVAL for NULL or a diag->sz
 * smaller than the sz field.
 */
MSRTRAP_API int msrtrap_diags_get(const struct msrtrap_diags *diags, size_t i,
				  struct msrtrap_diagnostic *diag);
/*
 * Format diagnostic i compiler-style, without a newline:
 *	FILE:LINE:COL: error: unknown MSR name 'IA32_EFR' (did you mean 'IA32_EFER'?)
 * (":COL" is left out when the column is 0, ":LINE:COL" when the line is
 * 0; FILE is the filename of the options, or "<policy>"). snprintf()
 * semantics: writes at most `size` bytes including the NUL and returns
 * the length of the whole text; -ENOENT if there is no diagnostic i,
 * -EINVAL for NULL diags.
 */
MSRTRAP_API int msrtrap_diags_format(const struct msrtrap_diags *diags,
				     size_t i, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* MSRTRAP_DIAGS_H */

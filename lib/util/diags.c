// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Diagnostics lists: errors, warnings and notes with a 1-based line and
 * byte column, kept in source order, formatted compiler-style on request.
 * The library never prints; callers (the CLI) do.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msrtrap/diags.h>

#include "diags.h"
#include "opts.h"
#include "vec.h"

struct mt_diag {
	struct msrtrap_diagnostic pub;
	char *message;
	/* sort key: the position of the diagnostic a note belongs to */
	unsigned int key_line, key_column;
	size_t seq;
};

struct msrtrap_diags {
	char *filename;
	struct mt_diag *v;
	size_t n, cap; /* n <= MSRTRAP_DIAGS_MAX */
	size_t nerrors, nwarnings, dropped; /* kept or not */
};

static const char *const severity_names[] = {
	[MSRTRAP_SEV_ERROR] = "error",
	[MSRTRAP_SEV_WARNING] = "warning",
	[MSRTRAP_SEV_NOTE] = "note",
};

const char *msrtrap_severity_name(enum msrtrap_severity sev)
{
	if ((unsigned int)sev >= sizeof(severity_names) / sizeof(*severity_names))
		return NULL;
	return severity_names[sev];
}

static const char *const code_names[] = {
	[MSRTRAP_DIAG_NONE] = "none",
	[MSRTRAP_DIAG_UNKNOWN_KEYWORD] = "unknown-keyword",
	[MSRTRAP_DIAG_BAD_ACCESS] = "bad-access",
	[MSRTRAP_DIAG_MISSING_TARGET] = "missing-target",
	[MSRTRAP_DIAG_BAD_TARGET] = "bad-target",
	[MSRTRAP_DIAG_BAD_NUMBER] = "bad-number",
	[MSRTRAP_DIAG_UNKNOWN_NAME] = "unknown-name",
	[MSRTRAP_DIAG_UNKNOWN_GROUP] = "unknown-group",
	[MSRTRAP_DIAG_REVERSED_INTERVAL] = "reversed-interval",
	[MSRTRAP_DIAG_BAD_DEFAULT] = "bad-default",
	[MSRTRAP_DIAG_DUPLICATE_DEFAULT] = "duplicate-default",
	[MSRTRAP_DIAG_OVERRIDDEN_RULE] = "overridden-rule",
	[MSRTRAP_DIAG_X2APIC_DENY] = "x2apic-deny",
	[MSRTRAP_DIAG_UNREPRESENTABLE] = "unrepresentable",
	[MSRTRAP_DIAG_WRAPPING_RANGE] = "wrapping-range",
	[MSRTRAP_DIAG_X2APIC_RANGE] = "x2apic-range",
	[MSRTRAP_DIAG_SHADOWED_RANGE] = "shadowed-range",
	[MSRTRAP_DIAG_NO_RANGES] = "no-ranges",
};

const char *msrtrap_diag_code_name(enum msrtrap_diag_code code)
{
	if ((unsigned int)code >= sizeof(code_names) / sizeof(*code_names))
		return NULL;
	return code_names[code];
}

struct msrtrap_diags *mt_diags_new(const char *filename)
{
	struct msrtrap_diags *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	if (filename) {
		d->filename = strdup(filename);
		if (!d->filename) {
			free(d);
			return NULL;
		}
	}
	return d;
}

void msrtrap_diags_free(struct msrtrap_diags *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].message);
	free(d->v);
	free(d->filename);
	free(d);
}

int mt_diags_add(struct msrtrap_diags *d, enum msrtrap_severity sev,
		 enum msrtrap_diag_code code, unsigned int line,
		 unsigned int column, unsigned int length, const char *fmt, ...)
{
	struct mt_diag *e;
	va_list ap;
	int n;

	if (sev == MSRTRAP_SEV_ERROR)
		d->nerrors++;
	else if (sev == MSRTRAP_SEV_WARNING)
		d->nwarnings++;
	if (d->n == MSRTRAP_DIAGS_MAX) {
		/* counted, not kept (nor formatted): memory stays bounded */
		d->dropped++;
		return 0;
	}
	if (mt_vec_reserve(&d->v, &d->cap, d->n + 1))
		return -ENOMEM;
	e = &d->v[d->n];
	memset(e, 0, sizeof(*e));
	va_start(ap, fmt);
	n = vasprintf(&e->message, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	e->pub.severity = sev;
	e->pub.code = code;
	e->pub.line = line;
	e->pub.column = column;
	e->pub.length = length;
	e->pub.message = e->message;
	if (sev == MSRTRAP_SEV_NOTE && d->n > 0) {
		e->key_line = d->v[d->n - 1].key_line;
		e->key_column = d->v[d->n - 1].key_column;
	} else {
		e->key_line = line;
		e->key_column = column;
	}
	e->seq = d->n;
	d->n++;
	return 0;
}

static int cmp_diag(const void *a, const void *b)
{
	const struct mt_diag *x = a, *y = b;

	if (x->key_line != y->key_line)
		return x->key_line < y->key_line ? -1 : 1;
	if (x->key_column != y->key_column)
		return x->key_column < y->key_column ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void mt_diags_sort(struct msrtrap_diags *d)
{
	if (d->n > 1)
		qsort(d->v, d->n, sizeof(*d->v), cmp_diag);
	/* message pointers moved with their entries; nothing else to fix */
}

size_t msrtrap_diags_count(const struct msrtrap_diags *d)
{
	return d ? d->n : 0;
}

size_t msrtrap_diags_dropped(const struct msrtrap_diags *d)
{
	return d ? d->dropped : 0;
}

size_t msrtrap_diags_errors(const struct msrtrap_diags *d)
{
	return d ? d->nerrors : 0;
}

size_t msrtrap_diags_warnings(const struct msrtrap_diags *d)
{
	return d ? d->nwarnings : 0;
}

int msrtrap_diags_get(const struct msrtrap_diags *d, size_t i,
		      struct msrtrap_diagnostic *diag)
{
	struct msrtrap_diagnostic out;

	if (!d || !diag || diag->sz < sizeof(diag->sz))
		return -EINVAL;
	if (i >= d->n)
		return -ENOENT;
	out = d->v[i].pub;
	out.sz = sizeof(out);
	return mt_out_copy(diag, &out, sizeof(out));
}

int msrtrap_diags_format(const struct msrtrap_diags *d, size_t i, char *buf,
			 size_t size)
{
	const struct msrtrap_diagnostic *e;
	const char *file;
	char pos[32] = "";

	if (!d || (!buf && size))
		return -EINVAL;
	if (i >= d->n)
		return -ENOENT;
	e = &d->v[i].pub;
	file = d->filename ? d->filename : "<policy>";
	if (e->line && e->column)
		snprintf(pos, sizeof(pos), ":%u:%u", e->line, e->column);
	else if (e->line)
		snprintf(pos, sizeof(pos), ":%u", e->line);
	return snprintf(buf, size, "%s%s: %s: %s", file, pos,
			msrtrap_severity_name(e->severity), e->message);
}

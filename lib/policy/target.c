// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The targets of a policy rule: numbers, MSR names, intervals A-B of them
 * and @groups, each checked on its own so that one bad target does not
 * hide the next (docs/policy.md, "Targets").
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <msrtrap/names.h>
#include <msrtrap/policy.h>

#include "util/strdist.h"
#include "parser.h"

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* ---- numbers and names ---- */

/* 0, -EINVAL (not a number), -ERANGE (more than 32 bits). */
static int parse_number(const char *s, size_t n, uint32_t *out)
{
	uint64_t v = 0;
	bool big = false;
	unsigned int base = 10;
	size_t i = 0;

	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	} else if (n == 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		return -EINVAL;
	}
	for (; i < n; i++) {
		int c = lower((unsigned char)s[i]), dv;

		if (c >= '0' && c <= '9')
			dv = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			dv = c - 'a' + 10;
		else
			return -EINVAL;
		if (!big) {
			v = v * base + (unsigned int)dv;
			if (v > UINT32_MAX)
				big = true;
		}
	}
	if (big)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

/* An interval end (number or MSR name) from a word token: 0 or -1. */
/*
 * A name cut short by a non-ASCII byte (a Latin-1 'e acute', a UTF-8
 * letter, a no-break space): the byte is the problem, not the name before
 * it, so it is reported at its own column and named.
 */
static bool non_ascii_after(struct parser *ps, const struct mt_token *t)
{
	const char *end = ps->lx.text + ps->lx.len, *b = t->text + t->len;
	struct mt_token c = { .kind = MT_TOK_OTHER, .text = b,
			      .line = t->line };
	size_t n;

	if (b >= end || (unsigned char)*b < 0x80)
		return false;
	n = mt_utf8_len(b, (size_t)(end - b), NULL);
	c.len = n ? n : 1;
	c.column = t->column + (unsigned int)t->len;
	error_at(ps, &c, MSRTRAP_DIAG_BAD_TARGET, "unexpected '%s'%s after '%s'",
		 SHOW(&c), n ? NAME_CHAR(&c) : " (a byte that is not UTF-8)",
		 SHOW(t));
	return true;
}

static int endpoint(struct parser *ps, const struct mt_token *t, uint32_t *v)
{
	MSRTRAP_OPTS(msrtrap_msr_info, info);
	char name[128];
	const char *hint;
	int r;

	if (t->text[0] >= '0' && t->text[0] <= '9') {
		r = parse_number(t->text, t->len, v);
		if (r == -ERANGE)
			error_at(ps, t, MSRTRAP_DIAG_BAD_NUMBER,
				 "number '%s' does not fit in 32 bits", SHOW(t));
		else if (r)
			error_at(ps, t, MSRTRAP_DIAG_BAD_NUMBER, "bad number '%s'",
				 SHOW(t));
		return r ? -1 : 0;
	}
	if (t->len < sizeof(name)) {
		memcpy(name, t->text, t->len);
		name[t->len] = 0;
		r = msrtrap_msr_lookup(name, &info);
		if (r == 0) {
			*v = info.index;
			return 0;
		}
		if (r == -ENOTUNIQ) {
			error_at(ps, t, MSRTRAP_DIAG_UNKNOWN_NAME,
				 "ambiguous MSR name '%s': %s", SHOW(t),
				 msrtrap_msr_lookup_hint(name));
			return -1;
		}
		hint = msrtrap_msr_suggest(name);
	} else {
		hint = NULL;
	}
	if (non_ascii_after(ps, t))
		return -1;
	if (hint)
		error_at(ps, t, MSRTRAP_DIAG_UNKNOWN_NAME,
			 "unknown MSR name '%s' (did you mean '%s'?)", SHOW(t), hint);
	else
		error_at(ps, t, MSRTRAP_DIAG_UNKNOWN_NAME, "unknown MSR name '%s'",
			 SHOW(t));
	return -1;
}

/* ---- targets ---- */

static void add_item(struct parser *ps, uint32_t first, uint32_t last,
		     const struct mt_token *start, size_t length)
{
	if (!ps->rule_open || ps->line_bad || ps->err)
		return;
	if (mt_policy_add_item(ps->p, first, last, start->column,
			       length > 0xffff ? 0xffff : (unsigned int)length))
		ps->err = -ENOMEM;
}

static void x2apic_check(struct parser *ps, bool allow, uint32_t first,
			 uint32_t last, const struct mt_token *start,
			 size_t length)
{
	if (allow || !ps->for_kvm || last < MSRTRAP_X2APIC_FIRST ||
	    first > MSRTRAP_X2APIC_LAST)
		return;
	if (first < MSRTRAP_X2APIC_FIRST)
		first = MSRTRAP_X2APIC_FIRST;
	if (last > MSRTRAP_X2APIC_LAST)
		last = MSRTRAP_X2APIC_LAST;
	if (first == last)
		mt_parser_report(ps, MSRTRAP_SEV_WARNING, MSRTRAP_DIAG_X2APIC_DENY,
		       start->line, start->column, length,
		       "KVM never filters x2APIC MSRs: denying 0x%x has no effect "
		       "under a KVM MSR filter", first);
	else
		mt_parser_report(ps, MSRTRAP_SEV_WARNING, MSRTRAP_DIAG_X2APIC_DENY,
		       start->line, start->column, length,
		       "KVM never filters x2APIC MSRs: denying 0x%x-0x%x has no effect "
		       "under a KVM MSR filter", first, last);
}

/* A checked target interval of the current rule. */
static void add_target(struct parser *ps, bool allow, uint32_t first,
		       uint32_t last, const struct mt_token *start,
		       size_t length)
{
	x2apic_check(ps, allow, first, last, start, length);
	add_item(ps, first, last, start, length);
}

static void stray(struct parser *ps, const struct mt_token *t)
{
	if (t->len == 1 && t->text[0] == ',')
		error_at(ps, t, MSRTRAP_DIAG_BAD_TARGET,
			 "unexpected ','; separate targets with spaces");
	else if (t->len == 1 && t->text[0] == '-' && !at_eol(ps) &&
		 !ps->tok.space_before && ps->tok.kind == MT_TOK_WORD &&
		 ps->tok.text[0] >= '0' && ps->tok.text[0] <= '9')
		/* "-1": a sign, not an interval with its start left out */
		error_at(ps, t, MSRTRAP_DIAG_BAD_TARGET,
			 "negative number '-%s': MSRs are 0 to 0xffffffff",
			 SHOW(&ps->tok));
	else if (t->len == 1 && t->text[0] == '-')
		error_at(ps, t, MSRTRAP_DIAG_BAD_TARGET,
			 "expected an MSR before '-' (write intervals as A-B, "
			 "without spaces)");
	else
		error_at(ps, t, MSRTRAP_DIAG_BAD_TARGET, "unexpected '%s'%s",
			 SHOW(t), NAME_CHAR(t));
}

/* '@name' that is no group: say why, with a suggestion when one is close. */
static void unknown_group(struct parser *ps, const struct mt_token *a)
{
	const char *names[64];
	size_t n = 0, cut = 0;
	MSRTRAP_OPTS(msrtrap_group_info, info);
	const char *hint;

	while (n < 64 && msrtrap_group_at(n, &info) == 0)
		names[n] = info.name, n++;
	hint = a->len > 1 ? mt_suggest(a->text + 1, a->len - 1, names, n) : NULL;
	/* "@mtrr-0x300": a group glued to an interval dash */
	for (size_t i = 1; i < a->len && !cut; i++)
		if (a->text[i] == '-' && mt_group_find(a->text + 1, i - 1))
			cut = i;
	if (cut)
		error_at(ps, a, MSRTRAP_DIAG_BAD_TARGET,
			 "a group cannot start an interval");
	else if (a->len == 1)
		error_at(ps, a, MSRTRAP_DIAG_UNKNOWN_GROUP,
			 "expected a group name after '@'");
	else if (hint)
		error_at(ps, a, MSRTRAP_DIAG_UNKNOWN_GROUP,
			 "unknown group '%s' (did you mean '@%s'?)", SHOW(a), hint);
	else
		error_at(ps, a, MSRTRAP_DIAG_UNKNOWN_GROUP, "unknown group '%s'",
			 SHOW(a));
}

static void group_target(struct parser *ps, bool allow,
			 const struct mt_token *a)
{
	const struct msrtrap_group_info *g = mt_group_find(a->text + 1, a->len - 1);

	if (!g) {
		unknown_group(ps, a);
		return;
	}
	/* (a '-' after a group name is part of the token) */
	for (size_t i = 0; i < g->nintervals; i++)
		add_target(ps, allow, g->intervals[i].first, g->intervals[i].last,
			   a, a->len);
}

/* An interval end as a message quotes it: "0x10" or "'NAME' (0x10)". */
static void show_endpoint(const struct mt_token *t, uint32_t v, char *buf,
			  size_t size)
{
	if (t->text[0] >= '0' && t->text[0] <= '9')
		snprintf(buf, size, "0x%x", v);
	else
		snprintf(buf, size, "'%s' (0x%x)", SHOW(t), v);
}

/*
 * The end of an interval, after its dash: 0 and *hi, or -1 when there
 * is an error (reported). @a is the start, whose value is lo.
 */
static int interval_end(struct parser *ps, const struct mt_token *a,
			uint32_t lo, bool lo_ok, uint32_t *hi)
{
	struct mt_token b = ps->tok;
	char sa[160], sb[160];

	if (b.kind == MT_TOK_GROUP && !b.space_before) {
		error_at(ps, &b, MSRTRAP_DIAG_BAD_TARGET,
			 "a group cannot end an interval");
		advance(ps);
		return -1;
	}
	if (b.kind != MT_TOK_WORD || b.space_before) {
		error_after(ps, MSRTRAP_DIAG_BAD_TARGET,
			    "expected an MSR after '-'");
		return -1;
	}
	advance(ps);
	if (endpoint(ps, &b, hi) || !lo_ok)
		return -1;
	if (*hi >= lo)
		return 0;
	show_endpoint(a, lo, sa, sizeof(sa));
	show_endpoint(&b, *hi, sb, sizeof(sb));
	error_at(ps, &b, MSRTRAP_DIAG_REVERSED_INTERVAL,
		 "interval end %s is below its start %s", sb, sa);
	return -1;
}

/* A number or name, or an interval A-B of them (no spaces around '-'). */
static void interval_target(struct parser *ps, bool allow,
			    const struct mt_token *a)
{
	uint32_t lo = 0, hi;
	bool ok = endpoint(ps, a, &lo) == 0;

	hi = lo;
	if (ps->tok.kind == MT_TOK_DASH && !ps->tok.space_before) {
		advance(ps);
		if (interval_end(ps, a, lo, ok, &hi))
			ok = false;
	}
	if (ok)
		add_target(ps, allow, lo, hi, a,
			   (size_t)(ps->prev.text + ps->prev.len - a->text));
}

/* Something glued to the target: report once, skip to whitespace. */
static void glued_suffix(struct parser *ps, const struct mt_token *a)
{
	if (!at_eol(ps) && !ps->tok.space_before && !ps->line_bad) {
		if (ps->tok.len == 1 && ps->tok.text[0] == ',') {
			error_at(ps, &ps->tok, MSRTRAP_DIAG_BAD_TARGET,
				 "unexpected ','; separate targets with spaces");
		} else {
			struct mt_token whole = *a;

			whole.len = (size_t)(ps->prev.text + ps->prev.len - a->text);
			error_at(ps, &ps->tok, MSRTRAP_DIAG_BAD_TARGET,
				 "unexpected '%s' after '%s'", SHOW(&ps->tok),
				 SHOW(&whole));
		}
	}
	while (!at_eol(ps) && !ps->tok.space_before)
		advance(ps);
}

void mt_parse_target(struct parser *ps, bool allow)
{
	struct mt_token a = ps->tok;
	bool bad_before = ps->line_bad;

	/* judge this target alone; the line's earlier errors come back after */
	ps->line_bad = false;
	advance(ps);
	if (a.kind == MT_TOK_GROUP)
		group_target(ps, allow, &a);
	else if (a.kind == MT_TOK_WORD)
		interval_target(ps, allow, &a);
	else
		stray(ps, &a);
	glued_suffix(ps, &a);
	ps->line_bad |= bad_before;
}

bool mt_looks_like_target(const struct mt_token *t)
{
	char name[128];

	if (t->kind == MT_TOK_GROUP)
		return true;
	if (t->kind != MT_TOK_WORD)
		return false;
	if (t->text[0] >= '0' && t->text[0] <= '9')
		return true;
	if (t->len >= sizeof(name))
		return false;
	memcpy(name, t->text, t->len);
	name[t->len] = 0;
	return msrtrap_msr_lookup(name, NULL) == 0;
}

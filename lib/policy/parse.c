// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The policy parser: a hand-written recursive-descent parser over the
 * tokens of policy_lex.c, one line at a time (docs/policy.md has the
 * grammar). It reports every error it finds: a line whose structure is
 * wrong is skipped after the first error on it; a bad target is skipped
 * up to the next whitespace and the following targets are still checked.
 * A rule with any error is dropped; a text with any error yields no
 * policy.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <msrtrap/names.h>
#include <msrtrap/policy.h>

#include "util/diags.h"
#include "util/opts.h"
#include "util/strdist.h"
#include "policy_internal.h"

struct parser {
	struct mt_lexer lx;
	struct mt_token tok;  /* current token */
	struct mt_token prev; /* the token before it on this line */
	struct msrtrap_policy *p;
	struct msrtrap_diags *d;
	bool for_kvm;
	int err; /* sticky -ENOMEM */
	bool line_bad;
	bool rule_open; /* the current line's rule was added to the policy */
	/* the first `default` keyword, for the duplicate note */
	bool seen_default;
	unsigned int default_line, default_column;
};

static void advance(struct parser *ps)
{
	ps->prev = ps->tok;
	mt_lex_next(&ps->lx, &ps->tok);
}

static bool at_eol(const struct parser *ps)
{
	return ps->tok.kind == MT_TOK_EOL || ps->tok.kind == MT_TOK_EOF;
}

static void skip_line(struct parser *ps)
{
	while (!at_eol(ps))
		advance(ps);
}

static void report(struct parser *ps, enum msrtrap_severity sev,
		   enum msrtrap_diag_code code, unsigned int line,
		   unsigned int column, size_t length, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

static void report(struct parser *ps, enum msrtrap_severity sev,
		   enum msrtrap_diag_code code, unsigned int line,
		   unsigned int column, size_t length, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (sev == MSRTRAP_SEV_ERROR)
		ps->line_bad = true;
	if (ps->err)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (mt_diags_add(ps->d, sev, code, line, column,
			 length > 0xffff ? 0xffff : (unsigned int)length, "%s", msg))
		ps->err = -ENOMEM;
}

/* An error at a token. */
#define error_at(ps, t, code, ...)                                             \
	report(ps, MSRTRAP_SEV_ERROR, code, (t)->line, (t)->column, (t)->len,  \
	       __VA_ARGS__)

/* An error just after the previous token, where something is missing. */
#define error_after(ps, code, ...)                                             \
	report(ps, MSRTRAP_SEV_ERROR, code, (ps)->prev.line,                   \
	       (ps)->prev.column + (unsigned int)(ps)->prev.len, 0, __VA_ARGS__)

/*
 * A token as it can be quoted in a message: printable ASCII as is, other
 * bytes as \xNN, long tokens cut with "...".
 */
static const char *show(const struct mt_token *t, char *buf, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < t->len && o + 8 < size; i++) {
		unsigned char c = (unsigned char)t->text[i];

		if (i == 48) {
			o += (size_t)snprintf(buf + o, size - o, "...");
			break;
		}
		if (c >= 0x20 && c < 0x7f)
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
	}
	buf[o] = 0;
	return buf;
}

#define SHOW(t) show((t), (char[256]){ 0 }, 256)

static bool word_is(const struct mt_token *t, const char *kw)
{
	return t->kind == MT_TOK_WORD && t->len == strlen(kw) &&
	       strncasecmp(t->text, kw, t->len) == 0;
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static const char *const keywords[] = { "allow", "deny", "default" };
static const char *const verdicts[] = { "allow", "deny" };

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
static int endpoint(struct parser *ps, const struct mt_token *t, uint32_t *v)
{
	struct msrtrap_msr_info info;
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
		if (msrtrap_msr_lookup(name, &info) == 0) {
			*v = info.index;
			return 0;
		}
		hint = msrtrap_msr_suggest(name);
	} else {
		hint = NULL;
	}
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
		report(ps, MSRTRAP_SEV_WARNING, MSRTRAP_DIAG_X2APIC_DENY,
		       start->line, start->column, length,
		       "KVM never filters x2APIC MSRs: denying 0x%x has no effect "
		       "under a KVM MSR filter", first);
	else
		report(ps, MSRTRAP_SEV_WARNING, MSRTRAP_DIAG_X2APIC_DENY,
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
	else if (t->len == 1 && t->text[0] == '-')
		error_at(ps, t, MSRTRAP_DIAG_BAD_TARGET,
			 "expected an MSR before '-' (write intervals as A-B, "
			 "without spaces)");
	else
		error_at(ps, t, MSRTRAP_DIAG_BAD_TARGET, "unexpected '%s'", SHOW(t));
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

static void parse_target(struct parser *ps, bool allow)
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

/* ---- lines ---- */

static bool looks_like_target(const struct mt_token *t)
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

static void parse_rule(struct parser *ps, bool allow)
{
	struct mt_token verb = ps->tok;
	size_t nitems = ps->p->nitems, nrules = ps->p->nrules;
	enum msrtrap_access access = 0;
	bool targets = false;

	advance(ps);
	if (at_eol(ps)) {
		error_after(ps, MSRTRAP_DIAG_BAD_ACCESS,
			    "expected access 'r', 'w' or 'rw' after '%s'",
			    allow ? "allow" : "deny");
		return;
	}
	if (word_is(&ps->tok, "r"))
		access = MSRTRAP_READ;
	else if (word_is(&ps->tok, "w"))
		access = MSRTRAP_WRITE;
	else if (word_is(&ps->tok, "rw"))
		access = MSRTRAP_RW;
	if (access) {
		advance(ps);
	} else if (looks_like_target(&ps->tok)) {
		/* carry on with the targets: their errors are worth seeing */
		error_at(ps, &ps->tok, MSRTRAP_DIAG_BAD_ACCESS,
			 "missing access before '%s' (expected 'r', 'w' or 'rw')",
			 SHOW(&ps->tok));
	} else {
		error_at(ps, &ps->tok, MSRTRAP_DIAG_BAD_ACCESS,
			 "invalid access '%s' (expected 'r', 'w' or 'rw')",
			 SHOW(&ps->tok));
		skip_line(ps);
		return;
	}
	ps->rule_open = false;
	if (!ps->line_bad) {
		if (mt_policy_add_rule(ps->p, allow, access, verb.line, verb.column))
			ps->err = -ENOMEM;
		else
			ps->rule_open = true;
	}
	while (!at_eol(ps) && !ps->err) {
		parse_target(ps, allow);
		targets = true;
	}
	if (!targets)
		error_after(ps, MSRTRAP_DIAG_MISSING_TARGET,
			    "expected at least one target (MSR, interval or @group) "
			    "after '%.*s'", (int)ps->prev.len, ps->prev.text);
	if (ps->line_bad) {
		ps->p->nitems = nitems;
		ps->p->nrules = nrules;
	}
	ps->rule_open = false;
}

static void parse_default(struct parser *ps)
{
	struct mt_token kw = ps->tok;
	bool allow = true, ok = true;

	advance(ps);
	if (ps->seen_default) {
		error_at(ps, &kw, MSRTRAP_DIAG_DUPLICATE_DEFAULT,
			 "'default' given twice (at most once per policy)");
		report(ps, MSRTRAP_SEV_NOTE, MSRTRAP_DIAG_NONE, ps->default_line,
		       ps->default_column, 7, "first 'default' is here");
		ok = false;
	} else {
		ps->seen_default = true;
		ps->default_line = kw.line;
		ps->default_column = kw.column;
	}
	if (at_eol(ps)) {
		error_after(ps, MSRTRAP_DIAG_BAD_DEFAULT,
			    "expected 'allow' or 'deny' after 'default'");
		return;
	}
	if (word_is(&ps->tok, "allow")) {
		allow = true;
	} else if (word_is(&ps->tok, "deny")) {
		allow = false;
	} else {
		const char *hint = ps->tok.kind == MT_TOK_WORD ?
			mt_suggest(ps->tok.text, ps->tok.len, verdicts, 2) : NULL;

		if (hint)
			error_at(ps, &ps->tok, MSRTRAP_DIAG_BAD_DEFAULT,
				 "invalid default '%s' (did you mean '%s'?)",
				 SHOW(&ps->tok), hint);
		else
			error_at(ps, &ps->tok, MSRTRAP_DIAG_BAD_DEFAULT,
				 "invalid default '%s' (expected 'allow' or 'deny')",
				 SHOW(&ps->tok));
		skip_line(ps);
		return;
	}
	advance(ps);
	if (!at_eol(ps)) {
		error_at(ps, &ps->tok, MSRTRAP_DIAG_BAD_DEFAULT,
			 "unexpected '%s' after 'default %s'", SHOW(&ps->tok),
			 allow ? "allow" : "deny");
		skip_line(ps);
		return;
	}
	if (ok) {
		ps->p->default_allow = allow;
		ps->p->default_line = kw.line;
		ps->p->default_column = kw.column;
	}
}

static void parse_line(struct parser *ps)
{
	const struct mt_token *t = &ps->tok;

	ps->line_bad = false;
	if (word_is(t, "allow")) {
		parse_rule(ps, true);
	} else if (word_is(t, "deny")) {
		parse_rule(ps, false);
	} else if (word_is(t, "default")) {
		parse_default(ps);
	} else if (t->kind == MT_TOK_WORD) {
		const char *hint = mt_suggest(t->text, t->len, keywords, 3);

		if (hint)
			error_at(ps, t, MSRTRAP_DIAG_UNKNOWN_KEYWORD,
				 "unknown keyword '%s' (did you mean '%s'?)",
				 SHOW(t), hint);
		else
			error_at(ps, t, MSRTRAP_DIAG_UNKNOWN_KEYWORD,
				 "unknown keyword '%s' (expected 'allow', 'deny' "
				 "or 'default')", SHOW(t));
	} else {
		error_at(ps, t, MSRTRAP_DIAG_UNKNOWN_KEYWORD,
			 "expected 'allow', 'deny' or 'default', found '%s'",
			 SHOW(t));
	}
	skip_line(ps);
}

/* ---- semantic warnings ---- */

static int overridden(void *ctx, size_t rule, size_t min_rule, size_t max_rule)
{
	struct parser *ps = ctx;
	const struct mt_rule *r = &ps->p->rules[rule];
	unsigned int len = r->allow ? 5 : 4;

	if (min_rule == max_rule)
		report(ps, MSRTRAP_SEV_WARNING, MSRTRAP_DIAG_OVERRIDDEN_RULE,
		       r->line, r->column, len,
		       "rule has no effect: line %u overrides it for every MSR "
		       "and access it names", ps->p->rules[max_rule].line);
	else
		report(ps, MSRTRAP_SEV_WARNING, MSRTRAP_DIAG_OVERRIDDEN_RULE,
		       r->line, r->column, len,
		       "rule has no effect: later rules override it for every "
		       "MSR and access it names (last on line %u)",
		       ps->p->rules[max_rule].line);
	return ps->err;
}

/* ---- entry point ---- */

int msrtrap_policy_parse(const char *text, size_t len,
			 const struct msrtrap_policy_opts *opts,
			 struct msrtrap_policy **out,
			 struct msrtrap_diags **diags)
{
	struct parser ps = { 0 };
	const char *filename;
	int err;

	if (out)
		*out = NULL;
	if (diags)
		*diags = NULL;
	if (!out || (!text && len) || !OPTS_VALID(opts, msrtrap_policy_opts))
		return -EINVAL;
	filename = OPTS_GET(opts, filename, NULL);
	ps.for_kvm = OPTS_GET(opts, for_kvm, false);
	ps.p = mt_policy_new();
	ps.d = mt_diags_new(filename);
	if (!ps.p || !ps.d || (filename && !(ps.p->filename = strdup(filename)))) {
		err = -ENOMEM;
		goto fail;
	}
	mt_lex_init(&ps.lx, text ? text : "", len);
	mt_lex_next(&ps.lx, &ps.tok);
	while (ps.tok.kind != MT_TOK_EOF && !ps.err) {
		if (ps.tok.kind != MT_TOK_EOL)
			parse_line(&ps);
		if (ps.tok.kind == MT_TOK_EOL) {
			ps.prev = ps.tok;
			mt_lex_next(&ps.lx, &ps.tok);
		}
	}
	if (!ps.err && !msrtrap_diags_errors(ps.d)) {
		if (mt_policy_build(ps.p) ||
		    mt_policy_overridden(ps.p, overridden, &ps))
			ps.err = -ENOMEM;
	}
	if (ps.err) {
		err = ps.err;
		goto fail;
	}
	mt_diags_sort(ps.d);
	if (msrtrap_diags_errors(ps.d)) {
		msrtrap_policy_free(ps.p);
		ps.p = NULL;
		err = -EINVAL;
	} else {
		*out = ps.p;
		err = 0;
	}
	if (diags)
		*diags = ps.d;
	else
		msrtrap_diags_free(ps.d);
	return err;
fail:
	msrtrap_policy_free(ps.p);
	msrtrap_diags_free(ps.d);
	return err;
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The policy parser: a hand-written recursive-descent parser over the
 * tokens of lex.c, one line at a time (docs/policy.md has the
 * grammar). It reports every error it finds: a line whose structure is
 * wrong is skipped after the first error on it; a bad target is skipped
 * up to the next whitespace and the following targets are still checked.
 * A rule with any error is dropped; a text with any error yields no
 * policy. The targets of a rule are parsed in target.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <msrtrap/policy.h>

#include "util/diags.h"
#include "util/opts.h"
#include "util/strdist.h"
#include "parser.h"

static void skip_line(struct parser *ps)
{
	while (!at_eol(ps))
		advance(ps);
}

static bool word_is(const struct mt_token *t, const char *kw)
{
	return t->kind == MT_TOK_WORD && t->len == strlen(kw) &&
	       strncasecmp(t->text, kw, t->len) == 0;
}

static const char *const keywords[] = { "allow", "deny", "default" };
static const char *const verdicts[] = { "allow", "deny" };
/* ---- lines ---- */

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
	} else if (mt_looks_like_target(&ps->tok)) {
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
		mt_parse_target(ps, allow);
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
		mt_parser_report(ps, MSRTRAP_SEV_NOTE, MSRTRAP_DIAG_NONE, ps->default_line,
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
			 "expected 'allow', 'deny' or 'default', found '%s'%s",
			 SHOW(t), NAME_CHAR(t));
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
		mt_parser_report(ps, MSRTRAP_SEV_WARNING, MSRTRAP_DIAG_OVERRIDDEN_RULE,
		       r->line, r->column, len,
		       "rule has no effect: line %u overrides it for every MSR "
		       "and access it names", ps->p->rules[max_rule].line);
	else
		mt_parser_report(ps, MSRTRAP_SEV_WARNING, MSRTRAP_DIAG_OVERRIDDEN_RULE,
		       r->line, r->column, len,
		       "rule has no effect: later rules override it for every "
		       "MSR and access it names (last on line %u)",
		       ps->p->rules[max_rule].line);
	return ps->err;
}

/* ---- entry point ---- */

/*
 * A file with old Mac line endings (CR alone) is one long line to the
 * lexer, whose whitespace includes CR (for CRLF): its errors then read as
 * "unexpected 'allow' after 'default deny'". When the line of the last
 * error holds a carriage return without a line feed, a note says so at
 * the first one.
 */
static void note_lone_cr(struct parser *ps, const char *text, size_t len)
{
	MSRTRAP_OPTS(msrtrap_diagnostic, last);
	size_t n = msrtrap_diags_count(ps->d), start = 0;
	unsigned int line = 1;

	if (!n || msrtrap_diags_get(ps->d, n - 1, &last))
		return;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n') {
			line++;
			start = i + 1;
		} else if (text[i] == '\r' &&
			   (i + 1 == len || text[i + 1] != '\n')) {
			if (line != last.line)
				return;
			if (mt_diags_add(
				    ps->d, MSRTRAP_SEV_NOTE, MSRTRAP_DIAG_NONE,
				    line, (unsigned int)(i - start) + 1, 1,
				    "a carriage return without a line feed: "
				    "lines end with LF or CRLF, so a file "
				    "with CR line endings is one line"))
				ps->err = -ENOMEM;
			return;
		}
	}
}

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
	if (!ps.err && msrtrap_diags_errors(ps.d))
		note_lone_cr(&ps, text ? text : "", len);
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

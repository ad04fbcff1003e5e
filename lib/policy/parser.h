/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The parser's state and its reporting helpers, shared by the line
 * parser (parse.c) and the target parser (target.c).
 */
#ifndef MSRTRAP_LIB_POLICY_PARSER_H
#define MSRTRAP_LIB_POLICY_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msrtrap/diags.h>

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

static inline void advance(struct parser *ps)
{
	ps->prev = ps->tok;
	mt_lex_next(&ps->lx, &ps->tok);
}

static inline bool at_eol(const struct parser *ps)
{
	return ps->tok.kind == MT_TOK_EOL || ps->tok.kind == MT_TOK_EOF;
}

/*
 * Add a diagnostic (an error marks the line bad); a failed allocation is
 * remembered in ps->err.
 */
void mt_parser_report(struct parser *ps, enum msrtrap_severity sev,
		      enum msrtrap_diag_code code, unsigned int line,
		      unsigned int column, size_t length, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/* An error at a token. */
#define error_at(ps, t, code, ...)                                             \
	mt_parser_report(ps, MSRTRAP_SEV_ERROR, code, (t)->line, (t)->column,  \
			 (t)->len, __VA_ARGS__)

/* An error just after the previous token, where something is missing. */
#define error_after(ps, code, ...)                                             \
	mt_parser_report(ps, MSRTRAP_SEV_ERROR, code, (ps)->prev.line,         \
			 (ps)->prev.column + (unsigned int)(ps)->prev.len, 0,  \
			 __VA_ARGS__)

/*
 * A token as it can be quoted in a message: printable ASCII as is, other
 * bytes as \xNN, long tokens cut with "...".
 */
const char *mt_parser_show(const struct mt_token *t, char *buf, size_t size);

#define SHOW(t) mt_parser_show((t), (char[256]){ 0 }, 256)

/*
 * For a token that is one non-ASCII UTF-8 character: " (U+00A0, a
 * no-break space)" and the like, to follow its quoted bytes; else "".
 */
const char *mt_parser_name_char(const struct mt_token *t, char *buf,
				size_t size);
#define NAME_CHAR(t) mt_parser_name_char((t), (char[96]){ 0 }, 96)

/* Could the token start a target (a group, a number, a known name)? */
bool mt_looks_like_target(const struct mt_token *t);
/* One target of the current rule, up to the next whitespace. */
void mt_parse_target(struct parser *ps, bool allow);

#endif

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The policy object shared by the lexer (lex.c), the parser (parse.c,
 * target.c), the groups (groups.c), the model (model.c), its text
 * (text.c) and its analyses (lint.c); lib/compile reads the canonical
 * model (exc, nexc, default_allow) too.
 */
#ifndef MSRTRAP_LIB_POLICY_INTERNAL_H
#define MSRTRAP_LIB_POLICY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msrtrap/policy.h>

/* ---- lexer ---- */

enum mt_tok {
	MT_TOK_EOF = 0,	 /* end of text */
	MT_TOK_EOL,	 /* end of line (comment included) */
	MT_TOK_WORD,	 /* [A-Za-z0-9_]+: keyword, access, number, name */
	MT_TOK_GROUP,	 /* '@' [A-Za-z0-9_-]*, text includes the '@' */
	MT_TOK_DASH,	 /* '-' */
	MT_TOK_OTHER,	 /* any other byte */
};

struct mt_token {
	enum mt_tok kind;
	const char *text;
	size_t len;
	unsigned int line, column; /* 1-based; column counts bytes */
	bool space_before;	   /* whitespace (or line start) before it */
};

struct mt_lexer {
	const char *text;
	size_t len, pos;
	unsigned int line;
	size_t line_start; /* offset of the current line's first byte */
};

void mt_lex_init(struct mt_lexer *lx, const char *text, size_t len);
/*
 * Bytes of the well-formed multi-byte UTF-8 character at s (its code
 * point in *cp unless NULL), or 0 when there is none.
 */
size_t mt_utf8_len(const char *s, size_t avail, uint32_t *cp);
/* Next token of the current line; EOL consumes the line end. */
void mt_lex_next(struct mt_lexer *lx, struct mt_token *tok);

/* ---- groups ---- */

/* A group by name (len bytes, no '@'), case-insensitive; NULL if none. */
const struct msrtrap_group_info *mt_group_find(const char *name, size_t len);

/* ---- the policy ---- */

struct mt_rule {
	bool allow;
	enum msrtrap_access access;
	unsigned int line, column;
};

/* One interval named by one target of one rule. */
struct mt_item {
	uint32_t first, last;
	uint32_t rule;
	unsigned int column, length; /* the target in the source */
};

/* A maximal run of MSRs decided by one item (the last one naming them). */
struct mt_seg {
	uint32_t first, last;
	uint32_t item;
};

struct msrtrap_policy {
	bool default_allow;
	unsigned int default_line, default_column;
	char *filename;

	struct mt_rule *rules;
	size_t nrules, rules_cap;
	struct mt_item *items;
	size_t nitems, items_cap;

	/* the model, per access: [0] read, [1] write */
	struct mt_seg *segs[2];
	size_t nsegs[2];
	struct msrtrap_interval *exc[2];
	size_t nexc[2];
};

struct msrtrap_policy *mt_policy_new(void);
int mt_policy_add_rule(struct msrtrap_policy *p, bool allow,
		       enum msrtrap_access access, unsigned int line,
		       unsigned int column);
/* An interval of the last rule. */
int mt_policy_add_item(struct msrtrap_policy *p, uint32_t first, uint32_t last,
		       unsigned int column, unsigned int length);
/* Compute segments and exceptions from rules and items: 0 or -ENOMEM. */
int mt_policy_build(struct msrtrap_policy *p);

/*
 * The canonical model, for readers outside lib/policy (lib/compile): the
 * exception intervals of access index ai, and the default they except.
 */
static inline const struct msrtrap_interval *
mt_policy_exc(const struct msrtrap_policy *p, int ai, size_t *n)
{
	*n = p->nexc[ai];
	return p->exc[ai];
}

static inline bool mt_policy_default(const struct msrtrap_policy *p)
{
	return p->default_allow;
}

/* Does the run's deciding rule allow? */
static inline bool mt_seg_allows(const struct msrtrap_policy *p,
				 const struct mt_seg *s)
{
	return p->rules[p->items[s->item].rule].allow;
}

/* Index of the first run of access ai with last >= msr (model.c). */
size_t mt_seg_lower(const struct msrtrap_policy *p, int ai, uint32_t msr);
/* Index of the first run of access ai with first > msr (model.c). */
size_t mt_seg_upper(const struct msrtrap_policy *p, int ai, uint32_t msr);

/* "0xA" or "0xA-0xB", as policy text writes a target (text.c). */
int mt_target_text(char *buf, size_t size, uint32_t first, uint32_t last);

/* Which access index (0 read, 1 write) or -1. */
static inline int mt_access_index(enum msrtrap_access access)
{
	return access == MSRTRAP_READ ? 0 : access == MSRTRAP_WRITE ? 1 : -1;
}

/* The access of index ai (0 read, 1 write). */
static inline enum msrtrap_access mt_index_access(int ai)
{
	return ai ? MSRTRAP_WRITE : MSRTRAP_READ;
}

/*
 * The overridden-rule analysis: for each rule that decides nothing,
 * calls back with the first and last later rule that decide MSRs it
 * names. 0 or -ENOMEM.
 */
int mt_policy_overridden(const struct msrtrap_policy *p,
			 int (*fn)(void *ctx, size_t rule, size_t min_rule,
				   size_t max_rule),
			 void *ctx);

#endif

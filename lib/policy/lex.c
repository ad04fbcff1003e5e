// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The policy lexer: one line at a time, tokens with 1-based line and byte
 * column. Whitespace is space, tab, CR, VT, FF (so CRLF lines work); '#'
 * starts a comment that runs to the end of the line.
 */
#include "policy_internal.h"

void mt_lex_init(struct mt_lexer *lx, const char *text, size_t len)
{
	lx->text = text;
	lx->len = len;
	lx->pos = 0;
	lx->line = 1;
	lx->line_start = 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

size_t mt_utf8_len(const char *s, size_t avail, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n;
	uint32_t c;

	if (!avail || u[0] < 0xc2 || u[0] > 0xf4)
		return 0;
	n = u[0] >= 0xf0 ? 4 : u[0] >= 0xe0 ? 3 : 2;
	if (n > avail)
		return 0;
	c = u[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (u[i] & 0x3f);
	}
	/* overlong, surrogate or beyond U+10FFFF: not UTF-8 */
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	if (cp)
		*cp = c;
	return n;
}

void mt_lex_next(struct mt_lexer *lx, struct mt_token *tok)
{
	const char *s = lx->text;
	size_t start = lx->pos;

	while (lx->pos < lx->len && is_space(s[lx->pos]))
		lx->pos++;
	if (lx->pos < lx->len && s[lx->pos] == '#')
		while (lx->pos < lx->len && s[lx->pos] != '\n')
			lx->pos++;

	tok->text = s + lx->pos;
	tok->len = 0;
	tok->line = lx->line;
	tok->column = (unsigned int)(lx->pos - lx->line_start) + 1;
	tok->space_before = lx->pos > start || lx->pos == lx->line_start;

	if (lx->pos == lx->len) {
		tok->kind = MT_TOK_EOF;
		return;
	}
	if (s[lx->pos] == '\n') {
		tok->kind = MT_TOK_EOL;
		lx->pos++;
		lx->line++;
		lx->line_start = lx->pos;
		return;
	}
	if (is_word(s[lx->pos])) {
		tok->kind = MT_TOK_WORD;
		while (lx->pos < lx->len && is_word(s[lx->pos]))
			lx->pos++;
	} else if (s[lx->pos] == '@') {
		tok->kind = MT_TOK_GROUP;
		lx->pos++;
		while (lx->pos < lx->len &&
		       (is_word(s[lx->pos]) || s[lx->pos] == '-'))
			lx->pos++;
	} else {
		/* a UTF-8 character is one token, quoted and named whole */
		size_t n = mt_utf8_len(s + lx->pos, lx->len - lx->pos, NULL);

		tok->kind = s[lx->pos] == '-' ? MT_TOK_DASH : MT_TOK_OTHER;
		lx->pos += n ? n : 1;
	}
	tok->len = lx->pos - (size_t)(tok->text - s);
}

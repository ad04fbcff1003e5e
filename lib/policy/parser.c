// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The parser's reporting helpers (parser.h), below both the line parser
 * (parse.c) and the target parser (target.c), which call each other's
 * entry points only in one direction: parse.c -> target.c -> here.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "util/diags.h"
#include "parser.h"

void mt_parser_report(struct parser *ps, enum msrtrap_severity sev,
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

const char *mt_parser_show(const struct mt_token *t, char *buf, size_t size)
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

const char *mt_parser_name_char(const struct mt_token *t, char *buf,
				size_t size)
{
	uint32_t cp;

	buf[0] = 0;
	if (!t->len || mt_utf8_len(t->text, t->len, &cp) != t->len)
		return buf;
	/* the characters an editor hides: say what they are */
	if (cp == 0xfeff)
		snprintf(buf, size, " (U+FEFF, a UTF-8 byte-order mark)");
	else if (cp == 0xa0)
		snprintf(buf, size, " (U+00A0, a no-break space)");
	else if (cp == 0x200b)
		snprintf(buf, size, " (U+200B, a zero-width space)");
	else
		snprintf(buf, size, " (U+%04X; policies are ASCII outside "
			 "comments)", (unsigned int)cp);
	return buf;
}

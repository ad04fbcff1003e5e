// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "vec.h"

/* Room for @extra more bytes plus the NUL. */
static int reserve(struct mt_strbuf *b, size_t extra)
{
	if (b->err)
		return b->err;
	if (extra > SIZE_MAX - b->len - 1 ||
	    mt_vec_grow((void **)&b->s, &b->cap, b->len + extra + 1, 1))
		b->err = -ENOMEM;
	return b->err;
}

void mt_strbuf_vprintf(struct mt_strbuf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	if (b->err)
		return;
	va_copy(aq, ap);
	n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0,
		      fmt, aq);
	va_end(aq);
	if (n < 0) {
		b->err = -ENOMEM;
		return;
	}
	if (b->s && (size_t)n < b->cap - b->len) {
		b->len += (size_t)n;
		return;
	}
	if (reserve(b, (size_t)n))
		return;
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	b->len += (size_t)n;
}

void mt_strbuf_printf(struct mt_strbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mt_strbuf_vprintf(b, fmt, ap);
	va_end(ap);
}

void mt_strbuf_put(struct mt_strbuf *b, const char *s, size_t n)
{
	if (reserve(b, n))
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

void mt_strbuf_putc(struct mt_strbuf *b, char c)
{
	mt_strbuf_put(b, &c, 1);
}

void mt_strbuf_hex(struct mt_strbuf *b, const uint8_t *bytes, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	if (n > SIZE_MAX / 2 || reserve(b, 2 * n))
		return;
	for (size_t i = 0; i < n; i++) {
		b->s[b->len++] = digits[bytes[i] >> 4];
		b->s[b->len++] = digits[bytes[i] & 15];
	}
	b->s[b->len] = 0;
}

char *mt_strbuf_steal(struct mt_strbuf *b, size_t *len)
{
	char *s;

	/* reserve() leaves b->s allocated unless it sets b->err */
	if ((!b->s && reserve(b, 0)) || b->err || !b->s) {
		mt_strbuf_fini(b);
		return NULL;
	}
	b->s[b->len] = 0;
	s = b->s;
	if (len)
		*len = b->len;
	*b = (struct mt_strbuf)MT_STRBUF_INIT;
	return s;
}

void mt_strbuf_fini(struct mt_strbuf *b)
{
	free(b->s);
	*b = (struct mt_strbuf)MT_STRBUF_INIT;
}

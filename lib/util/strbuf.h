/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one string builder: appends never fail visibly; the first allocation
 * failure is remembered in ->err (-ENOMEM) and every later append is a
 * no-op, so a writer appends freely and checks once at the end. The text
 * is always NUL-terminated once anything was appended.
 */
#ifndef MSRTRAP_UTIL_STRBUF_H
#define MSRTRAP_UTIL_STRBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct mt_strbuf {
	char *s;
	size_t len, cap;
	int err; /* 0 or -ENOMEM */
};

#define MT_STRBUF_INIT { NULL, 0, 0, 0 }

void mt_strbuf_printf(struct mt_strbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void mt_strbuf_vprintf(struct mt_strbuf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void mt_strbuf_putc(struct mt_strbuf *b, char c);
void mt_strbuf_put(struct mt_strbuf *b, const char *s, size_t n);
/* Two lower-case hex digits per byte. */
void mt_strbuf_hex(struct mt_strbuf *b, const uint8_t *bytes, size_t n);
/*
 * Hand the text to the caller (an empty string when nothing was appended)
 * and reset the builder; NULL and the builder freed on ->err.
 */
char *mt_strbuf_steal(struct mt_strbuf *b, size_t *len);
void mt_strbuf_fini(struct mt_strbuf *b);

#endif

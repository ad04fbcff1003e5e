/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one filler of struct msrtrap_error (<msrtrap/common.h>). */
#ifndef MSRTRAP_UTIL_ERROR_H
#define MSRTRAP_UTIL_ERROR_H

#include <stdarg.h>

#include <msrtrap/common.h>

/*
 * Explain a failure in @e (ignored when NULL): @where verbatim, the
 * message formatted, both truncated to fit. Returns @err, so a caller
 * writes `return mt_error_set(e, -EINVAL, "flags", "...")`.
 */
int mt_error_set(struct msrtrap_error *e, int err, const char *where,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int mt_error_vset(struct msrtrap_error *e, int err, const char *where,
		  const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

/* Both strings empty (within the caller's sz): "no error explained". */
void mt_error_clear(struct msrtrap_error *e);

#endif

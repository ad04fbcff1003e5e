// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdio.h>

#include "error.h"

int mt_error_vset(struct msrtrap_error *e, int err, const char *where,
		  const char *fmt, va_list ap)
{
	if (!e)
		return err;
	snprintf(e->where, sizeof(e->where), "%s", where ? where : "");
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	return err;
}

int mt_error_set(struct msrtrap_error *e, int err, const char *where,
		 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mt_error_vset(e, err, where, fmt, ap);
	va_end(ap);
	return err;
}

// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdio.h>

#include "error.h"
#include "opts.h"

int mt_error_vset(struct msrtrap_error *e, int err, const char *where,
		  const char *fmt, va_list ap)
{
	struct msrtrap_error ours = { .sz = sizeof(ours) };

	if (!e)
		return err;
	snprintf(ours.where, sizeof(ours.where), "%s", where ? where : "");
	vsnprintf(ours.message, sizeof(ours.message), fmt, ap);
	/* a caller's sz too small to hold sz gets nothing: the error stands */
	(void)mt_out_copy(e, &ours, sizeof(ours));
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

void mt_error_clear(struct msrtrap_error *e)
{
	struct msrtrap_error empty = { .sz = sizeof(empty) };

	if (e)
		(void)mt_out_copy(e, &empty, sizeof(empty));
}

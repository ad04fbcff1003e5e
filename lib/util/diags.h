/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Building diagnostics lists (struct msrtrap_diags), for parsers. */
#ifndef MSRTRAP_LIB_DIAGS_H
#define MSRTRAP_LIB_DIAGS_H

#include <msrtrap/diags.h>

/* A new, empty list; filename may be NULL ("<policy>"). NULL on ENOMEM. */
struct msrtrap_diags *mt_diags_new(const char *filename);

/*
 * Append a diagnostic: 0 or -ENOMEM. A note belongs to the diagnostic
 * added before it and stays right after it when the list is sorted.
 */
int mt_diags_add(struct msrtrap_diags *d, enum msrtrap_severity sev,
		 enum msrtrap_diag_code code, unsigned int line,
		 unsigned int column, unsigned int length, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/* Stable sort into source order (line, column), notes after their parent. */
void mt_diags_sort(struct msrtrap_diags *d);

#endif

// SPDX-License-Identifier: LGPL-2.1-or-later
/* The vocabulary every subsystem shares (<msrtrap/common.h>). */
#include <msrtrap/common.h>

const char *msrtrap_access_name(enum msrtrap_access access,
				enum msrtrap_access_style style)
{
	static const char *const names[4][4] = {
		[MSRTRAP_ACCESS_WORD] = { NULL, "r", "w", "rw" },
		[MSRTRAP_ACCESS_NAME] = { NULL, "read", "write", "rw" },
		[MSRTRAP_ACCESS_PLUS] = { NULL, "read", "write", "read+write" },
		[MSRTRAP_ACCESS_PHRASE] = { NULL, "read", "write", "read and write" },
	};

	if ((unsigned int)style > MSRTRAP_ACCESS_PHRASE ||
	    (unsigned int)access > MSRTRAP_RW)
		return NULL;
	return names[style][access];
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test texts built with the library's string builder (lib/util/strbuf.h). */
#ifndef MSRTRAP_TESTTEXT_H
#define MSRTRAP_TESTTEXT_H

#include "util/strbuf.h"

/* Append to a struct mt_strbuf; a test never goes on after running out. */
#define tx(t, ...)                                                             \
	do {                                                                   \
		mt_strbuf_printf((t), __VA_ARGS__);                            \
		assert_int_equal((t)->err, 0);                                 \
	} while (0)

#endif

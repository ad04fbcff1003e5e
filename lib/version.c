// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>

#include <msrtrap/common.h>
#include <msrtrap/version.h>

#include "core/core.h"

/* The core spells errno values out (no <errno.h> when freestanding). */
_Static_assert(MT_ENOENT == ENOENT, "ENOENT");
_Static_assert(MT_ENOMEM == ENOMEM, "ENOMEM");
_Static_assert(MT_EFAULT == EFAULT, "EFAULT");
_Static_assert(MT_EEXIST == EEXIST, "EEXIST");
_Static_assert(MT_EINVAL == EINVAL, "EINVAL");
_Static_assert(MT_ERANGE == ERANGE, "ERANGE");
_Static_assert(MT_EOVERFLOW == EOVERFLOW, "EOVERFLOW");

/*
 * The header's string, which meson.build has checked against the project
 * version at configure time (tests/abi/check-version.py).
 */
const char *msrtrap_version(void)
{
	return MSRTRAP_VERSION_STRING;
}

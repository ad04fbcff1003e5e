// SPDX-License-Identifier: LGPL-2.1-or-later
/* The vocabulary every subsystem shares (<msrtrap/common.h>). */
#include <errno.h>
#include <string.h>

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

const char *msrtrap_kernel_name(enum msrtrap_kernel kernel)
{
	static const char *const names[] = {
		[MSRTRAP_KERNEL_V5_19] = "v5.19",
		[MSRTRAP_KERNEL_V6_0] = "v6.0",
		[MSRTRAP_KERNEL_V6_19] = "v6.19",
	};

	if (kernel < MSRTRAP_KERNEL_V5_19 || kernel > MSRTRAP_KERNEL_V6_19)
		return NULL;
	return names[kernel];
}

int msrtrap_kernel_parse(const char *name)
{
	if (!name)
		return -EINVAL;
	for (int k = MSRTRAP_KERNEL_V5_19; k <= MSRTRAP_KERNEL_V6_19; k++) {
		const char *n = msrtrap_kernel_name((enum msrtrap_kernel)k);

		if (!strcmp(name, n) || !strcmp(name, n + 1))
			return k;
	}
	return -EINVAL;
}

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Not in text: a control byte but whitespace, DEL, a byte that never
 * occurs in UTF-8 (0xc0, 0xc1, 0xf5-0xff). Maps are full of NUL and
 * 0xff bytes.
 */
static bool is_binary_byte(unsigned char c)
{
	return (c < 0x20 && !(c >= '\t' && c <= '\r')) || c == 0x7f ||
	       c == 0xc0 || c == 0xc1 || c >= 0xf5;
}

/*
 * Real maps are mostly 0x00 and 0xff bytes; a policy with a Latin-1
 * letter, a NUL or an ESC has a few: at most 1 in 20 is still text, and
 * so is a short file with at most FEW_BAD_BYTES (a one-line policy with
 * a stray 0xff 0xfe; maps are 4096 or 8192 bytes, far past both bounds).
 */
#define FEW_BAD_BYTES 4

static bool mostly_text(const unsigned char *d, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += is_binary_byte(d[i]);
	return n <= len / 20 || n <= FEW_BAD_BYTES;
}

enum msrtrap_content msrtrap_content_recognise(const void *data, size_t len,
					       size_t *skip)
{
	const unsigned char *d = data;
	bool map_size;
	size_t i = 0;

	if (skip)
		*skip = 0;
	if (!d)
		return len ? MSRTRAP_CONTENT_UNKNOWN : MSRTRAP_CONTENT_POLICY;
	/* some Windows editors write a BOM; a map may hold these bytes */
	if (len >= 3 && !memcmp(d, "\xef\xbb\xbf", 3) && mostly_text(d, len)) {
		if (skip)
			*skip = 3;
		d += 3;
		len -= 3;
	}
	map_size = len == MSRTRAP_VMX_BITMAP_SIZE ||
		   len == MSRTRAP_SVM_MSRPM_SIZE;
	while (i < len && is_space(d[i]))
		i++;
	/* a map whose first byte happens to be '{' stays a map */
	if (i < len && d[i] == '{' &&
	    !(map_size && (memchr(d, 0, len) || memchr(d, 0xff, len))))
		return MSRTRAP_CONTENT_FILTER_JSON;
	if (mostly_text(d, len))
		return MSRTRAP_CONTENT_POLICY;
	if (len == MSRTRAP_VMX_BITMAP_SIZE)
		return MSRTRAP_CONTENT_VMX;
	if (len == MSRTRAP_SVM_MSRPM_SIZE)
		return MSRTRAP_CONTENT_SVM;
	return MSRTRAP_CONTENT_UNKNOWN;
}

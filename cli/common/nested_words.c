// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The words for L1's nested controls (<msrtrap/nested.h>), one table for
 * `msrtrap merge --controls` and sim's `nested` line.
 */
#include <string.h>
#include <strings.h>

#include <msrtrap/msrtrap.h>

#include "common/cli.h"

static const struct {
	const char *word;
	unsigned int bit;
	enum msrtrap_format fmt;
} words[] = {
	{ "msr-bitmaps", MSRTRAP_NESTED_MSR_BITMAPS, MSRTRAP_FMT_VMX },
	{ "virt-x2apic", MSRTRAP_NESTED_VIRT_X2APIC, MSRTRAP_FMT_VMX },
	{ "apic-reg-virt", MSRTRAP_NESTED_APIC_REG_VIRT, MSRTRAP_FMT_VMX },
	{ "vid", MSRTRAP_NESTED_VID, MSRTRAP_FMT_VMX },
	{ "msr-prot", MSRTRAP_NESTED_MSR_PROT, MSRTRAP_FMT_SVM },
};

int nested_control(const char *word, size_t len, enum msrtrap_format *fmt)
{
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i].word) == len &&
		    !strncasecmp(word, words[i].word, len)) {
			*fmt = words[i].fmt;
			return (int)words[i].bit;
		}
	return -1;
}

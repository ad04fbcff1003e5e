// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Prints the struct kvm_msr_filter that `msrtrap compile --to c --name
 * compiled_filter` generated, in the JSON filter format, so that
 * compile-c.sh can compare it with `msrtrap compile --to kvm` (msrtrap
 * diff). Uses only <linux/kvm.h>: the generated file must stand alone.
 */
#include <stdio.h>

#include <linux/kvm.h>

extern struct kvm_msr_filter compiled_filter;

int main(void)
{
	const struct kvm_msr_filter *f = &compiled_filter;
	const char *sep = "";

	printf("{\"flags\": %u, \"ranges\": [", f->flags);
	for (unsigned int i = 0; i < KVM_MSR_FILTER_MAX_RANGES; i++) {
		const struct kvm_msr_filter_range *r = &f->ranges[i];

		if (!r->nmsrs)
			continue;
		/* the kernel copies whole 8-byte words: they must be there */
		if ((unsigned long)r->bitmap % 8) {
			fprintf(stderr, "ranges[%u].bitmap is not 8-byte aligned\n", i);
			return 1;
		}
		printf("%s{\"flags\": %u, \"base\": %u, \"nmsrs\": %u, \"bitmap\": \"",
		       sep, r->flags, r->base, r->nmsrs);
		for (unsigned int b = 0; b < (r->nmsrs + 63) / 64 * 8; b++)
			printf("%02x", r->bitmap[b]);
		printf("\"}");
		sep = ", ";
	}
	printf("]}\n");
	return 0;
}

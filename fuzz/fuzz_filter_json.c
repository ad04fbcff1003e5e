// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzz the JSON filter loader and the kernel's validation rules:
 * msrtrap_filter_from_json() on any text, then msrtrap_filter_validate().
 *  - writing back is lossless: msrtrap_filter_to_json() reloads to a
 *    filter with the same flags, slots and bitmap bytes, the same
 *    validation result, and writes the same text again;
 *  - for a valid filter, on every range's edges (base-1, base, base+1,
 *    base+nmsrs-1, base+nmsrs, a bit from the middle) and
 *    fuzz_fixed_msrs[]: the compiled lookup (msrtrap_cfilter_allowed(),
 *    its inlined view) equals the linear scan (msrtrap_filter_allowed()),
 *    which msrtrap_filter_explain() explains consistently; the filter
 *    through the kernel ABI struct and back, and decompiled to a policy,
 *    gives the same verdicts;
 *  - diagnostics are NUL-terminated.
 * Inputs above 16 KiB are ignored.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"

#define MAX_INPUT 16384

static const unsigned int accesses[2] = { MSRTRAP_READ, MSRTRAP_WRITE };

static void check_diag(const struct msrtrap_error *d)
{
	FUZZ_CHECK(memchr(d->where, 0, sizeof(d->where)), "diag.where unterminated");
	FUZZ_CHECK(memchr(d->message, 0, sizeof(d->message)),
		   "diag.message unterminated");
}

static void check_same(const struct msrtrap_filter *a,
		       const struct msrtrap_filter *b)
{
	unsigned int n = msrtrap_filter_nranges(a);

	FUZZ_CHECK(msrtrap_filter_flags(a) == msrtrap_filter_flags(b), "flags %u/%u",
		   msrtrap_filter_flags(a), msrtrap_filter_flags(b));
	FUZZ_CHECK(n == msrtrap_filter_nranges(b), "nranges %u/%u", n,
		   msrtrap_filter_nranges(b));
	for (unsigned int i = 0; i < n; i++) {
		struct msrtrap_filter_range x, y;

		FUZZ_CHECK(msrtrap_filter_range(a, i, &x) == 0, "range %u", i);
		FUZZ_CHECK(msrtrap_filter_range(b, i, &y) == 0, "range %u", i);
		FUZZ_CHECK(x.flags == y.flags && x.base == y.base && x.nmsrs == y.nmsrs,
			   "range %u: flags %u/%u base 0x%x/0x%x nmsrs %u/%u", i,
			   x.flags, y.flags, x.base, y.base, x.nmsrs, y.nmsrs);
		FUZZ_CHECK(x.bitmap_len == y.bitmap_len, "range %u: bitmap %zu/%zu bytes",
			   i, x.bitmap_len, y.bitmap_len);
		FUZZ_CHECK(!x.bitmap_len || !memcmp(x.bitmap, y.bitmap, x.bitmap_len),
			   "range %u: bitmaps differ", i);
	}
}

static void check_verdicts(const struct msrtrap_filter *f)
{
	struct fuzz_samples s = { .n = 0 };
	struct msrtrap_cfilter *cf = NULL;
	struct msrtrap_cfilter_view view;
	struct msrtrap_filter *abi_f = NULL;
	struct msrtrap_policy *pol = NULL;
	struct msrtrap_kvm_msr_filter abi;
	MSRTRAP_OPTS(msrtrap_error, diag);
	void *storage;
	size_t storage_len;
	int rc;

	fuzz_sample_fixed(&s);
	for (unsigned int i = 0; i < msrtrap_filter_nranges(f); i++) {
		struct msrtrap_filter_range r;

		msrtrap_filter_range(f, i, &r);
		if (!r.nmsrs)
			continue;
		fuzz_sample_around(&s, r.base);
		fuzz_sample_around(&s, r.base + r.nmsrs - 1);
		fuzz_sample(&s, r.base + r.nmsrs / 2);
	}

	rc = msrtrap_cfilter_new(f, &cf, &diag);
	FUZZ_CHECK(rc == 0, "cfilter_new of a valid filter: %d", rc);
	FUZZ_CHECK(msrtrap_cfilter_get_view(cf, &view) == 0, "get_view");
	FUZZ_CHECK(msrtrap_cfilter_default_allow(cf) ==
			   !(msrtrap_filter_flags(f) & MSRTRAP_KVM_MSR_FILTER_DEFAULT_DENY),
		   "cfilter default");

	storage_len = msrtrap_filter_kvm_storage(f);
	storage = malloc(storage_len ? storage_len : 1);
	if (!storage)
		abort();
	rc = msrtrap_filter_to_kvm(f, &abi, storage, storage_len);
	FUZZ_CHECK(rc == 0, "to_kvm: %d", rc);
	rc = msrtrap_filter_from_kvm(&abi, &abi_f);
	FUZZ_CHECK(rc == 0, "from_kvm: %d", rc);
	FUZZ_CHECK(msrtrap_filter_validate(abi_f, NULL) == 0,
		   "valid filter invalid after the ABI struct");

	rc = msrtrap_policy_from_filter(f, &pol);
	FUZZ_CHECK(rc == 0, "policy_from_filter: %d", rc);

	for (size_t i = 0; i < s.n; i++) {
		uint32_t msr = s.msr[i];

		for (int a = 0; a < 2; a++) {
			unsigned int acc = accesses[a];
			int lin = msrtrap_filter_allowed(f, msr, acc);
			MSRTRAP_OPTS(msrtrap_decision, d);

			FUZZ_CHECK(lin == 0 || lin == 1, "allowed: %d", lin);
			FUZZ_CHECK((int)msrtrap_cfilter_allowed(cf, msr, acc) == lin,
				   "MSR 0x%x access %u: linear %d, compiled %d", msr, acc,
				   lin, !lin);
			FUZZ_CHECK((int)msrtrap_cfilter_view_allowed(&view, msr, acc) == lin,
				   "MSR 0x%x access %u: linear %d, view %d", msr, acc, lin,
				   !lin);
			FUZZ_CHECK(msrtrap_filter_explain(f, msr, acc, &d) == 0, "explain");
			FUZZ_CHECK((int)d.allowed == lin, "MSR 0x%x: explain disagrees", msr);
			if (fuzz_is_x2apic(msr))
				FUZZ_CHECK(lin == 1 && d.by == MSRTRAP_BY_X2APIC,
					   "x2APIC 0x%x filtered", msr);
			FUZZ_CHECK(msrtrap_filter_allowed(abi_f, msr, acc) == lin,
				   "MSR 0x%x access %u: differs after the ABI struct", msr,
				   acc);
			FUZZ_CHECK(msrtrap_policy_verdict(pol, msr, acc) == lin,
				   "MSR 0x%x access %u: decompiled policy differs", msr, acc);
		}
	}
	msrtrap_policy_free(pol);
	msrtrap_filter_free(abi_f);
	free(storage);
	msrtrap_cfilter_free(cf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msrtrap_filter *f = NULL, *g = NULL;
	MSRTRAP_OPTS(msrtrap_error, diag);
	MSRTRAP_OPTS(msrtrap_error, diag2);
	char *text = NULL, *text2 = NULL;
	int rc, valid, valid2;

	if (size > MAX_INPUT)
		return 0;
	memset(&diag, 0x55, sizeof(diag)); /* catch a message left unterminated */
	diag.sz = sizeof(diag);
	rc = msrtrap_filter_from_json((const char *)data, size, &f, &diag);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL, "from_json: %d", rc);
	if (rc) {
		check_diag(&diag);
		return 0;
	}
	FUZZ_CHECK(f, "from_json 0 without a filter");
	FUZZ_CHECK(msrtrap_filter_nranges(f) <= MSRTRAP_KVM_MSR_FILTER_MAX_RANGES,
		   "%u slots", msrtrap_filter_nranges(f));

	memset(&diag, 0x55, sizeof(diag));
	diag.sz = sizeof(diag);
	valid = msrtrap_filter_validate(f, &diag);
	FUZZ_CHECK(valid == 0 || valid == -EINVAL || valid == -EFAULT,
		   "validate: %d", valid);
	if (valid)
		check_diag(&diag);

	/* lossless round trip through the text */
	rc = msrtrap_filter_to_json(f, &text);
	FUZZ_CHECK(rc == 0, "to_json: %d", rc);
	rc = msrtrap_filter_from_json(text, strlen(text), &g, &diag2);
	FUZZ_CHECK(rc == 0, "written filter does not load: %s: %s\n%s", diag2.where,
		   diag2.message, text);
	check_same(f, g);
	valid2 = msrtrap_filter_validate(g, NULL);
	FUZZ_CHECK(valid == valid2, "validation %d, after the round trip %d", valid,
		   valid2);
	rc = msrtrap_filter_to_json(g, &text2);
	FUZZ_CHECK(rc == 0 && !strcmp(text, text2), "written text not stable");

	if (!valid)
		check_verdicts(f);

	free(text);
	free(text2);
	msrtrap_filter_free(g);
	msrtrap_filter_free(f);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The JSON interchange format of KVM userspace MSR filters
 * (docs/filter-json.md): loading, every load error with its diag.where,
 * the kernel's validation table (spec §3.2, invariants 9-17) reached
 * through JSON, bitmap padding, and lossless round trips over thousands
 * of random filters (invalid values and empty slots included).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <msrtrap/filter.h>
#include <msrtrap/json.h>

#include "testutil.h"

static struct msrtrap_filter *load_ok(const char *text)
{
	struct msrtrap_filter *f = NULL;
	MSRTRAP_OPTS(msrtrap_error, d);
	int err = msrtrap_filter_from_json(text, strlen(text), &f, &d);

	if (err)
		print_error("%s: %s: %s\n", text, d.where, d.message);
	assert_int_equal(err, 0);
	assert_non_null(f);
	return f;
}

static void get_range(const struct msrtrap_filter *f, unsigned int i,
		      struct msrtrap_filter_range *r)
{
	assert_int_equal(msrtrap_filter_range(f, i, r), 0);
}

static void test_empty_document(void **state)
{
	struct msrtrap_filter *f = load_ok(" {}\n");

	assert_int_equal(msrtrap_filter_flags(f), 0);
	assert_int_equal(msrtrap_filter_nranges(f), 0);
	assert_int_equal(msrtrap_filter_validate(f, NULL), 0);
	msrtrap_filter_free(f);
}

static void test_load_fields(void **state)
{
	static const char text[] =
		"{\"default\": \"deny\", \"ranges\": [\n"
		" {\"flags\": [\"read\"], \"base\": \"0xC0000000\", \"nmsrs\": 9, \"bitmap\": \"A501\"},\n"
		" {\"flags\": [\"write\", \"read\"], \"base\": 16, \"nmsrs\": 64, \"bitmap\": \"ffffffffffffffff\"},\n"
		" {\"flags\": 2, \"base\": 0, \"nmsrs\": 0},\n"
		" {\"nmsrs\": 1, \"bitmap\": \"01\", \"base\": \"0x277\", \"flags\": []}\n"
		"]}";
	struct msrtrap_filter *f = load_ok(text);
	struct msrtrap_filter_range r;

	assert_int_equal(msrtrap_filter_flags(f), 1);
	assert_int_equal(msrtrap_filter_nranges(f), 4);
	get_range(f, 0, &r);
	assert_int_equal(r.flags, MSRTRAP_KVM_MSR_FILTER_READ);
	assert_int_equal(r.base, 0xc0000000);
	assert_int_equal(r.nmsrs, 9);
	/* padded to the whole word the kernel copies */
	assert_int_equal(r.bitmap_len, 8);
	assert_memory_equal(r.bitmap, "\xa5\x01\0\0\0\0\0\0", 8);
	get_range(f, 1, &r);
	assert_int_equal(r.flags, 3);
	assert_int_equal(r.base, 16);
	assert_int_equal(r.bitmap_len, 8);
	get_range(f, 2, &r);
	assert_int_equal(r.flags, 2);
	assert_int_equal(r.nmsrs, 0);
	assert_null(r.bitmap);
	get_range(f, 3, &r);
	assert_int_equal(r.flags, 0);
	assert_int_equal(r.base, 0x277);
	assert_int_equal(msrtrap_filter_validate(f, NULL), -EINVAL);
	msrtrap_filter_free(f);
}

/* Invariant 24 through JSON: bit i of byte j governs MSR base + 8j + i. */
static void test_bit_order(void **state)
{
	struct msrtrap_filter *f = load_ok(
		"{\"default\":\"allow\",\"ranges\":[{\"flags\":[\"read\",\"write\"],"
		"\"base\":\"0x100\",\"nmsrs\":16,\"bitmap\":\"0280\"}]}");

	for (uint32_t m = 0x100; m < 0x110; m++) {
		int want = m == 0x101 || m == 0x10f;

		assert_int_equal(msrtrap_filter_allowed(f, m, MSRTRAP_READ), want);
		assert_int_equal(msrtrap_filter_allowed(f, m, MSRTRAP_WRITE), want);
	}
	assert_int_equal(msrtrap_filter_allowed(f, 0x110, MSRTRAP_READ), 1);
	msrtrap_filter_free(f);
}

struct bad_case {
	const char *text;
	const char *where;
	const char *message; /* a substring of diag.message */
};

static const struct bad_case bad_cases[] = {
	/* JSON syntax: line and column */
	{ "", "line 1, column 0", "expected" },
	{ "{\n  \"default\": \"allow\",\n  \"ranges\": [,]\n}", "line 3, column 14", "unexpected token" },
	{ "{\"default\": \"allow\"} x", "line 1, column 22", "end of file expected" },
	{ "{\"default\": \"allow\", \"default\": \"deny\"}", "line 1, column 30", "duplicate" },
	{ "{\"ranges\": [{\"flags\": 1, \"flags\": 1}]}", "line 1, column 32", "duplicate" },
	{ "{\"flags\": 1e999}", "line 1, column 15", "overflow" },
	/* document level */
	{ "[]", "", "not a JSON object" },
	{ "{\"defualt\": \"deny\"}", "defualt", "unknown key" },
	{ "{\"a_very_long_unknown_key_name_indeed_yes\": 1}", "", "a_very_long_unknown_key_name_indeed_yes" },
	{ "{\"bad\\nkey\": 1}", "", "unprintable" },
	{ "{\"default\": \"block\"}", "default", "not \"allow\" or \"deny\"" },
	{ "{\"default\": 1}", "default", "not \"allow\" or \"deny\"" },
	{ "{\"default\": \"deny\", \"flags\": 1}", "flags", "both" },
	{ "{\"flags\": -1}", "flags", "not a 32-bit integer" },
	{ "{\"flags\": 4294967296}", "flags", "not a 32-bit integer" },
	{ "{\"flags\": 99999999999999999999}", "flags", "not a 32-bit integer" },
	{ "{\"flags\": -99999999999999999999}", "flags", "not a 32-bit integer" },
	{ "{\"flags\": 1.5}", "flags", "not a 32-bit integer" },
	{ "{\"flags\": \"1\"}", "flags", "not a 32-bit integer" },
	{ "{\"ranges\": {}}", "ranges", "not an array" },
	{ "{\"ranges\": [1]}", "ranges[0]", "not an object" },
	/* range keys */
	{ "{\"ranges\": [{\"flags\": 1, \"base\": 0, \"nmsrs\": 0, \"bitmask\": \"\"}]}", "ranges[0].bitmask", "unknown key" },
	{ "{\"ranges\": [{\"base\": 0, \"nmsrs\": 0}]}", "ranges[0].flags", "missing" },
	{ "{\"ranges\": [{\"flags\": 1, \"nmsrs\": 0}]}", "ranges[0].base", "missing" },
	{ "{\"ranges\": [{\"flags\": 1, \"base\": 0}]}", "ranges[0].nmsrs", "missing" },
	{ "{\"ranges\": [{\"flags\": [\"exec\"], \"base\": 0, \"nmsrs\": 0}]}", "ranges[0].flags", "unknown access \"exec\"" },
	{ "{\"ranges\": [{\"flags\": [1], \"base\": 0, \"nmsrs\": 0}]}", "ranges[0].flags", "element 0" },
	{ "{\"ranges\": [{\"flags\": [\"read\", \"read\"], \"base\": 0, \"nmsrs\": 0}]}", "ranges[0].flags", "twice" },
	{ "{\"ranges\": [{\"flags\": \"read\", \"base\": 0, \"nmsrs\": 0}]}", "ranges[0].flags", "not a 32-bit integer or an array" },
	{ "{\"ranges\": [{\"flags\": 4294967296, \"base\": 0, \"nmsrs\": 0}]}", "ranges[0].flags", "not a 32-bit integer" },
	{ "{\"ranges\": [{\"flags\": 1, \"base\": 0, \"nmsrs\": 0},"
	  "{\"flags\": 1, \"base\": 0, \"nmsrs\": 0},"
	  "{\"flags\": 1, \"base\": 0, \"nmsrs\": 0},"
	  "{\"flags\": 1, \"base\": -1, \"nmsrs\": 0}]}", "ranges[3].base", "not a 32-bit integer" },
	{ "{\"ranges\": [{\"flags\": 1, \"base\": \"0x100000000\", \"nmsrs\": 0}]}", "ranges[0].base", "not a 32-bit integer" },
	{ "{\"ranges\": [{\"flags\": 1, \"base\": \"0x\", \"nmsrs\": 0}]}", "ranges[0].base", "not a 32-bit integer" },
	{ "{\"ranges\": [{\"flags\": 1, \"base\": \"16\", \"nmsrs\": 0}]}", "ranges[0].base", "not a 32-bit integer" },
	{ "{\"ranges\": [{\"flags\": 1, \"base\": \"0x1g\", \"nmsrs\": 0}]}", "ranges[0].base", "hex string" },
	{ "{\"ranges\": [{\"flags\": 1, \"base\": 99999999999999999999, \"nmsrs\": 0}]}", "ranges[0].base", "not a 32-bit integer" },
	{ "{\"ranges\": [{\"flags\": 1, \"base\": 0, \"nmsrs\": \"0x10\"}]}", "ranges[0].nmsrs", "not a 32-bit integer" },
	{ "{\"ranges\": [{\"flags\": 1, \"base\": 0, \"nmsrs\": 4294967296}]}", "ranges[0].nmsrs", "not a 32-bit integer" },
	{ "{\"ranges\": [{\"flags\": 1, \"base\": 0, \"nmsrs\": 8, \"bitmap\": 255}]}", "ranges[0].bitmap", "not a hex string" },
	{ "{\"ranges\": [{\"flags\": 1, \"base\": 0, \"nmsrs\": 8, \"bitmap\": \"fff\"}]}", "ranges[0].bitmap", "odd number" },
	{ "{\"ranges\": [{\"flags\": 1, \"base\": 0, \"nmsrs\": 8, \"bitmap\": \"0x\"}]}", "ranges[0].bitmap", "offset 1" },
	{ "{\"ranges\": [{\"flags\": 1, \"base\": 0, \"nmsrs\": 8, \"bitmap\": \"ff zz\"}]}", "ranges[0].bitmap", "offset 2" },
	/* bad hex is an error even where the kernel would not look */
	{ "{\"ranges\": [{\"flags\": 1, \"base\": 0, \"nmsrs\": 0, \"bitmap\": \"g0\"}]}", "ranges[0].bitmap", "offset 0" },
	{ "{\"ranges\": [{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}]}", "ranges", "17 ranges" },
};

static void test_load_errors(void **state)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct msrtrap_filter *f = NULL;
		MSRTRAP_OPTS(msrtrap_error, d);
		int err;

		memset(&d, 0x55, sizeof(d));
		d.sz = sizeof(d);
		err = msrtrap_filter_from_json(c->text, strlen(c->text), &f, &d);
		if (err != -EINVAL || strcmp(d.where, c->where) ||
		    !strstr(d.message, c->message))
			fail_msg("%s\n  got %d where '%.32s' message '%.160s'\n"
				 "  want where '%s' message containing '%s'",
				 c->text, err, d.where, d.message, c->where,
				 c->message);
		assert_null(f);
	}
}

static void test_bad_arguments(void **state)
{
	struct msrtrap_filter *f;
	char *text;

	assert_int_equal(msrtrap_filter_from_json("{}", 2, NULL, NULL), -EINVAL);
	assert_int_equal(msrtrap_filter_from_json(NULL, 2, &f, NULL), -EINVAL);
	assert_int_equal(msrtrap_filter_to_json(NULL, &text), -EINVAL);
	f = load_ok("{}");
	assert_int_equal(msrtrap_filter_to_json(f, NULL), -EINVAL);
	msrtrap_filter_free(f);
	/* not NUL-terminated: only len bytes are read */
	assert_int_equal(msrtrap_filter_from_json("{}garbage", 2, &f, NULL), 0);
	msrtrap_filter_free(f);
}

static int validate_json(const char *text, struct msrtrap_error *d)
{
	struct msrtrap_filter *f = load_ok(text);
	int err = msrtrap_filter_validate(f, d);

	msrtrap_filter_free(f);
	return err;
}

struct kernel_case {
	const char *text;
	int err;
	const char *where;
};

#define R(flags, base, nmsrs, bitmap)                                          \
	"{\"flags\":" flags ",\"base\":" base ",\"nmsrs\":" nmsrs bitmap "}"
#define BM(hex) ",\"bitmap\":\"" hex "\""

/* Spec §3.2 error table and live-kvm-notes §3.5, reached through JSON. */
static const struct kernel_case kernel_cases[] = {
	/* invariant 9: filter flags bits 1.. */
	{ "{\"flags\":2,\"ranges\":[" R("1", "0", "1", BM("01")) "]}", -EINVAL, "flags" },
	{ "{\"flags\":6}", -EINVAL, "flags" },
	{ "{\"flags\":2147483648}", -EINVAL, "flags" },
	/* invariants 10, 11 */
	{ "{\"default\":\"deny\"}", -EINVAL, "ranges" },
	{ "{\"default\":\"deny\",\"ranges\":[" R("1", "0", "0", "") "]}", -EINVAL, "ranges" },
	{ "{\"default\":\"allow\"}", 0, "" },
	{ "{\"flags\":0,\"ranges\":[" R("0", "0", "0", "") "]}", 0, "" },
	/* invariant 12: an empty range is never looked at */
	{ "{\"ranges\":[" R("4294967295", "\"0xffffffff\"", "0", "") "," R("1", "0", "1", BM("01")) "]}", 0, "" },
	/* invariant 13 */
	{ "{\"ranges\":[" R("0", "0", "1", BM("01")) "]}", -EINVAL, "ranges[0].flags" },
	{ "{\"ranges\":[" R("4", "0", "1", BM("01")) "]}", -EINVAL, "ranges[0].flags" },
	{ "{\"ranges\":[" R("255", "0", "1", BM("01")) "]}", -EINVAL, "ranges[0].flags" },
	/* invariant 14 */
	{ "{\"ranges\":[" R("3", "0", "12289", "") "]}", -EINVAL, "ranges[0].nmsrs" },
	{ "{\"ranges\":[" R("3", "0", "4294967295", BM("00")) "]}", -EINVAL, "ranges[0].nmsrs" },
	/* flags are judged before the bitmap is copied */
	{ "{\"ranges\":[" R("4", "0", "100", BM("00")) "]}", -EINVAL, "ranges[0].flags" },
	/* short or missing bitmaps fault */
	{ "{\"ranges\":[" R("1", "0", "9", BM("ff")) "]}", -EFAULT, "ranges[0].bitmap" },
	{ "{\"ranges\":[" R("1", "0", "1", "") "]}", -EFAULT, "ranges[0].bitmap" },
	{ "{\"ranges\":[" R("1", "0", "1", BM("")) "]}", -EFAULT, "ranges[0].bitmap" },
	{ "{\"ranges\":[" R("1", "0", "8", BM("ff")) "," R("1", "0", "64", BM("00")) "]}", -EFAULT, "ranges[1].bitmap" },
	/* ...and the kernel stops at the first bad range */
	{ "{\"ranges\":[" R("1", "0", "64", BM("00")) "," R("8", "0", "64", BM("")) "]}", -EFAULT, "ranges[0].bitmap" },
	/* invariant 17: accepted */
	{ "{\"default\":\"deny\",\"ranges\":[" R("3", "\"0x800\"", "256", "") "]}", -EFAULT, "ranges[0].bitmap" },
	{ "{\"default\":\"deny\",\"ranges\":[" R("3", "\"0x800\"", "8", BM("00")) "," R("1", "\"0x804\"", "8", BM("ff")) "]}", 0, "" },
	{ "{\"ranges\":[" R("1", "\"0xffffffff\"", "2", BM("00")) "]}", 0, "" },
};

static void test_kernel_table(void **state)
{
	for (size_t i = 0; i < sizeof(kernel_cases) / sizeof(kernel_cases[0]); i++) {
		const struct kernel_case *c = &kernel_cases[i];
		MSRTRAP_OPTS(msrtrap_error, d);
		int err = validate_json(c->text, &d);

		if (err != c->err || (err && strcmp(d.where, c->where)))
			fail_msg("%s\n  got %d at '%s' (%s), want %d at '%s'",
				 c->text, err, d.where, d.message, c->err,
				 c->where);
	}
}

/* Invariant 14: 0x3000 MSRs with exactly 0x600 bytes is the largest range. */
static void test_largest_range(void **state)
{
	size_t len = 0x600 * 2 + 256;
	char *text = malloc(len), *p = text;
	struct msrtrap_filter_range r;
	struct msrtrap_filter *f;

	assert_non_null(text);
	p += sprintf(p, "{\"ranges\":[{\"flags\":[\"read\"],\"base\":0,\"nmsrs\":12288,\"bitmap\":\"");
	for (int i = 0; i < 0x600; i++)
		p += sprintf(p, "%02x", i & 0xff);
	strcpy(p, "\"}]}");
	f = load_ok(text);
	get_range(f, 0, &r);
	assert_int_equal(r.bitmap_len, 0x600);
	assert_int_equal(msrtrap_filter_validate(f, NULL), 0);
	msrtrap_filter_free(f);
	free(text);
}

/* Bytes past ceil(nmsrs/8) are ignored: the same filter as without them. */
static void test_extra_bytes_ignored(void **state)
{
	struct msrtrap_filter *a = load_ok(
		"{\"ranges\":[{\"flags\":1,\"base\":0,\"nmsrs\":12,\"bitmap\":\"ff0f\"}]}");
	struct msrtrap_filter *b = load_ok(
		"{\"ranges\":[{\"flags\":1,\"base\":0,\"nmsrs\":12,\"bitmap\":\"ff0fffffffffffffffffffff\"}]}");
	struct msrtrap_filter_range ra, rb;
	char *ta, *tb;

	get_range(a, 0, &ra);
	get_range(b, 0, &rb);
	assert_int_equal(ra.bitmap_len, 8);
	assert_int_equal(rb.bitmap_len, 8);
	assert_memory_equal(ra.bitmap, rb.bitmap, 8);
	assert_memory_equal(rb.bitmap, "\xff\x0f\0\0\0\0\0\0", 8);
	assert_int_equal(msrtrap_filter_validate(b, NULL), 0);
	for (uint32_t m = 0; m < 20; m++)
		assert_int_equal(msrtrap_filter_allowed(a, m, MSRTRAP_READ),
				 msrtrap_filter_allowed(b, m, MSRTRAP_READ));
	assert_int_equal(msrtrap_filter_to_json(a, &ta), 0);
	assert_int_equal(msrtrap_filter_to_json(b, &tb), 0);
	assert_string_equal(ta, tb);
	free(ta);
	free(tb);
	msrtrap_filter_free(a);
	msrtrap_filter_free(b);
}

/* Invalid nmsrs: no padding, at most ceil(nmsrs/8) of the given bytes. */
static void test_invalid_nmsrs_not_padded(void **state)
{
	static const struct {
		uint32_t nmsrs;
		size_t given, kept;
	} cases[] = {
		{ 0x3001, 2, 2 },
		{ 0x3001, 0x601, 0x601 },
		{ 0x3001, 0x700, 0x601 },
		{ 0xffffffff, 1, 1 },
		{ 0xffffffff, 0, 0 },
		{ 9, 1, 1 },   /* short: kept as given */
		{ 9, 2, 8 },   /* enough: padded */
		{ 0, 5, 0 },   /* empty range: dropped */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = malloc(cases[i].given * 2 + 128), *p = text;
		struct msrtrap_filter_range r;
		struct msrtrap_filter *f;

		p += sprintf(p, "{\"ranges\":[{\"flags\":3,\"base\":0,\"nmsrs\":%u,\"bitmap\":\"",
			     cases[i].nmsrs);
		for (size_t j = 0; j < cases[i].given; j++)
			p += sprintf(p, "ab");
		strcpy(p, "\"}]}");
		f = load_ok(text);
		get_range(f, 0, &r);
		if (cases[i].nmsrs == 0)
			assert_null(r.bitmap);
		else
			assert_non_null(r.bitmap);
		assert_int_equal(r.bitmap_len, cases[i].kept);
		for (size_t j = 0; j < r.bitmap_len; j++)
			assert_int_equal(r.bitmap[j],
					 j < cases[i].given ? 0xab : 0);
		msrtrap_filter_free(f);
		free(text);
	}
}

static void test_writer_layout(void **state)
{
	static const char want[] =
		"{\n"
		"  \"default\": \"deny\",\n"
		"  \"ranges\": [\n"
		"    {\n"
		"      \"flags\": [\"read\", \"write\"],\n"
		"      \"base\": \"0xc0000000\",\n"
		"      \"nmsrs\": 10,\n"
		"      \"bitmap\": \"ff03\"\n"
		"    },\n"
		"    {\n"
		"      \"flags\": 255,\n"
		"      \"base\": \"0x0\",\n"
		"      \"nmsrs\": 0\n"
		"    },\n"
		"    {\n"
		"      \"flags\": [\"write\"],\n"
		"      \"base\": \"0x10\",\n"
		"      \"nmsrs\": 1\n"
		"    },\n"
		"    {\n"
		"      \"flags\": [\"read\"],\n"
		"      \"base\": \"0xffffffff\",\n"
		"      \"nmsrs\": 3,\n"
		"      \"bitmap\": \"\"\n"
		"    }\n"
		"  ]\n"
		"}\n";
	static const uint8_t bits[8] = { 0xff, 0x03, 0xee };
	struct msrtrap_filter *f, *g;
	char *text;

	assert_int_equal(msrtrap_filter_new(1, &f), 0);
	assert_int_equal(msrtrap_filter_add_range(f, 3, 0xc0000000, 10, bits, 8), 0);
	assert_int_equal(msrtrap_filter_add_range(f, 0xff, 0, 0, bits, 8), 0);
	assert_int_equal(msrtrap_filter_add_range(f, 2, 0x10, 1, NULL, 0), 0);
	assert_int_equal(msrtrap_filter_add_range(f, 1, 0xffffffff, 3, bits, 0), 0);
	assert_int_equal(msrtrap_filter_to_json(f, &text), 0);
	assert_string_equal(text, want);
	free(text);
	msrtrap_filter_free(f);

	assert_int_equal(msrtrap_filter_new(0, &f), 0);
	assert_int_equal(msrtrap_filter_to_json(f, &text), 0);
	assert_string_equal(text, "{\n  \"default\": \"allow\",\n  \"ranges\": []\n}\n");
	free(text);
	msrtrap_filter_free(f);

	assert_int_equal(msrtrap_filter_new(6, &f), 0);
	assert_int_equal(msrtrap_filter_to_json(f, &text), 0);
	assert_string_equal(text, "{\n  \"flags\": 6,\n  \"ranges\": []\n}\n");
	g = load_ok(text);
	assert_int_equal(msrtrap_filter_flags(g), 6);
	free(text);
	msrtrap_filter_free(f);
	msrtrap_filter_free(g);
}

/* ---- random round trips ---- */

static uint32_t random_u32_value(void)
{
	switch (test_below(4)) {
	case 0:
		return test_below(16);
	case 1:
		return 0xffffffffu - test_below(16);
	default:
		return test_rand32();
	}
}

static uint32_t random_range_flags(void)
{
	uint32_t k = test_below(10);

	if (k < 7)
		return 1 + test_below(3);
	if (k == 7)
		return 0;
	return random_u32_value();
}

static uint32_t random_nmsrs(void)
{
	switch (test_below(10)) {
	case 0:
	case 1:
		return 0;
	case 2:
	case 3:
	case 4:
		return 1 + test_below(200);
	case 5:
	case 6:
		return 1 + test_below(MSRTRAP_KVM_MSR_FILTER_MAX_NMSRS);
	case 7:
		return MSRTRAP_KVM_MSR_FILTER_MAX_NMSRS - test_below(2);
	case 8:
		return MSRTRAP_KVM_MSR_FILTER_MAX_NMSRS + 1 + test_below(64);
	default:
		return MSRTRAP_KVM_MSR_FILTER_MAX_NMSRS + 1 +
		       test_below(0xffffffffu - MSRTRAP_KVM_MSR_FILTER_MAX_NMSRS);
	}
}

/*
 * A third of the filters are kept valid (sane flags, nmsrs <= 0x3000,
 * whole-word bitmaps) so that evaluation can be compared too.
 */
static struct msrtrap_filter *random_filter(void)
{
	static uint8_t bitmap[0x800];
	uint32_t k = test_below(10);
	bool sane = test_below(3) == 0;
	struct msrtrap_filter *f;
	unsigned int n = test_below(MSRTRAP_KVM_MSR_FILTER_MAX_RANGES + 1);

	if (sane)
		k = n ? test_below(8) : 0;
	assert_int_equal(msrtrap_filter_new(k < 4 ? 0 : k < 8 ? 1 : random_u32_value(),
					    &f), 0);
	for (unsigned int i = 0; i < n; i++) {
		uint32_t nmsrs = random_nmsrs();
		const void *bm = bitmap;
		size_t words, len;
		uint64_t need;

		if (sane && nmsrs > MSRTRAP_KVM_MSR_FILTER_MAX_NMSRS)
			nmsrs = 1 + test_below(MSRTRAP_KVM_MSR_FILTER_MAX_NMSRS);
		if (sane) {
			test_fill_random(bitmap, sizeof(bitmap));
			assert_int_equal(msrtrap_filter_add_range(f, 1 + test_below(3),
								  test_below(2) ? random_u32_value() : test_rand32(),
								  nmsrs, bitmap,
								  msrtrap_kvm_bitmap_bytes(nmsrs)), 0);
			continue;
		}
		need = ((uint64_t)nmsrs + 7) / 8;
		words = msrtrap_kvm_bitmap_bytes(nmsrs);

		switch (test_below(6)) {
		case 0:
			bm = NULL;
			len = 0;
			break;
		case 1: /* short */
			len = test_below(need < 0x700 ? (uint32_t)need + 1 : 0x700);
			break;
		case 2:
			len = need < 0x800 ? (size_t)need : 0x800;
			break;
		case 3:
			len = words < 0x800 ? words : 0x800;
			break;
		default:
			len = (size_t)(need + test_below(64));
			if (len > sizeof(bitmap) || need > sizeof(bitmap))
				len = sizeof(bitmap);
			break;
		}
		test_fill_random(bitmap, sizeof(bitmap));
		assert_int_equal(msrtrap_filter_add_range(f, random_range_flags(),
							  test_below(2) ? random_u32_value() : test_rand32(),
							  nmsrs, bm, len), 0);
	}
	return f;
}

static char *write_ok(const struct msrtrap_filter *f)
{
	char *text = NULL;

	assert_int_equal(msrtrap_filter_to_json(f, &text), 0);
	assert_non_null(text);
	return text;
}

/* Exactly the same object: flags, slots, bitmap presence, length, bytes. */
static void assert_identical(const struct msrtrap_filter *a,
			     const struct msrtrap_filter *b)
{
	assert_int_equal(msrtrap_filter_flags(a), msrtrap_filter_flags(b));
	assert_int_equal(msrtrap_filter_nranges(a), msrtrap_filter_nranges(b));
	for (unsigned int i = 0; i < msrtrap_filter_nranges(a); i++) {
		struct msrtrap_filter_range ra, rb;

		get_range(a, i, &ra);
		get_range(b, i, &rb);
		assert_int_equal(ra.flags, rb.flags);
		assert_int_equal(ra.base, rb.base);
		assert_int_equal(ra.nmsrs, rb.nmsrs);
		assert_int_equal(!ra.bitmap, !rb.bitmap);
		assert_int_equal(ra.bitmap_len, rb.bitmap_len);
		if (ra.bitmap_len)
			assert_memory_equal(ra.bitmap, rb.bitmap, ra.bitmap_len);
	}
}

/*
 * b is a loaded from a's JSON: the same slots, and the same bitmap bytes
 * as far as a's range needs them (ceil(nmsrs/8)); a full bitmap of a
 * valid range is zero-padded to whole words.
 */
static void assert_loaded_from(const struct msrtrap_filter *a,
			       const struct msrtrap_filter *b)
{
	assert_int_equal(msrtrap_filter_flags(a), msrtrap_filter_flags(b));
	assert_int_equal(msrtrap_filter_nranges(a), msrtrap_filter_nranges(b));
	for (unsigned int i = 0; i < msrtrap_filter_nranges(a); i++) {
		struct msrtrap_filter_range ra, rb;
		uint64_t need;
		size_t keep, want_len;

		get_range(a, i, &ra);
		get_range(b, i, &rb);
		assert_int_equal(ra.flags, rb.flags);
		assert_int_equal(ra.base, rb.base);
		assert_int_equal(ra.nmsrs, rb.nmsrs);
		if (!ra.nmsrs) {
			assert_null(rb.bitmap);
			continue;
		}
		assert_int_equal(!ra.bitmap, !rb.bitmap);
		if (!ra.bitmap)
			continue;
		need = ((uint64_t)ra.nmsrs + 7) / 8;
		keep = ra.bitmap_len < need ? ra.bitmap_len : (size_t)need;
		want_len = keep;
		if (keep == need && ra.nmsrs <= MSRTRAP_KVM_MSR_FILTER_MAX_NMSRS)
			want_len = msrtrap_kvm_bitmap_bytes(ra.nmsrs);
		assert_int_equal(rb.bitmap_len, want_len);
		if (keep)
			assert_memory_equal(ra.bitmap, rb.bitmap, keep);
		for (size_t j = keep; j < want_len; j++)
			assert_int_equal(rb.bitmap[j], 0);
	}
}

/* Did a have a full-but-unpadded bitmap (EFAULT for a, fine once loaded)? */
static bool has_unpadded_bitmap(const struct msrtrap_filter *a)
{
	for (unsigned int i = 0; i < msrtrap_filter_nranges(a); i++) {
		struct msrtrap_filter_range r;

		get_range(a, i, &r);
		if (r.bitmap && r.nmsrs && r.nmsrs <= MSRTRAP_KVM_MSR_FILTER_MAX_NMSRS &&
		    r.bitmap_len >= (r.nmsrs + 7) / 8 &&
		    r.bitmap_len < msrtrap_kvm_bitmap_bytes(r.nmsrs))
			return true;
	}
	return false;
}

static uint32_t probe_msr(const struct msrtrap_filter *f)
{
	unsigned int n = msrtrap_filter_nranges(f);
	struct msrtrap_filter_range r;

	if (!n || test_below(4) == 0)
		return test_below(2) ? test_rand32() : 0x7f0 + test_below(0x120);
	get_range(f, test_below(n), &r);
	return r.base + test_below(r.nmsrs < 0x3000 ? r.nmsrs + 2 : 0x3002) - 1;
}

static void test_round_trip_random(void **state)
{
	unsigned int rounds = test_volume(3000), valid = 0;

	for (unsigned int round = 0; round < rounds; round++) {
		struct msrtrap_filter *f0 = random_filter(), *f1, *f2;
		char *t0 = write_ok(f0), *t1, *t2;
		MSRTRAP_OPTS(msrtrap_error, d0);
		MSRTRAP_OPTS(msrtrap_error, d1);
		int e0, e1;

		f1 = load_ok(t0);
		assert_loaded_from(f0, f1);
		t1 = write_ok(f1);
		assert_string_equal(t0, t1);
		f2 = load_ok(t1);
		assert_identical(f1, f2);
		t2 = write_ok(f2);
		assert_string_equal(t1, t2);

		/* the kernel's answer survives the trip */
		e0 = msrtrap_filter_validate(f0, &d0);
		e1 = msrtrap_filter_validate(f1, &d1);
		if (!has_unpadded_bitmap(f0)) {
			assert_int_equal(e0, e1);
			assert_string_equal(d0.where, d1.where);
		}
		if (!e0 && !e1) {
			valid++;
			for (int k = 0; k < 64; k++) {
				uint32_t m = probe_msr(f0);

				for (unsigned int a = MSRTRAP_READ; a <= MSRTRAP_WRITE; a++)
					assert_int_equal(msrtrap_filter_allowed(f0, m, a),
							 msrtrap_filter_allowed(f1, m, a));
			}
		}
		free(t0);
		free(t1);
		free(t2);
		msrtrap_filter_free(f0);
		msrtrap_filter_free(f1);
		msrtrap_filter_free(f2);
	}
	printf("# %u round trips, %u of them valid filters\n", rounds, valid);
	assert_true(valid > rounds / 20);
}

/*
 * Other spellings a producer may use load to the same filter as the
 * writer's: integer flags for read/write, integer base, upper-case hex,
 * shuffled key order, extra bitmap bytes, "flags" for the default.
 */
static void put_range_variant(char **p, const struct msrtrap_filter_range *r)
{
	static const char *const names[] = { NULL, "[\"read\"]", "[\"write\"]",
					     "[\"write\",\"read\"]" };
	uint64_t need = ((uint64_t)r->nmsrs + 7) / 8;
	char parts[4][64 + 2 * 0x900];
	unsigned int nparts = 0, start;

	if (r->flags >= 1 && r->flags <= 3 && test_below(2))
		sprintf(parts[nparts++], "\"flags\":%s", names[r->flags]);
	else
		sprintf(parts[nparts++], "\"flags\":%u", r->flags);
	if (test_below(2))
		sprintf(parts[nparts++], "\"base\":%u", r->base);
	else
		sprintf(parts[nparts++], "\"base\":\"0X%X\"", r->base);
	sprintf(parts[nparts++], "\"nmsrs\":%u", r->nmsrs);
	if (r->nmsrs && r->bitmap) {
		size_t n = r->bitmap_len < need ? r->bitmap_len : (size_t)need;
		size_t extra = n == need ? test_below(20) : 0;
		char *q = parts[nparts++];

		q += sprintf(q, "\"bitmap\":\"");
		for (size_t j = 0; j < n; j++)
			q += sprintf(q, test_below(2) ? "%02X" : "%02x", r->bitmap[j]);
		for (size_t j = 0; j < extra; j++)
			q += sprintf(q, "5a");
		strcpy(q, "\"");
	} else if (!r->nmsrs && test_below(2)) {
		strcpy(parts[nparts++], "\"bitmap\":\"00ff\"");
	}
	start = test_below(nparts);
	*p += sprintf(*p, "{");
	for (unsigned int j = 0; j < nparts; j++)
		*p += sprintf(*p, "%s%s", j ? ", " : "",
			      parts[(start + j) % nparts]);
	*p += sprintf(*p, "}");
}

static void test_alternate_spellings(void **state)
{
	unsigned int rounds = test_volume(500);
	char *text = malloc(16 * (2 * 0x900 + 512) + 128);

	assert_non_null(text);
	for (unsigned int round = 0; round < rounds; round++) {
		struct msrtrap_filter *f0 = random_filter(), *f1, *f2;
		char *t0 = write_ok(f0), *p = text;
		uint32_t flags = msrtrap_filter_flags(f0);
		unsigned int n = msrtrap_filter_nranges(f0);

		f1 = load_ok(t0);
		if (flags <= 1 && test_below(2))
			p += sprintf(p, "{\"default\":\"%s\",", flags ? "deny" : "allow");
		else if (flags || test_below(2))
			p += sprintf(p, "{\"flags\":%u,", flags);
		else
			p += sprintf(p, "{");
		p += sprintf(p, "\n\"ranges\":[");
		for (unsigned int i = 0; i < n; i++) {
			struct msrtrap_filter_range r;

			get_range(f0, i, &r);
			if (i)
				p += sprintf(p, ",\n");
			put_range_variant(&p, &r);
		}
		strcpy(p, "]}");
		if (!flags && !n && test_below(2))
			strcpy(text, "{}");
		f2 = load_ok(text);
		assert_identical(f1, f2);
		free(t0);
		msrtrap_filter_free(f0);
		msrtrap_filter_free(f1);
		msrtrap_filter_free(f2);
	}
	free(text);
}

/*
 * jansson's allocator, swapped in by the tests below: counts the bytes
 * asked for and fails every request once fail_after reaches 0.
 */
static size_t json_bytes;
static long fail_after = -1;

static void *counting_malloc(size_t n)
{
	if (fail_after == 0)
		return NULL;
	if (fail_after > 0)
		fail_after--;
	json_bytes += n;
	return malloc(n);
}

static void use_counting_alloc(long fail)
{
	json_bytes = 0;
	fail_after = fail;
	json_set_alloc_funcs(counting_malloc, free);
}

/*
 * D4: a document with more ranges than the ABI has slots is refused
 * before jansson builds a tree of it (no allocation at all), with the
 * same message as before. Commas inside a range (flags) do not count.
 */
static void test_too_many_ranges_streamed(void **state)
{
	const char *r = "{\"flags\": [\"read\", \"write\"], \"base\": \"0x10\", "
			"\"nmsrs\": 1, \"bitmap\": \"00\"}";
	size_t n = 1000, rl = strlen(r);
	char *text = malloc(n * (rl + 1) + 64), *p = text;
	struct msrtrap_filter *f = NULL;
	MSRTRAP_OPTS(msrtrap_error, d);
	int err;

	(void)state;
	p += sprintf(p, "{\"default\": \"deny\", \"ranges\": [");
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s%s", i ? "," : "", r);
	p += sprintf(p, "]}");
	use_counting_alloc(-1);
	err = msrtrap_filter_from_json(text, (size_t)(p - text), &f, &d);
	json_set_alloc_funcs(malloc, free);
	assert_int_equal(err, -EINVAL);
	assert_null(f);
	assert_string_equal(d.where, "ranges");
	assert_string_equal(d.message, "1000 ranges; the ABI has 16 slots");
	assert_int_equal(json_bytes, 0);

	/* 16 of them, "ranges" also inside a string, still load */
	p = text + sprintf(text, "{\"ranges\": [");
	for (size_t i = 0; i < 16; i++)
		p += sprintf(p, "%s%s", i ? "," : "", r);
	sprintf(p, "], \"default\": \"deny\"}");
	msrtrap_filter_free(load_ok(text));
	free(text);
}

/* D8: jansson out of memory is -ENOMEM, not "EINVAL: line -1". */
static void test_json_out_of_memory(void **state)
{
	const char *text = "{\"default\": \"deny\", \"ranges\": [{\"flags\": "
			   "[\"read\"], \"base\": \"0x10\", \"nmsrs\": 1, "
			   "\"bitmap\": \"00\"}]}";
	struct msrtrap_filter *f = NULL;
	MSRTRAP_OPTS(msrtrap_error, d);

	(void)state;
	for (long k = 0;; k++) {
		int err;

		use_counting_alloc(k);
		err = msrtrap_filter_from_json(text, strlen(text), &f, &d);
		json_set_alloc_funcs(malloc, free);
		if (!err)
			break;
		assert_null(f);
		/* whichever allocation fails first (every one after it too) */
		assert_int_equal(err, -ENOMEM);
		assert_string_equal(d.message, "out of memory");
	}
	msrtrap_filter_free(f);
}

/*
 * jansson's allocator, failing only the requests of one size: the copy
 * of a string token of fail_size - 1 bytes with its quotes (jansson asks
 * for its saved text's length + 1).
 */
static size_t fail_size;

static void *size_failing_malloc(size_t n)
{
	return n == fail_size ? NULL : malloc(n);
}

/*
 * D8: a string token jansson cannot copy is out of memory too, not
 * "invalid token" (a value) or "string or '}' expected" (a key) at its
 * position; a really invalid token stays EINVAL with its position.
 */
static void test_json_string_out_of_memory(void **state)
{
	char bitmap[601], key[301], text[1200];
	struct msrtrap_filter *f = NULL;
	MSRTRAP_OPTS(msrtrap_error, d);
	int err;

	(void)state;
	memset(bitmap, 'f', sizeof(bitmap) - 1);
	bitmap[sizeof(bitmap) - 1] = 0;
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = 0;

	/* a value: the bitmap string, 600 digits, 602 bytes with quotes */
	snprintf(text, sizeof(text),
		 "{\"default\": \"deny\", \"ranges\": [{\"flags\": [\"read\"], "
		 "\"base\": \"0x10\", \"nmsrs\": 2400, \"bitmap\": \"%s\"}]}",
		 bitmap);
	fail_size = sizeof(bitmap) + 2;
	json_set_alloc_funcs(size_failing_malloc, free);
	err = msrtrap_filter_from_json(text, strlen(text), &f, &d);
	json_set_alloc_funcs(malloc, free);
	assert_int_equal(err, -ENOMEM);
	assert_null(f);
	assert_string_equal(d.message, "out of memory");
	msrtrap_filter_free(load_ok(text)); /* and it loads with memory */

	/* a key of 300 bytes */
	snprintf(text, sizeof(text), "{\"default\": \"deny\", \"%s\": 1}", key);
	fail_size = sizeof(key) + 2;
	json_set_alloc_funcs(size_failing_malloc, free);
	err = msrtrap_filter_from_json(text, strlen(text), &f, &d);
	json_set_alloc_funcs(malloc, free);
	assert_int_equal(err, -ENOMEM);
	assert_string_equal(d.message, "out of memory");

	/* real syntax errors keep their position */
	err = msrtrap_filter_from_json("{\"default\": deny}", 17, &f, &d);
	assert_int_equal(err, -EINVAL);
	assert_string_equal(d.where, "line 1, column 16");
	err = msrtrap_filter_from_json("{1: 2}", 6, &f, &d);
	assert_int_equal(err, -EINVAL);
	assert_true(strncmp(d.where, "line 1", 6) == 0);
	err = msrtrap_filter_from_json("{\"a\": \"b\\q\"}", 12, &f, &d);
	assert_int_equal(err, -EINVAL);
	assert_true(strncmp(d.where, "line 1", 6) == 0);
}

/* review D11: a \u0000 error does not name jansson's JSON_ALLOW_NUL */
static void test_json_nul_escape(void **state)
{
	const char *text = "{\"default\": \"deny\\u0000\", \"ranges\": []}";
	struct msrtrap_filter *f = NULL;
	MSRTRAP_OPTS(msrtrap_error, d);

	(void)state;
	assert_int_equal(msrtrap_filter_from_json(text, strlen(text), &f, &d),
			 -EINVAL);
	assert_string_equal(d.where, "line 1, column 24");
	assert_string_equal(d.message,
			    "\\u0000 is not allowed near '\"deny\\u0000\"'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_document),
		cmocka_unit_test(test_load_fields),
		cmocka_unit_test(test_bit_order),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_kernel_table),
		cmocka_unit_test(test_largest_range),
		cmocka_unit_test(test_extra_bytes_ignored),
		cmocka_unit_test(test_invalid_nmsrs_not_padded),
		cmocka_unit_test(test_writer_layout),
		cmocka_unit_test(test_round_trip_random),
		cmocka_unit_test(test_alternate_spellings),
		cmocka_unit_test(test_too_many_ranges_streamed),
		cmocka_unit_test(test_json_out_of_memory),
		cmocka_unit_test(test_json_string_out_of_memory),
		cmocka_unit_test(test_json_nul_escape),
	};

	return TEST_MAIN(tests);
}

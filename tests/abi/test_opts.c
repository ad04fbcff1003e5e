// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Options structs as a program built against the installed headers sees
 * them: the public API only, the shared library. A struct whose bytes past
 * its last known field (tail padding included) are not zero is refused
 * with -EINVAL, so a field a later release adds there can never be
 * silently ignored; MSRTRAP_OPTS() builds structs that are accepted; an
 * older, shorter struct still works.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <msrtrap/msrtrap.h>

#include "testutil.h"

#define END_OF(type, field) (offsetof(type, field) + sizeof(((type *)0)->field))

/* Every opts struct of this release with padding after its last field. */
static void test_tail_padding_is_known(void **state)
{
	assert_true(END_OF(struct msrtrap_map_opts, msrtrap_map_opts__last_field) <
		    sizeof(struct msrtrap_map_opts));
	assert_true(END_OF(struct msrtrap_policy_opts,
			   msrtrap_policy_opts__last_field) <
		    sizeof(struct msrtrap_policy_opts));
	assert_true(END_OF(struct msrtrap_publisher_opts,
			   msrtrap_publisher_opts__last_field) <
		    sizeof(struct msrtrap_publisher_opts));
}

static void test_map_padding(void **state)
{
	static uint64_t page[512];
	struct msrtrap_map_opts o;
	struct msrtrap_map *map = NULL;

	memset(&o, 0, sizeof(o));
	o.sz = sizeof(o);
	o.buf = page;
	o.keep_contents = true;
	((unsigned char *)&o)[END_OF(struct msrtrap_map_opts, keep_contents)] = 1;
	assert_int_equal(msrtrap_map_new(MSRTRAP_FMT_VMX, &o, &map), -EINVAL);
	assert_null(map);

	MSRTRAP_OPTS(msrtrap_map_opts, ok, .buf = page, .keep_contents = true);
	for (size_t i = END_OF(struct msrtrap_map_opts, keep_contents); i < sizeof(ok); i++)
		assert_int_equal(((unsigned char *)&ok)[i], 0);
	assert_int_equal(ok.sz, sizeof(ok));
	assert_int_equal(msrtrap_map_new(MSRTRAP_FMT_VMX, &ok, &map), 0);
	msrtrap_map_free(map);
}

static void test_policy_padding(void **state)
{
	struct msrtrap_policy_opts o;
	struct msrtrap_policy *p = NULL;
	const char text[] = "default deny\n";

	memset(&o, 0, sizeof(o));
	o.sz = sizeof(o);
	o.for_kvm = true;
	((unsigned char *)&o)[sizeof(o) - 1] = 0x80;
	assert_int_equal(msrtrap_policy_parse(text, sizeof(text) - 1, &o, &p, NULL),
			 -EINVAL);
	assert_null(p);

	MSRTRAP_OPTS(msrtrap_policy_opts, ok, .for_kvm = true);
	assert_int_equal(msrtrap_policy_parse(text, sizeof(text) - 1, &ok, &p, NULL), 0);
	msrtrap_policy_free(p);
}

static void test_publisher_padding(void **state)
{
	struct msrtrap_publisher_opts o;
	struct msrtrap_publisher *pub = NULL;

	memset(&o, 0, sizeof(o));
	o.sz = sizeof(o);
	o.max_readers = 4;
	((unsigned char *)&o)[END_OF(struct msrtrap_publisher_opts, max_readers)] = 1;
	assert_int_equal(msrtrap_publisher_new(&o, &pub), -EINVAL);
	assert_null(pub);

	MSRTRAP_OPTS(msrtrap_publisher_opts, ok, .max_readers = 4);
	assert_int_equal(msrtrap_publisher_new(&ok, &pub), 0);
	msrtrap_publisher_free(pub);
}

/*
 * msrtrap_engine_opts grew `kernel` after max_vcpus (issue 14.1): a byte
 * past it is refused, and an older program's struct that ends at
 * max_vcpus gets no profile even if memory past its sz says otherwise.
 */
static void test_engine_opts_kernel(void **state)
{
	struct msrtrap_engine_opts o;
	struct msrtrap_engine *vm = NULL;

	assert_true(END_OF(struct msrtrap_engine_opts,
			   msrtrap_engine_opts__last_field) ==
		    END_OF(struct msrtrap_engine_opts, kernel));
	memset(&o, 0, sizeof(o));
	o.sz = sizeof(o);
	o.format = MSRTRAP_FMT_VMX;
	o.kernel = MSRTRAP_KERNEL_V6_0;
	assert_int_equal(msrtrap_engine_new(&o, &vm), 0);
	msrtrap_engine_free(vm);
	vm = NULL;
	if (END_OF(struct msrtrap_engine_opts, kernel) < sizeof(o)) {
		((unsigned char *)&o)[END_OF(struct msrtrap_engine_opts,
					     kernel)] = 1;
		assert_int_equal(msrtrap_engine_new(&o, &vm), -EINVAL);
		assert_null(vm);
	}
	memset(&o, 0, sizeof(o));
	o.sz = END_OF(struct msrtrap_engine_opts, max_vcpus);
	o.format = MSRTRAP_FMT_VMX;
	o.strategy = MSRTRAP_STRATEGY_DELTA; /* refused with a v6.0 profile */
	o.kernel = MSRTRAP_KERNEL_V6_0;	     /* past sz: must not be read */
	assert_int_equal(msrtrap_engine_new(&o, &vm), 0);
	msrtrap_engine_free(vm);
}

/* A newer program's longer struct: zero extras pass, set ones are refused. */
struct future_map_opts {
	struct msrtrap_map_opts v1;
	uint64_t newer_field;
};

static void test_future_and_older_structs(void **state)
{
	struct future_map_opts f;
	struct msrtrap_map *map = NULL;

	memset(&f, 0, sizeof(f));
	f.v1.sz = sizeof(f);
	assert_int_equal(msrtrap_map_new(MSRTRAP_FMT_SVM, &f.v1, &map), 0);
	msrtrap_map_free(map);
	map = NULL;
	f.newer_field = 1;
	assert_int_equal(msrtrap_map_new(MSRTRAP_FMT_SVM, &f.v1, &map), -EINVAL);
	assert_null(map);

	/* an older program knew only sz and buf: keep_contents reads false */
	{
		static uint64_t page[512];
		struct msrtrap_map_opts o;

		memset(&o, 0, sizeof(o));
		memset(page, 0, sizeof(page));
		o.sz = END_OF(struct msrtrap_map_opts, buf);
		o.buf = page;
		o.keep_contents = true; /* past sz: must not be read */
		assert_int_equal(msrtrap_map_new(MSRTRAP_FMT_VMX, &o, &map), 0);
		assert_int_equal(((unsigned char *)page)[0], 0xff);
		msrtrap_map_free(map);
	}
	/* shorter than sz itself: refused */
	{
		struct msrtrap_map_opts o;

		memset(&o, 0, sizeof(o));
		o.sz = 1;
		assert_int_equal(msrtrap_map_new(MSRTRAP_FMT_VMX, &o, &map), -EINVAL);
	}
}

/*
 * Output structs through the shared library: sz first, an older program's
 * shorter struct filled only as far as it reaches, MSRTRAP_OPTS() works
 * for them too.
 */
static void test_output_structs(void **state)
{
	size_t old_sz = END_OF(struct msrtrap_msr_info, index);
	MSRTRAP_OPTS(msrtrap_msr_info, info);
	struct msrtrap_msr_info old;

	assert_int_equal(offsetof(struct msrtrap_msr_info, sz), 0);
	assert_int_equal(offsetof(struct msrtrap_engine_vcpu_stats, sz), 0);
	assert_int_equal(msrtrap_msr_lookup("IA32_EFER", &info), 0);
	assert_int_equal(info.sz, sizeof(info));
	assert_int_equal(info.index, 0xc0000080);
	assert_non_null(info.name);

	memset(&old, 0x5a, sizeof(old));
	old.sz = old_sz;
	assert_int_equal(msrtrap_msr_lookup("IA32_EFER", &old), 0);
	assert_int_equal(old.index, 0xc0000080);
	for (size_t i = old_sz; i < sizeof(old); i++)
		assert_int_equal(((unsigned char *)&old)[i], 0x5a);
}

/* <msrtrap/version.h> describes the library it is installed with. */
/*
 * struct msrtrap_error is an output struct too: an older caller's shorter
 * struct gets the prefix it knows (here: where and 8 bytes of message),
 * and nothing past its sz is written; an sz that cannot hold sz gets
 * nothing at all, and the call still reports its own error.
 */
static void test_error_struct(void **state)
{
	static const char bad[] = "{\"default\": \"deny\", \"ranges\": 7}";
	struct msrtrap_filter *f = NULL;
	MSRTRAP_OPTS(msrtrap_error, full);
	struct msrtrap_error part;
	size_t cut = offsetof(struct msrtrap_error, message) + 8;

	assert_int_equal(msrtrap_filter_from_json(bad, sizeof(bad) - 1, &f, &full),
			 -EINVAL);
	assert_string_equal(full.where, "ranges");
	assert_true(strlen(full.message) > 8);
	assert_int_equal(full.sz, sizeof(full));

	memset(&part, 0xaa, sizeof(part));
	part.sz = cut;
	assert_int_equal(msrtrap_filter_from_json(bad, sizeof(bad) - 1, &f, &part),
			 -EINVAL);
	assert_int_equal(part.sz, cut);
	assert_string_equal(part.where, "ranges");
	assert_memory_equal(part.message, full.message, 8);
	for (size_t i = cut; i < sizeof(part); i++)
		assert_int_equal(((unsigned char *)&part)[i], 0xaa);

	memset(&part, 0xaa, sizeof(part));
	part.sz = 3;
	assert_int_equal(msrtrap_filter_from_json(bad, sizeof(bad) - 1, &f, &part),
			 -EINVAL);
	for (size_t i = sizeof(size_t); i < sizeof(part); i++)
		assert_int_equal(((unsigned char *)&part)[i], 0xaa);
	assert_null(f);
}

static void test_version_macros(void **state)
{
	char want[32];

	snprintf(want, sizeof(want), "%d.%d.%d", MSRTRAP_VERSION_MAJOR,
		 MSRTRAP_VERSION_MINOR, MSRTRAP_VERSION_PATCH);
	assert_string_equal(want, MSRTRAP_VERSION_STRING);
	assert_string_equal(msrtrap_version(), MSRTRAP_VERSION_STRING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tail_padding_is_known),
		cmocka_unit_test(test_map_padding),
		cmocka_unit_test(test_policy_padding),
		cmocka_unit_test(test_publisher_padding),
		cmocka_unit_test(test_engine_opts_kernel),
		cmocka_unit_test(test_future_and_older_structs),
		cmocka_unit_test(test_output_structs),
		cmocka_unit_test(test_error_struct),
		cmocka_unit_test(test_version_macros),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers shared by the cmocka tests. */
#ifndef MSRTRAP_TESTUTIL_H
#define MSRTRAP_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <cmocka.h>

/*
 * Deterministic xorshift64* so a failure reproduces; MSRTRAP_SEED in the
 * environment picks another sequence.
 */
static uint64_t test_rng_state = 0x9e3779b97f4a7c15ULL;

static inline void test_seed(void)
{
	const char *s = getenv("MSRTRAP_SEED");

	if (s && *s)
		test_rng_state = strtoull(s, NULL, 0) | 1;
	printf("# seed 0x%llx\n", (unsigned long long)test_rng_state);
}

static inline uint64_t test_rand64(void)
{
	test_rng_state ^= test_rng_state >> 12;
	test_rng_state ^= test_rng_state << 25;
	test_rng_state ^= test_rng_state >> 27;
	return test_rng_state * 0x2545f4914f6cdd1dULL;
}

static inline uint32_t test_rand32(void)
{
	return (uint32_t)(test_rand64() >> 32);
}

/* Uniform-ish in [0, n). */
static inline uint32_t test_below(uint32_t n)
{
	return (uint32_t)((test_rand64() >> 32) % n);
}

static inline void test_fill_random(void *buf, size_t len)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)test_rand64();
}

static inline int test_env_on(const char *name)
{
	const char *s = getenv(name);

	return s && *s && *s != '0';
}

/* Long mode (MSRTRAP_LONG_TESTS=1) multiplies randomized volumes. */
static inline unsigned int test_scale(void)
{
	return test_env_on("MSRTRAP_LONG_TESTS") ? 50 : 1;
}

/*
 * A randomized volume: n, times 50 in long mode, and a twentieth of it (at
 * least 1) in quick mode (MSRTRAP_QUICK_TESTS=1), for runs under valgrind
 * that are 20-50 times slower; long mode wins when both are set.
 */
static inline unsigned long test_volume(unsigned long n)
{
	if (test_env_on("MSRTRAP_LONG_TESTS"))
		return n * test_scale();
	if (test_env_on("MSRTRAP_QUICK_TESTS"))
		return n / 20 ? n / 20 : 1;
	return n;
}

/*
 * How many times slower than native the tests run (MSRTRAP_TEST_SLOWDOWN,
 * 1 when unset; tests/valgrind.sh sets 50): time limits are multiplied by it.
 */
static inline double test_slowdown(void)
{
	const char *s = getenv("MSRTRAP_TEST_SLOWDOWN");
	double f = s && *s ? strtod(s, NULL) : 1.0;

	return f >= 1.0 ? f : 1.0;
}

static inline int test_run(const char *name, const struct CMUnitTest *tests,
			   size_t n)
{
	const char *only = getenv("MSRTRAP_TEST_FILTER");

	cmocka_set_message_output(CM_OUTPUT_TAP);
	/* run only the tests matching a pattern (e.g. one test under TSan) */
	if (only && *only)
		cmocka_set_test_filter(only);
	test_seed();
	return _cmocka_run_group_tests(name, tests, n, NULL, NULL);
}

#define TEST_MAIN(tests) test_run(__FILE__, tests, sizeof(tests) / sizeof(tests[0]))

#endif

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A parsed policy may be compiled from any number of threads at once
 * (<msrtrap/policy.h>): msrtrap_policy_to_filter() must give every
 * thread the same filter and report as a compile done alone.
 *
 * The policies lean on the packer's bounded beam (docs/packing.md §5,
 * the byte phase's fallback), whose sort once kept its comparator's
 * state in process-global variables: a long unaligned run of denied
 * MSRs broken by single MSRs whose accesses disagree, like
 *	default allow / deny rw 0xa95-0x6f79 / allow w 0x2141
 * and random variants with more exceptions, plus some small random
 * policies that stay on the exact path. Each is compiled once, alone,
 * beforehand; then NTHREADS threads, started together at a barrier,
 * compile all of them, each in its own order, and compare.
 *
 * Under ThreadSanitizer run it with
 *	TSAN_OPTIONS='halt_on_error=1 history_size=7 suppress_equal_addresses=0'
 * With the defaults TSan does find a race between two compiles but
 * drops the report when the other thread's access has left its (short)
 * history, and then suppresses every later report on that address.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include <msrtrap/filter.h>
#include <msrtrap/compile.h>

#include "testutil.h"

#define NTHREADS 4
#define MAX_EXC 24

struct result {
	int err;
	struct msrtrap_filter *filter;
	struct msrtrap_pack_report report;
};

struct job {
	struct msrtrap_policy **pols;
	const struct result *want;
	size_t npols;
	unsigned int rounds;
	size_t first; /* where this thread starts in pols */
	pthread_barrier_t *start;
	size_t mismatches;
};

/* A sorted, disjoint list with room for MAX_EXC intervals. */
struct ilist {
	struct msrtrap_interval v[MAX_EXC];
	size_t n;
};

static void ilist_add(struct ilist *l, uint32_t first, uint32_t last)
{
	if (l->n < MAX_EXC && first <= last &&
	    (!l->n || first > l->v[l->n - 1].last + 1))
		l->v[l->n++] = (struct msrtrap_interval){ first, last };
}

/*
 * A run [lo, hi] denied for both accesses, broken by holes: single MSRs
 * (or a few) where only one access keeps the default. Unaligned edges and
 * disagreeing holes are what drive the byte phase to its beam.
 */
static struct msrtrap_policy *beam_policy(unsigned int holes)
{
	uint32_t lo = 0x100 + test_below(0x1000);
	uint32_t hi = lo + 0x4000 + test_below(0x4000);
	struct ilist rd = { .n = 0 }, wr = { .n = 0 };
	uint32_t cur_r = lo, cur_w = lo, at = lo;
	struct msrtrap_policy *p = NULL;

	for (unsigned int i = 0; i < holes; i++) {
		uint32_t len = 1 + test_below(3);

		at += 0x200 + test_below((hi - at) / (holes - i + 1) + 1);
		if (at + len > hi)
			break;
		if (test_below(2)) { /* the write keeps the default here */
			ilist_add(&wr, cur_w, at - 1);
			cur_w = at + len;
		} else {
			ilist_add(&rd, cur_r, at - 1);
			cur_r = at + len;
		}
		at += len;
	}
	ilist_add(&rd, cur_r, hi);
	ilist_add(&wr, cur_w, hi);
	assert_int_equal(msrtrap_policy_from_intervals(true, rd.v, rd.n, wr.v,
						       wr.n, &p), 0);
	return p;
}

/* test_pack.c's regression case (allow; deny rw 0xa95-0x6f79; allow w 0x2141) */
static struct msrtrap_policy *regression_policy(void)
{
	static const struct msrtrap_interval rd[] = { { 0xa95, 0x6f79 } };
	static const struct msrtrap_interval wr[] = { { 0xa95, 0x2140 },
						      { 0x2142, 0x6f79 } };
	struct msrtrap_policy *p = NULL;

	assert_int_equal(msrtrap_policy_from_intervals(true, rd, 1, wr, 2, &p),
			 0);
	return p;
}

/* A few random exceptions anywhere in the low MSRs: the exact path. */
static struct msrtrap_policy *small_policy(void)
{
	struct ilist l[2] = { { .n = 0 }, { .n = 0 } };
	struct msrtrap_policy *p = NULL;

	for (int a = 0; a < 2; a++) {
		uint32_t at = test_below(0x100);

		for (unsigned int i = 0, n = 1 + test_below(6); i < n; i++) {
			uint32_t len = 1 + test_below(0x80);

			ilist_add(&l[a], at, at + len - 1);
			at += len + 1 + test_below(0x400);
		}
	}
	assert_int_equal(msrtrap_policy_from_intervals(test_below(2), l[0].v,
						       l[0].n, l[1].v, l[1].n,
						       &p), 0);
	return p;
}

static void compile(const struct msrtrap_policy *p, struct result *r)
{
	memset(r, 0, sizeof(*r));
	r->report.sz = sizeof(r->report);
	r->err = msrtrap_policy_to_filter(p, &r->filter, &r->report);
}

static void result_fini(struct result *r)
{
	msrtrap_filter_free(r->filter);
	msrtrap_pack_report_fini(&r->report);
}

static bool same_filter(const struct msrtrap_filter *a,
			const struct msrtrap_filter *b)
{
	if (!a || !b)
		return a == b;
	if (msrtrap_filter_flags(a) != msrtrap_filter_flags(b) ||
	    msrtrap_filter_nranges(a) != msrtrap_filter_nranges(b))
		return false;
	for (unsigned int i = 0; i < msrtrap_filter_nranges(a); i++) {
		struct msrtrap_filter_range x, y;

		if (msrtrap_filter_range(a, i, &x) ||
		    msrtrap_filter_range(b, i, &y))
			return false;
		if (x.flags != y.flags || x.base != y.base ||
		    x.nmsrs != y.nmsrs || x.bitmap_len != y.bitmap_len ||
		    (x.bitmap_len && memcmp(x.bitmap, y.bitmap, x.bitmap_len)))
			return false;
	}
	return true;
}

static bool same_report(const struct msrtrap_pack_report *a,
			const struct msrtrap_pack_report *b)
{
	if (a->default_allow != b->default_allow || a->nranges != b->nranges ||
	    a->bytes != b->bytes || a->bytes_proven != b->bytes_proven ||
	    a->naive_ranges != b->naive_ranges ||
	    a->naive_bytes != b->naive_bytes || a->nspans != b->nspans)
		return false;
	for (size_t i = 0; i < a->nspans; i++)
		if (a->spans[i].access != b->spans[i].access ||
		    a->spans[i].first != b->spans[i].first ||
		    a->spans[i].last != b->spans[i].last ||
		    a->spans[i].count != b->spans[i].count)
			return false;
	return true;
}

static void *worker(void *arg)
{
	struct job *j = arg;

	pthread_barrier_wait(j->start);
	for (unsigned int round = 0; round < j->rounds; round++) {
		for (size_t k = 0; k < j->npols; k++) {
			size_t i = (j->first + k) % j->npols;
			struct result got;

			compile(j->pols[i], &got);
			if (got.err != j->want[i].err ||
			    !same_filter(got.filter, j->want[i].filter) ||
			    !same_report(&got.report, &j->want[i].report))
				j->mismatches++;
			result_fini(&got);
		}
	}
	return NULL;
}

static void test_concurrent_compiles(void **state)
{
	size_t npols = test_volume(8), beam = 0, mismatches = 0;
	struct msrtrap_policy **pols = calloc(npols, sizeof(*pols));
	struct result *want = calloc(npols, sizeof(*want));
	struct job jobs[NTHREADS];
	pthread_t tid[NTHREADS];
	pthread_barrier_t start;

	(void)state;
	assert_non_null(pols);
	assert_non_null(want);
	for (size_t i = 0; i < npols; i++) {
		if (i == 0) {
			pols[i] = regression_policy();
		} else if (i % 4 == 3) {
			pols[i] = small_policy();
		} else {
			pols[i] = beam_policy(1 + test_below(MAX_EXC - 2));
		}
		compile(pols[i], &want[i]);
		assert_true(want[i].err == 0 || want[i].err == -E2BIG);
		beam += !want[i].report.bytes_proven;
	}
	printf("# %zu policies, %zu of them on the beam path\n", npols, beam);
	/* the test is about the beam: most policies must take it */
	assert_true(beam >= npols / 2);

	assert_int_equal(pthread_barrier_init(&start, NULL, NTHREADS), 0);
	for (int t = 0; t < NTHREADS; t++) {
		jobs[t] = (struct job){ .pols = pols, .want = want,
					.npols = npols, .rounds = 2,
					.first = t * npols / NTHREADS,
					.start = &start };
		assert_int_equal(pthread_create(&tid[t], NULL, worker, &jobs[t]), 0);
	}
	for (int t = 0; t < NTHREADS; t++) {
		assert_int_equal(pthread_join(tid[t], NULL), 0);
		printf("# thread %d: %zu of %zu compiles differ from the "
		       "single-threaded one\n", t, jobs[t].mismatches,
		       (size_t)jobs[t].rounds * npols);
		mismatches += jobs[t].mismatches;
	}
	pthread_barrier_destroy(&start);
	assert_int_equal(mismatches, 0);

	for (size_t i = 0; i < npols; i++) {
		result_fini(&want[i]);
		msrtrap_policy_free(pols[i]);
	}
	free(want);
	free(pols);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent_compiles),
	};

	test_seed();
	return TEST_MAIN(tests);
}

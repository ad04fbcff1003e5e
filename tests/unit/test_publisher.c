// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The filter publisher: API contract, grace periods, and a stress test where
 * reader threads must always see exactly one whole filter while writers
 * replace it thousands of times (spec §3.3, live notes K9). Run under
 * TSan and ASan in CI: a filter freed too early is a use-after-free.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include <msrtrap/filter.h>
#include <msrtrap/publisher.h>

#include "testutil.h"

/* ---- the filters: 8 kinds with pairwise different verdict vectors ---- */

#define NKINDS 8
#define KIND_NONE NKINDS /* publish NULL: no filter, everything allowed */
#define HIGH_BASE 0xc0000000u
#define HIGH_NMSRS 0x3000u

/* Probe MSRs; each is probed for read and write: 2 bits per probe. */
static const uint32_t probes[] = {
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, /* ranges 0 and 1 */
	HIGH_BASE + 0 * 100, HIGH_BASE + 1 * 100, HIGH_BASE + 2 * 100,
	HIGH_BASE + 3 * 100, HIGH_BASE + 4 * 100, HIGH_BASE + 5 * 100,
	HIGH_BASE + 6 * 100, HIGH_BASE + 7 * 100, /* range 2 */
	0x1000, /* no range: the default */
	0x808,	/* x2APIC: never filtered */
};
#define NPROBES (sizeof(probes) / sizeof(probes[0]))

static struct msrtrap_filter *filters[NKINDS];
/* verdict vector of each kind, KIND_NONE included */
static uint64_t vectors[NKINDS + 1];

static uint64_t verdicts(const struct msrtrap_cfilter *cf)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < NPROBES; i++) {
		v |= (uint64_t)msrtrap_cfilter_allowed(cf, probes[i],
						       MSRTRAP_READ) << (2 * i);
		v |= (uint64_t)msrtrap_cfilter_allowed(cf, probes[i],
						       MSRTRAP_WRITE)
		     << (2 * i + 1);
	}
	return v;
}

/* Which kind a vector belongs to, or -1 for a mix of kinds. */
static int kind_of(uint64_t v)
{
	for (int k = 0; k <= NKINDS; k++)
		if (vectors[k] == v)
			return k;
	return -1;
}

/*
 * Kind k: default allow (even k) or deny (odd k); READ and WRITE ranges
 * over 0x10-0x17 with bitmaps that differ per kind; an RW range over
 * 0xc0000000 + 0x3000 allowing everything but MSR HIGH_BASE + k * 100.
 */
static void build_filters(void)
{
	static uint8_t high[HIGH_NMSRS / 8];

	if (filters[0])
		return;
	for (int k = 0; k < NKINDS; k++) {
		uint8_t lo_r[8] = { (uint8_t)(k * 37 + 11) };
		uint8_t lo_w[8] = { (uint8_t)~(k * 37 + 11) };
		uint64_t v = 0;

		memset(high, 0xff, sizeof(high));
		high[k * 100 / 8] &= (uint8_t)~(1u << (k * 100 % 8));
		assert_int_equal(msrtrap_filter_new(k & 1 ?
				 MSRTRAP_KVM_MSR_FILTER_DEFAULT_DENY :
				 MSRTRAP_KVM_MSR_FILTER_DEFAULT_ALLOW,
				 &filters[k]), 0);
		assert_int_equal(msrtrap_filter_add_range(filters[k],
				 MSRTRAP_KVM_MSR_FILTER_READ, 0x10, 8,
				 lo_r, sizeof(lo_r)), 0);
		assert_int_equal(msrtrap_filter_add_range(filters[k],
				 MSRTRAP_KVM_MSR_FILTER_WRITE, 0x10, 8,
				 lo_w, sizeof(lo_w)), 0);
		assert_int_equal(msrtrap_filter_add_range(filters[k],
				 MSRTRAP_KVM_MSR_FILTER_READ |
				 MSRTRAP_KVM_MSR_FILTER_WRITE,
				 HIGH_BASE, HIGH_NMSRS, high, sizeof(high)), 0);
		assert_int_equal(msrtrap_filter_validate(filters[k], NULL), 0);
		/* expected verdicts from the reference scan, not the cfilter */
		for (unsigned int i = 0; i < NPROBES; i++) {
			int r = msrtrap_filter_allowed(filters[k], probes[i],
						       MSRTRAP_READ);
			int w = msrtrap_filter_allowed(filters[k], probes[i],
						       MSRTRAP_WRITE);

			assert_true(r >= 0 && w >= 0);
			v |= (uint64_t)r << (2 * i) | (uint64_t)w << (2 * i + 1);
		}
		vectors[k] = v;
	}
	vectors[KIND_NONE] = (1ull << (2 * NPROBES)) - 1;
	for (int a = 0; a <= NKINDS; a++)
		for (int b = a + 1; b <= NKINDS; b++)
			assert_true(vectors[a] != vectors[b]);
}

static struct msrtrap_cfilter *compile(int kind)
{
	struct msrtrap_cfilter *cf = NULL;

	build_filters();
	if (kind == KIND_NONE)
		return NULL;
	assert_int_equal(msrtrap_cfilter_new(filters[kind], &cf, NULL), 0);
	return cf;
}

static void free_filters(void)
{
	for (int k = 0; k < NKINDS; k++) {
		msrtrap_filter_free(filters[k]);
		filters[k] = NULL;
	}
}

/* ---- helpers for threads ---- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void nap_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Wait (yielding) until *flag is set; false after 20 s. */
static bool wait_flag(atomic_int *flag)
{
	double end = now() + 20;

	while (!atomic_load(flag)) {
		if (now() > end)
			return false;
		sched_yield();
	}
	return true;
}

static bool wait_generation(struct msrtrap_publisher *publisher, uint64_t gen)
{
	double end = now() + 20;

	while (msrtrap_publisher_generation(publisher) < gen) {
		if (now() > end)
			return false;
		sched_yield();
	}
	return true;
}

struct publisher {
	pthread_t thread;
	struct msrtrap_publisher *publisher;
	struct msrtrap_cfilter *next;
	atomic_int done;
	int ret;
};

static void *publisher_main(void *arg)
{
	struct publisher *p = arg;

	p->ret = msrtrap_publisher_publish(p->publisher, p->next);
	atomic_store(&p->done, 1);
	return NULL;
}

static void start_publish(struct publisher *p, struct msrtrap_publisher *publisher,
			  struct msrtrap_cfilter *next)
{
	p->publisher = publisher;
	p->next = next;
	p->ret = -1;
	atomic_init(&p->done, 0);
	assert_int_equal(pthread_create(&p->thread, NULL, publisher_main, p), 0);
}

/* ---- unit tests ---- */

static void test_opts(void **state)
{
	struct {
		struct msrtrap_publisher_opts o;
		uint64_t future;
	} big;
	MSRTRAP_OPTS(msrtrap_publisher_opts, opts);
	struct msrtrap_publisher *publisher;

	/*
	 * memset, not an initializer: o's tail padding lies before
	 * `future`, and an initializer leaves padding unspecified, which
	 * the library rightly refuses when it is not zero.
	 */
	memset(&big, 0, sizeof(big));
	big.o.sz = sizeof(big);
	big.o.max_readers = 2;
	assert_int_equal(msrtrap_publisher_new(NULL, NULL), -EINVAL);
	opts.sz = 0;
	assert_int_equal(msrtrap_publisher_new(&opts, &publisher), -EINVAL);
	opts.sz = sizeof(opts);
	opts.max_readers = MSRTRAP_PUBLISHER_MAX_READERS + 1;
	assert_int_equal(msrtrap_publisher_new(&opts, &publisher), -EINVAL);
	/* a newer caller's struct: fine while the unknown tail is zero */
	assert_int_equal(msrtrap_publisher_new(&big.o, &publisher), 0);
	msrtrap_publisher_free(publisher);
	big.future = 1;
	assert_int_equal(msrtrap_publisher_new(&big.o, &publisher), -EINVAL);
	/* an older caller's struct without max_readers: the default */
	opts.sz = sizeof(size_t);
	opts.max_readers = 1;
	assert_int_equal(msrtrap_publisher_new(&opts, &publisher), 0);
	{
		struct msrtrap_publisher_reader *r[MSRTRAP_PUBLISHER_DEFAULT_READERS + 1];

		for (unsigned int i = 0; i < MSRTRAP_PUBLISHER_DEFAULT_READERS; i++)
			assert_int_equal(msrtrap_publisher_reader_new(publisher, &r[i]), 0);
		assert_int_equal(msrtrap_publisher_reader_new(publisher, &r[0]), -ENOSPC);
	}
	/* handles die with the publisher */
	msrtrap_publisher_free(publisher);
	msrtrap_publisher_free(NULL);
	msrtrap_publisher_reader_free(NULL);
}

static void test_empty(void **state)
{
	struct msrtrap_publisher *publisher;
	struct msrtrap_publisher_reader *r;

	assert_int_equal(msrtrap_publisher_new(NULL, &publisher), 0);
	assert_int_equal(msrtrap_publisher_reader_new(publisher, NULL), -EINVAL);
	assert_int_equal(msrtrap_publisher_reader_new(NULL, &r), -EINVAL);
	assert_int_equal(msrtrap_publisher_reader_new(publisher, &r), 0);
	assert_int_equal(msrtrap_publisher_generation(publisher), 0);
	for (int i = 0; i < 3; i++) {
		assert_null(msrtrap_publisher_enter(r));
		assert_int_equal(msrtrap_publisher_reader_generation(r), 0);
		/* no filter: everything allowed */
		assert_true(msrtrap_cfilter_allowed(msrtrap_publisher_enter(r),
						    0x10, MSRTRAP_READ));
		msrtrap_publisher_exit(r);
		msrtrap_publisher_exit(r);
	}
	/* an unbalanced exit is ignored */
	msrtrap_publisher_exit(r);
	msrtrap_publisher_reader_free(r);
	msrtrap_publisher_free(publisher);
}

static void test_publish_visible(void **state)
{
	struct msrtrap_cfilter *a = compile(2), *b = compile(5);
	struct msrtrap_publisher *publisher;
	struct msrtrap_publisher_reader *r;

	assert_int_equal(msrtrap_publisher_new(NULL, &publisher), 0);
	assert_int_equal(msrtrap_publisher_reader_new(publisher, &r), 0);

	assert_int_equal(msrtrap_publisher_publish(publisher, a), 0);
	assert_int_equal(msrtrap_publisher_generation(publisher), 1);
	assert_ptr_equal(msrtrap_publisher_enter(r), a);
	assert_int_equal(msrtrap_publisher_reader_generation(r), 1);
	assert_true(verdicts(a) == vectors[2]);
	msrtrap_publisher_exit(r);

	/* the same filter again: refused, nothing changes, not freed */
	assert_int_equal(msrtrap_publisher_publish(publisher, a), -EINVAL);
	assert_int_equal(msrtrap_publisher_generation(publisher), 1);
	assert_ptr_equal(msrtrap_publisher_enter(r), a);
	msrtrap_publisher_exit(r);

	/* replacing frees a (ASan would report a leak otherwise) */
	assert_int_equal(msrtrap_publisher_publish(publisher, b), 0);
	assert_int_equal(msrtrap_publisher_generation(publisher), 2);
	assert_ptr_equal(msrtrap_publisher_enter(r), b);
	assert_int_equal(msrtrap_publisher_reader_generation(r), 2);
	assert_true(verdicts(msrtrap_publisher_enter(r)) == vectors[5]);
	msrtrap_publisher_exit(r);
	msrtrap_publisher_exit(r);

	/* publishing NULL removes the filter */
	assert_int_equal(msrtrap_publisher_publish(publisher, NULL), 0);
	assert_int_equal(msrtrap_publisher_generation(publisher), 3);
	assert_null(msrtrap_publisher_enter(r));
	assert_int_equal(msrtrap_publisher_reader_generation(r), 3);
	msrtrap_publisher_exit(r);
	assert_int_equal(msrtrap_publisher_publish(publisher, NULL), 0);
	assert_int_equal(msrtrap_publisher_generation(publisher), 4);

	/* a NULL publisher: error, and next is freed all the same */
	assert_int_equal(msrtrap_publisher_publish(NULL, compile(1)), -EINVAL);

	msrtrap_publisher_reader_free(r);
	msrtrap_publisher_free(publisher);
}

static void test_free_with_filter(void **state)
{
	struct msrtrap_publisher *publisher;
	struct msrtrap_publisher_reader *r;

	/* the installed filter is freed with the publisher (LeakSanitizer) */
	assert_int_equal(msrtrap_publisher_new(NULL, &publisher), 0);
	assert_int_equal(msrtrap_publisher_publish(publisher, compile(3)), 0);
	assert_int_equal(msrtrap_publisher_reader_new(publisher, &r), 0);
	assert_true(verdicts(msrtrap_publisher_enter(r)) == vectors[3]);
	msrtrap_publisher_exit(r);
	msrtrap_publisher_free(publisher);
}

static void test_reader_limit(void **state)
{
	MSRTRAP_OPTS(msrtrap_publisher_opts, opts, .max_readers = 3);
	struct msrtrap_publisher_reader *r[3], *extra;
	struct msrtrap_publisher *publisher;

	assert_int_equal(msrtrap_publisher_new(&opts, &publisher), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(msrtrap_publisher_reader_new(publisher, &r[i]), 0);
	assert_true(r[0] != r[1] && r[1] != r[2] && r[0] != r[2]);
	assert_int_equal(msrtrap_publisher_reader_new(publisher, &extra), -ENOSPC);
	assert_int_equal(msrtrap_publisher_reader_new(publisher, &extra), -ENOSPC);
	/* a freed entry is reused */
	msrtrap_publisher_reader_free(r[1]);
	assert_int_equal(msrtrap_publisher_reader_new(publisher, &extra), 0);
	assert_int_equal(msrtrap_publisher_reader_new(publisher, &r[1]), -ENOSPC);
	assert_null(msrtrap_publisher_enter(extra));
	msrtrap_publisher_exit(extra);
	/*
	 * Freeing a reader inside a section is a caller bug, but must not
	 * block publishers for ever.
	 */
	msrtrap_publisher_enter(r[0]);
	msrtrap_publisher_reader_free(r[0]);
	assert_int_equal(msrtrap_publisher_publish(publisher, compile(0)), 0);
	msrtrap_publisher_free(publisher);
}

/* A reader thread that stays inside its section until told to leave. */
struct holder {
	pthread_t thread;
	struct msrtrap_publisher *publisher;
	atomic_int inside, release, left;
	const struct msrtrap_cfilter *seen;
	uint64_t before, after; /* verdicts on entry and just before exit */
	int err;
};

static void *holder_main(void *arg)
{
	struct holder *h = arg;
	struct msrtrap_publisher_reader *r;

	h->err = msrtrap_publisher_reader_new(h->publisher, &r);
	if (h->err) {
		atomic_store(&h->inside, 1);
		atomic_store(&h->left, 1);
		return NULL;
	}
	h->seen = msrtrap_publisher_enter(r);
	h->before = verdicts(h->seen);
	atomic_store(&h->inside, 1);
	if (!wait_flag(&h->release))
		h->err = -ETIMEDOUT;
	/* a use-after-free here if the publish freed it early */
	h->after = verdicts(h->seen);
	msrtrap_publisher_exit(r);
	atomic_store(&h->left, 1);
	msrtrap_publisher_reader_free(r);
	return NULL;
}

static void test_grace_period(void **state)
{
	struct msrtrap_cfilter *a = compile(0), *b = compile(1);
	struct msrtrap_publisher *publisher;
	struct msrtrap_publisher_reader *me;
	struct publisher pub;
	struct holder h = { 0 };

	assert_int_equal(msrtrap_publisher_new(NULL, &publisher), 0);
	assert_int_equal(msrtrap_publisher_publish(publisher, a), 0);
	assert_int_equal(msrtrap_publisher_reader_new(publisher, &me), 0);

	h.publisher = publisher;
	assert_int_equal(pthread_create(&h.thread, NULL, holder_main, &h), 0);
	assert_true(wait_flag(&h.inside));
	assert_int_equal(h.err, 0);
	assert_ptr_equal(h.seen, a);

	start_publish(&pub, publisher, b);
	/* the swap itself happens at once ... */
	assert_true(wait_generation(publisher, 2));
	/* ... and a reader entering now sees b, while the holder keeps a */
	assert_ptr_equal(msrtrap_publisher_enter(me), b);
	assert_true(verdicts(b) == vectors[1]);
	msrtrap_publisher_exit(me);
	/* but the publish waits for the holder, which entered before it */
	for (int i = 0; i < 10; i++) {
		nap_ms(10);
		assert_int_equal(atomic_load(&pub.done), 0);
	}
	assert_int_equal(atomic_load(&h.left), 0);

	atomic_store(&h.release, 1);
	assert_int_equal(pthread_join(pub.thread, NULL), 0);
	assert_int_equal(pub.ret, 0);
	/* the publish could only finish after the holder left */
	assert_int_equal(atomic_load(&h.left), 1);
	assert_int_equal(pthread_join(h.thread, NULL), 0);
	assert_int_equal(h.err, 0);
	assert_true(h.before == vectors[0]);
	assert_true(h.after == vectors[0]);

	msrtrap_publisher_reader_free(me);
	msrtrap_publisher_free(publisher);
}

static void test_nesting(void **state)
{
	struct msrtrap_cfilter *a = compile(6), *b = compile(7);
	struct msrtrap_publisher *publisher;
	struct msrtrap_publisher_reader *r;
	struct publisher pub;

	assert_int_equal(msrtrap_publisher_new(NULL, &publisher), 0);
	assert_int_equal(msrtrap_publisher_publish(publisher, a), 0);
	assert_int_equal(msrtrap_publisher_reader_new(publisher, &r), 0);

	assert_ptr_equal(msrtrap_publisher_enter(r), a);
	start_publish(&pub, publisher, b);
	assert_true(wait_generation(publisher, 2));
	/* inner sections keep the outer section's filter and generation */
	assert_ptr_equal(msrtrap_publisher_enter(r), a);
	assert_int_equal(msrtrap_publisher_reader_generation(r), 1);
	msrtrap_publisher_exit(r);
	nap_ms(30);
	assert_int_equal(atomic_load(&pub.done), 0);
	assert_true(verdicts(a) == vectors[6]);
	msrtrap_publisher_exit(r); /* the outermost exit ends the grace period */
	assert_int_equal(pthread_join(pub.thread, NULL), 0);
	assert_int_equal(pub.ret, 0);

	assert_ptr_equal(msrtrap_publisher_enter(r), b);
	assert_int_equal(msrtrap_publisher_reader_generation(r), 2);
	msrtrap_publisher_exit(r);
	msrtrap_publisher_reader_free(r);
	msrtrap_publisher_free(publisher);
}

/* ---- stress: whole filters only, no use-after-free ---- */

#define STRESS_READERS 4
#define STRESS_WRITERS 2

struct stress {
	struct msrtrap_publisher *publisher;
	atomic_int started;
	atomic_int stop;
	atomic_int failures;
};

struct stress_reader {
	pthread_t thread;
	struct stress *st;
	int id;
	unsigned long sections;
	unsigned long mixed;	/* vectors matching no kind */
	unsigned long backwards; /* generation went down */
	unsigned long nest_bad;	 /* inner enter saw another filter */
	unsigned long reregistered;
	int err;
};

struct stress_writer {
	pthread_t thread;
	struct stress *st;
	uint64_t rng;
	unsigned long publishes;
	unsigned long target;
	int err;
};

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static void *stress_reader_main(void *arg)
{
	struct stress_reader *sr = arg;
	struct msrtrap_publisher *publisher = sr->st->publisher;
	struct msrtrap_publisher_reader *r;
	uint64_t last_gen = 0;

	sr->err = msrtrap_publisher_reader_new(publisher, &r);
	atomic_fetch_add(&sr->st->started, 1);
	if (sr->err)
		return NULL;
	while (!atomic_load_explicit(&sr->st->stop, memory_order_relaxed)) {
		const struct msrtrap_cfilter *cf = msrtrap_publisher_enter(r);
		uint64_t gen = msrtrap_publisher_reader_generation(r);
		uint64_t v = verdicts(cf);

		if (gen < last_gen)
			sr->backwards++;
		last_gen = gen;
		/* every 64th section: a nested one must see the same filter */
		if (!(sr->sections & 63)) {
			if (msrtrap_publisher_enter(r) != cf)
				sr->nest_bad++;
			if (verdicts(cf) != v)
				sr->mixed++;
			msrtrap_publisher_exit(r);
		}
		/*
		 * every 128th: stay inside across a reschedule, so that a
		 * filter freed too early is read after its free (ASan sees
		 * that too, not just TSan), and check it did not change
		 */
		if ((sr->sections & 127) == 32) {
			sched_yield();
			if (verdicts(cf) != v)
				sr->mixed++;
		}
		msrtrap_publisher_exit(r);
		if (kind_of(v) < 0)
			sr->mixed++;
		sr->sections++;
		/*
		 * vCPUs run guest code between exits. Give the CPU away
		 * outside a section now and then: on a machine with fewer
		 * CPUs than threads this makes a reader far more likely to
		 * be descheduled outside a section than inside one, where it
		 * would stall every publish until it runs again.
		 */
		if (!(sr->sections & 15))
			sched_yield();
		/* reader 0 re-registers now and then (entry reuse, CAS) */
		if (sr->id == 0 && !(sr->sections & 1023)) {
			msrtrap_publisher_reader_free(r);
			sr->err = msrtrap_publisher_reader_new(publisher, &r);
			if (sr->err)
				return NULL;
			sr->reregistered++;
		}
	}
	msrtrap_publisher_reader_free(r);
	return NULL;
}

static void *stress_writer_main(void *arg)
{
	struct stress_writer *sw = arg;
	struct msrtrap_publisher *publisher = sw->st->publisher;

	/* start replacing only once every reader is running */
	while (atomic_load(&sw->st->started) < STRESS_READERS)
		sched_yield();
	for (unsigned long i = 0; i < sw->target; i++) {
		/* mostly filters, sometimes none */
		int kind = (int)(xorshift(&sw->rng) % (NKINDS + 1));
		struct msrtrap_cfilter *cf = NULL;
		int err;

		if (kind != KIND_NONE) {
			err = msrtrap_cfilter_new(filters[kind], &cf, NULL);
			if (err) {
				sw->err = err;
				return NULL;
			}
		}
		err = msrtrap_publisher_publish(publisher, cf);
		if (err) {
			sw->err = err;
			return NULL;
		}
		sw->publishes++;
	}
	return NULL;
}

static void test_stress(void **state)
{
	unsigned long replacements = test_volume(10000ul);
	struct stress_reader readers[STRESS_READERS] = { 0 };
	struct stress_writer writers[STRESS_WRITERS] = { 0 };
	struct stress st = { 0 };
	struct msrtrap_publisher_reader *r;
	unsigned long sections = 0, publishes = 0;
	uint64_t final;
	double t0, t;

	build_filters();
	/* the compiled form agrees with the reference scan on every probe */
	for (int k = 0; k < NKINDS; k++) {
		struct msrtrap_cfilter *cf = compile(k);

		assert_true(verdicts(cf) == vectors[k]);
		msrtrap_cfilter_free(cf);
	}
	assert_true(verdicts(NULL) == vectors[KIND_NONE]);

	assert_int_equal(msrtrap_publisher_new(NULL, &st.publisher), 0);
	assert_int_equal(msrtrap_publisher_publish(st.publisher, compile(0)), 0);
	t0 = now();
	for (int i = 0; i < STRESS_READERS; i++) {
		readers[i].st = &st;
		readers[i].id = i;
		assert_int_equal(pthread_create(&readers[i].thread, NULL,
						stress_reader_main,
						&readers[i]), 0);
	}
	for (int i = 0; i < STRESS_WRITERS; i++) {
		writers[i].st = &st;
		writers[i].rng = test_rand64() | 1;
		writers[i].target = replacements / STRESS_WRITERS +
				    (i == 0 ? replacements % STRESS_WRITERS : 0);
		assert_int_equal(pthread_create(&writers[i].thread, NULL,
						stress_writer_main,
						&writers[i]), 0);
	}
	for (int i = 0; i < STRESS_WRITERS; i++) {
		assert_int_equal(pthread_join(writers[i].thread, NULL), 0);
		assert_int_equal(writers[i].err, 0);
		publishes += writers[i].publishes;
	}
	atomic_store(&st.stop, 1);
	for (int i = 0; i < STRESS_READERS; i++) {
		assert_int_equal(pthread_join(readers[i].thread, NULL), 0);
		assert_int_equal(readers[i].err, 0);
		assert_int_equal(readers[i].mixed, 0);
		assert_int_equal(readers[i].backwards, 0);
		assert_int_equal(readers[i].nest_bad, 0);
		assert_true(readers[i].sections > 0);
		sections += readers[i].sections;
	}
	t = now() - t0;
	assert_int_equal(publishes, replacements);
	assert_int_equal(msrtrap_publisher_generation(st.publisher), replacements + 1);

	/* after the last publish every reader sees the last filter */
	assert_int_equal(msrtrap_publisher_reader_new(st.publisher, &r), 0);
	final = verdicts(msrtrap_publisher_enter(r));
	assert_true(kind_of(final) >= 0);
	assert_int_equal(msrtrap_publisher_reader_generation(r), replacements + 1);
	msrtrap_publisher_exit(r);
	msrtrap_publisher_free(st.publisher);

	printf("# stress: %d readers, %d writers, %lu replacements, "
	       "%lu reader sections (%lu re-registrations), %.2f s\n",
	       STRESS_READERS, STRESS_WRITERS, publishes, sections,
	       readers[0].reregistered, t);
	free_filters();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opts),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_publish_visible),
		cmocka_unit_test(test_free_with_filter),
		cmocka_unit_test(test_reader_limit),
		cmocka_unit_test(test_grace_period),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_stress),
	};

	return TEST_MAIN(tests);
}

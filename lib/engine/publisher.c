// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The filter publisher: publishing compiled filters to readers that never block.
 *
 * Epoch-based reclamation in the small (docs/publisher.md has the long form):
 *
 *  - publisher->current is the installed filter; publisher->epoch counts publishes
 *    (it starts at 1, so generation = epoch - 1, and 0 is free to mean
 *    "outside").
 *  - Each reader owns one cache line with `state`: 0 while outside a
 *    read-side section, otherwise the epoch it read when it entered.
 *  - A publisher swaps the pointer, advances the epoch from E to E + 1,
 *    then waits until no reader has a state in [1, E]: such a reader may
 *    have loaded the old pointer. Readers that are outside (0) or that
 *    entered at epoch E + 1 or later cannot hold it. Then it frees the old
 *    filter.
 *
 * Only the owning thread writes a reader's state, only publishers (one at
 * a time, under publisher->lock) write current and epoch, so the read side is a
 * load, a store and a load: no read-modify-write, no lock, no loop.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <msrtrap/filter.h>
#include <msrtrap/publisher.h>

#include "util/opts.h"

#define SLOT_CACHELINE 64

struct msrtrap_publisher_reader {
	/*
	 * Written by the owning thread on every enter/exit, read by
	 * publishers. On its own cache line so that readers do not slow each
	 * other down (false sharing).
	 */
	_Alignas(SLOT_CACHELINE) _Atomic uint64_t state;
	/* Claimed by msrtrap_publisher_reader_new() with a CAS. */
	atomic_bool in_use;
	/* Owner-thread only: nesting depth, and what the outermost enter saw. */
	unsigned int depth;
	const struct msrtrap_cfilter *held;
	uint64_t gen;
	struct msrtrap_publisher *publisher;
};

struct msrtrap_publisher {
	/* Read on every enter, written once per publish: one shared line. */
	_Alignas(SLOT_CACHELINE) _Atomic(struct msrtrap_cfilter *) current;
	_Atomic uint64_t epoch;
	/* Write side only. */
	_Alignas(SLOT_CACHELINE) pthread_mutex_t lock;
	unsigned int max_readers;
	struct msrtrap_publisher_reader *readers;
};

int msrtrap_publisher_new(const struct msrtrap_publisher_opts *opts,
		     struct msrtrap_publisher **out)
{
	unsigned int n = OPTS_GET(opts, max_readers, 0);
	struct msrtrap_publisher *publisher;
	int err;

	if (!out || !OPTS_VALID(opts, msrtrap_publisher_opts))
		return -EINVAL;
	if (!n)
		n = MSRTRAP_PUBLISHER_DEFAULT_READERS;
	if (n > MSRTRAP_PUBLISHER_MAX_READERS)
		return -EINVAL;

	/* sizeof is a multiple of the alignment, as aligned_alloc wants */
	publisher = aligned_alloc(_Alignof(struct msrtrap_publisher), sizeof(*publisher));
	if (!publisher)
		return -ENOMEM;
	memset(publisher, 0, sizeof(*publisher));
	publisher->readers = aligned_alloc(_Alignof(struct msrtrap_publisher_reader),
				      (size_t)n * sizeof(*publisher->readers));
	if (!publisher->readers) {
		free(publisher);
		return -ENOMEM;
	}
	memset(publisher->readers, 0, (size_t)n * sizeof(*publisher->readers));
	err = pthread_mutex_init(&publisher->lock, NULL);
	if (err) {
		free(publisher->readers);
		free(publisher);
		return -err;
	}
	publisher->max_readers = n;
	atomic_init(&publisher->current, NULL);
	atomic_init(&publisher->epoch, 1);
	for (unsigned int i = 0; i < n; i++) {
		atomic_init(&publisher->readers[i].state, 0);
		atomic_init(&publisher->readers[i].in_use, false);
		publisher->readers[i].publisher = publisher;
	}
	*out = publisher;
	return 0;
}

void msrtrap_publisher_free(struct msrtrap_publisher *publisher)
{
	if (!publisher)
		return;
	/* The caller guarantees nobody else uses the publisher: relaxed is enough. */
	msrtrap_cfilter_free(atomic_load_explicit(&publisher->current,
						  memory_order_relaxed));
	pthread_mutex_destroy(&publisher->lock);
	free(publisher->readers);
	free(publisher);
}

int msrtrap_publisher_reader_new(struct msrtrap_publisher *publisher,
			    struct msrtrap_publisher_reader **out)
{
	if (!publisher || !out)
		return -EINVAL;
	for (unsigned int i = 0; i < publisher->max_readers; i++) {
		struct msrtrap_publisher_reader *r = &publisher->readers[i];
		bool expected = false;

		/*
		 * acquire on success: pairs with the release in
		 * msrtrap_publisher_reader_free(), so the previous owner's plain
		 * writes to depth/held/gen happen before ours below. relaxed
		 * on failure: we learn nothing from a taken entry.
		 */
		if (atomic_compare_exchange_strong_explicit(&r->in_use,
							    &expected, true,
							    memory_order_acquire,
							    memory_order_relaxed)) {
			r->depth = 0;
			r->held = NULL;
			r->gen = 0;
			*out = r;
			return 0;
		}
	}
	return -ENOSPC;
}

void msrtrap_publisher_reader_free(struct msrtrap_publisher_reader *r)
{
	if (!r)
		return;
	/*
	 * A reader freed inside a section is a caller bug; leave it
	 * quiescent anyway (release: its reads of the filter come first,
	 * as in msrtrap_publisher_exit()) so that publishers are not blocked
	 * forever by a dead entry.
	 */
	if (r->depth) {
		r->depth = 0;
		atomic_store_explicit(&r->state, 0, memory_order_release);
	}
	/* release: pairs with the acquire CAS of the entry's next owner. */
	atomic_store_explicit(&r->in_use, false, memory_order_release);
}

const struct msrtrap_cfilter *msrtrap_publisher_enter(struct msrtrap_publisher_reader *r)
{
	struct msrtrap_publisher *publisher = r->publisher;
	uint64_t e;

	if (r->depth++)
		return r->held;

	/*
	 * acquire: pairs with the publisher's (seq_cst, hence release)
	 * epoch increment, which it makes after swapping the pointer. If we
	 * read epoch E + 1 here, that swap happens before our pointer load
	 * below, which therefore returns the new filter or a newer one. This
	 * is what makes "generation g => filter of publish g or later" true,
	 * and what lets a publisher ignore readers whose state is > E.
	 */
	e = atomic_load_explicit(&publisher->epoch, memory_order_acquire);

	/*
	 * seq_cst store, then seq_cst load of the pointer: the reader half of
	 * a Dekker-style handshake (store my flag, then load yours). The
	 * publisher does the mirror image: seq_cst exchange of the pointer,
	 * then seq_cst loads of every reader's state. All four are in the
	 * single total order of seq_cst operations, so either
	 *  - our store comes first: the publisher's load sees our state
	 *    (or a later value of it) and waits for us; or
	 *  - the publisher's load comes first: then its exchange does too,
	 *    and our pointer load returns the new filter.
	 * Either way no reader holds the old filter unseen. With anything
	 * weaker than seq_cst the store could be ordered after the load
	 * (x86 store buffering allows exactly that), and both sides could
	 * miss each other. This is the one full barrier of the read side
	 * (an xchg or mov+mfence on x86).
	 *
	 * The pointer load being seq_cst also gives it acquire semantics:
	 * the filter's contents, written by msrtrap_cfilter_new() before
	 * the publisher's (release) exchange, are visible to us.
	 */
	atomic_store_explicit(&r->state, e, memory_order_seq_cst);
	r->held = atomic_load_explicit(&publisher->current, memory_order_seq_cst);
	r->gen = e - 1;
	return r->held;
}

void msrtrap_publisher_exit(struct msrtrap_publisher_reader *r)
{
	if (!r || !r->depth || --r->depth)
		return;
	r->held = NULL;
	/*
	 * release: every read of the filter in the section happens before a
	 * publisher's acquire (seq_cst) load that sees this 0, hence before
	 * it frees the filter. No StoreLoad ordering is needed here: being
	 * seen late only makes a publisher wait longer.
	 */
	atomic_store_explicit(&r->state, 0, memory_order_release);
}

uint64_t msrtrap_publisher_reader_generation(const struct msrtrap_publisher_reader *r)
{
	return r ? r->gen : 0;
}

uint64_t msrtrap_publisher_generation(const struct msrtrap_publisher *publisher)
{
	/*
	 * acquire: a caller that sees generation g and then enters gets the
	 * filter of publish g or a later one (same pairing as in enter).
	 */
	if (!publisher)
		return 0;
	return atomic_load_explicit(&publisher->epoch, memory_order_acquire) - 1;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

/*
 * Writer-side waiting: spin briefly (sections are short), then yield (the
 * reader may be preempted on our CPU), then sleep in short naps so that a
 * reader descheduled for long does not cost a core.
 */
static void backoff(unsigned int *spins)
{
	unsigned int n = (*spins)++;

	if (n < 64) {
		cpu_relax();
	} else if (n < 256) {
		sched_yield();
	} else {
		struct timespec ts = { .tv_sec = 0, .tv_nsec = 50L * 1000 };

		nanosleep(&ts, NULL);
	}
}

/* Wait until no reader is inside a section it entered at epoch <= before. */
static void wait_for_readers(struct msrtrap_publisher *publisher, uint64_t before)
{
	for (unsigned int i = 0; i < publisher->max_readers; i++) {
		struct msrtrap_publisher_reader *r = &publisher->readers[i];
		unsigned int spins = 0;

		for (;;) {
			/*
			 * seq_cst: the publisher half of the handshake
			 * explained in msrtrap_publisher_enter(); it must be
			 * ordered after our exchange of the pointer. It is
			 * also an acquire, pairing with the release in
			 * msrtrap_publisher_exit() (or with the store of a later
			 * enter, also a release), so the reader's accesses
			 * to the old filter happen before we free it.
			 */
			uint64_t s = atomic_load_explicit(&r->state,
							  memory_order_seq_cst);

			/*
			 * s > before: the reader entered after our epoch
			 * increment and holds the new filter or a newer one.
			 * Once we saw 0 or s > before, later sections of
			 * this reader see the new filter too, so one pass
			 * over the readers is enough.
			 */
			if (s == 0 || s > before)
				break;
			backoff(&spins);
		}
	}
}

int msrtrap_publisher_publish(struct msrtrap_publisher *publisher,
			 struct msrtrap_cfilter *next)
{
	struct msrtrap_cfilter *old;
	uint64_t before;

	if (!publisher) {
		msrtrap_cfilter_free(next);
		return -EINVAL;
	}
	/*
	 * Publishers are serialized: the exchange and the epoch increment of
	 * one publish are never interleaved with another's, so epoch and
	 * current move in step, and each grace period covers its own swap.
	 */
	pthread_mutex_lock(&publisher->lock);
	/* relaxed: only publishers write current, and we hold the lock */
	if (next && next == atomic_load_explicit(&publisher->current,
						 memory_order_relaxed)) {
		pthread_mutex_unlock(&publisher->lock);
		return -EINVAL;
	}
	/*
	 * seq_cst exchange: the release half publishes next's contents to
	 * readers (they load the pointer with seq_cst, an acquire); the
	 * seq_cst half places the swap before our loads of the readers'
	 * states in the single total order (see msrtrap_publisher_enter()).
	 */
	old = atomic_exchange_explicit(&publisher->current, next,
				       memory_order_seq_cst);
	/*
	 * seq_cst (release is what matters): after the exchange, so a reader
	 * that reads the new epoch sees the new pointer. Readers that entered
	 * at epoch <= before may hold old.
	 */
	before = atomic_fetch_add_explicit(&publisher->epoch, 1,
					   memory_order_seq_cst);
	wait_for_readers(publisher, before);
	pthread_mutex_unlock(&publisher->lock);

	/* The grace period is over: nobody can reach old any more. */
	msrtrap_cfilter_free(old);
	return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The filter publisher: one published compiled filter (struct msrtrap_cfilter)
 * that vCPU threads read without ever blocking while a control thread
 * replaces it, the userspace counterpart of KVM's SRCU-protected
 * kvm->arch.msr_filter (KVM API documentation, KVM_X86_SET_MSR_FILTER:
 * the filter is replaced while vCPUs run; they see the old or the new one).
 *
 * Guarantees:
 *  - a reader sees either the filter before a publish or the one after it,
 *    never a mix: the filter is replaced as one pointer;
 *  - msrtrap_publisher_publish() returns only after every reader that could
 *    still hold the old filter has left its read-side section; only then
 *    is the old filter freed;
 *  - the read side (enter/exit) is wait-free: no locks, no system calls,
 *    no allocation, a bounded number of instructions.
 *
 * Usage: one reader handle per thread that reads (per vCPU thread).
 *
 *	r = ...msrtrap_publisher_reader_new(publisher, &r)...
 *	f = msrtrap_publisher_enter(r);
 *	ok = msrtrap_cfilter_allowed(f, msr, MSRTRAP_READ);
 *	msrtrap_publisher_exit(r);
 *
 * The scheme (epochs, memory orderings, costs) is described in
 * docs/publisher.md in the msrtrap sources.
 */
#ifndef MSRTRAP_PUBLISHER_H
#define MSRTRAP_PUBLISHER_H

#include <msrtrap/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct msrtrap_cfilter;
struct msrtrap_publisher;
struct msrtrap_publisher_reader;

/* Default and largest number of reader handles (KVM_MAX_VCPUS is 4096). */
#define MSRTRAP_PUBLISHER_DEFAULT_READERS 64u
#define MSRTRAP_PUBLISHER_MAX_READERS 4096u

struct msrtrap_publisher_opts {
	size_t sz; /* sizeof(struct msrtrap_publisher_opts) */
	/* reader handles that can exist at once; 0 = default (64) */
	unsigned int max_readers;
};
#define msrtrap_publisher_opts__last_field max_readers

/*
 * A publisher with no filter installed (readers get NULL, which the cfilter
 * functions treat as "no filter: everything allowed"). opts may be NULL.
 * -EINVAL for bad opts or max_readers > MSRTRAP_PUBLISHER_MAX_READERS,
 * -ENOMEM.
 */
MSRTRAP_API int msrtrap_publisher_new(const struct msrtrap_publisher_opts *opts,
				 struct msrtrap_publisher **out);

/*
 * Free the publisher and the filter installed in it. No thread may be inside a
 * read-side section or publishing; reader handles become invalid (they
 * need not be freed first). NULL is a no-op.
 */
MSRTRAP_API void msrtrap_publisher_free(struct msrtrap_publisher *publisher);

/*
 * Register a reader. Thread-safe, also against publishes and readers.
 * A handle is used by one thread at a time. -ENOSPC when max_readers
 * handles exist, -EINVAL for a NULL argument.
 */
MSRTRAP_API int msrtrap_publisher_reader_new(struct msrtrap_publisher *publisher,
					struct msrtrap_publisher_reader **out);

/*
 * Unregister a reader (its entry can be reused). The reader must not be
 * inside a read-side section. NULL is a no-op.
 */
MSRTRAP_API void msrtrap_publisher_reader_free(struct msrtrap_publisher_reader *r);

/*
 * Enter a read-side section and return the installed filter (NULL: none).
 * The pointer stays valid until the matching msrtrap_publisher_exit(); do not
 * keep it past that. Wait-free. r must be a live reader handle, never
 * NULL: there is no error to return, and answering NULL would read as "no
 * filter, everything allowed".
 *
 * Sections nest: an inner enter returns the same filter as the outermost
 * one, so one section decides with one filter even if a publish happens
 * meanwhile. Calling msrtrap_publisher_publish() from inside a section of the
 * same thread deadlocks (it would wait for itself), as synchronize_srcu()
 * does inside srcu_read_lock().
 */
MSRTRAP_API const struct msrtrap_cfilter *
msrtrap_publisher_enter(struct msrtrap_publisher_reader *r);

/*
 * Leave the section; an exit without an enter, or with a NULL r, is
 * ignored. Wait-free.
 */
MSRTRAP_API void msrtrap_publisher_exit(struct msrtrap_publisher_reader *r);

/*
 * Inside a section: the generation the reader observed when it entered.
 * The filter returned by the enter was published by that publish or a
 * later one, never an earlier one, so a caller that caches work derived
 * from the filter and tags it with this value will notice every later
 * publish through msrtrap_publisher_generation() (at worst it redoes the work
 * once too often; it never misses a change). 0 for a NULL r.
 */
MSRTRAP_API uint64_t
msrtrap_publisher_reader_generation(const struct msrtrap_publisher_reader *r);

/*
 * Install `next` (NULL removes the filter) and free the previous filter
 * with msrtrap_cfilter_free() once no reader can hold it any more; returns
 * after that. Readers that enter after the swap see `next`. Publishers are
 * serialized among themselves (a mutex on the write side); they may wait
 * for readers (sleeping briefly), readers never wait for them.
 *
 * The publisher takes ownership of `next` in every case: 0; -EINVAL for a
 * NULL publisher (next is freed) or when next is the filter already installed
 * (nothing changes; it stays installed).
 */
MSRTRAP_API int msrtrap_publisher_publish(struct msrtrap_publisher *publisher,
				     struct msrtrap_cfilter *next);

/*
 * Number of publishes whose swap readers can see: 0 for a new publisher, +1 per
 * publish (including ones that install NULL). Cheap; callable from any
 * thread, e.g. a vCPU's "has the filter changed since I last looked".
 * 0 for a NULL publisher.
 */
MSRTRAP_API uint64_t msrtrap_publisher_generation(const struct msrtrap_publisher *publisher);

#ifdef __cplusplus
}
#endif

#endif /* MSRTRAP_PUBLISHER_H */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Hardware MSR intercept maps: the Intel VMX MSR bitmap and the AMD SVM MSR
 * permission map (MSRPM).
 *
 * Polarity in both formats: bit = 1 means the access is intercepted (causes
 * a VM exit), bit = 0 means it passes through to hardware.
 *
 * Two layers:
 *  - msrtrap_raw_*: operate on caller memory (a hypervisor hands us its own
 *    page). Freestanding; no allocation. The buffer must be
 *    msrtrap_format_size(fmt) bytes and 8-byte aligned (a page is).
 *  - msrtrap_map_*: an opaque object that owns (or wraps) such a buffer.
 *
 * MSRs a format cannot represent always exit (Intel SDM Vol. 3C "MSR-Bitmap
 * Address"; AMD APM Vol. 2 "MSR Intercepts"): testing them reports
 * "intercepted", and set/clear return -ERANGE and change nothing.
 */
#ifndef MSRTRAP_MAP_H
#define MSRTRAP_MAP_H

#include <msrtrap/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Size in bytes of a map of this format, or 0 for an unknown format. */
MSRTRAP_API size_t msrtrap_format_size(enum msrtrap_format fmt);

/* "vmx", "svm", or NULL. */
MSRTRAP_API const char *msrtrap_format_name(enum msrtrap_format fmt);

/*
 * Parse "vmx"/"svm" (case-insensitive): the format, or -EINVAL for any
 * other name or NULL. Every msrtrap_*_parse() has this shape.
 */
MSRTRAP_API int msrtrap_format_parse(const char *name);

/*
 * The inclusive MSR spans a format can represent, in ascending order:
 * stores span `i` in *first and *last and returns 0, or -ENOENT past the end
 * (VMX has 2 spans, SVM 3), or -EINVAL for an unknown format.
 */
MSRTRAP_API int msrtrap_format_span(enum msrtrap_format fmt, unsigned int i,
				    uint32_t *first, uint32_t *last);

/* True if the format has intercept bits for this MSR. */
MSRTRAP_API bool msrtrap_format_covers(enum msrtrap_format fmt, uint32_t msr);

/* ---- raw layer: caller-supplied memory ------------------------------- */

/* Fill the map with 0xff: everything intercepted, as KVM allocates it. */
MSRTRAP_API int msrtrap_raw_init(enum msrtrap_format fmt, void *map);

/*
 * Which of the requested accesses are intercepted: returns a mask, a subset
 * of `access` (so 0 = all requested accesses pass through), or -EINVAL for a
 * bad format or access. Unrepresentable MSRs report every requested access.
 */
MSRTRAP_API int msrtrap_raw_test(enum msrtrap_format fmt, const void *map,
				 uint32_t msr, enum msrtrap_access access);

/* Intercept (set) or pass through (clear) one MSR: 0, -ERANGE, -EINVAL. */
MSRTRAP_API int msrtrap_raw_set(enum msrtrap_format fmt, void *map,
				uint32_t msr, enum msrtrap_access access);
MSRTRAP_API int msrtrap_raw_clear(enum msrtrap_format fmt, void *map,
				  uint32_t msr, enum msrtrap_access access);

/*
 * The same over the inclusive interval [first, last], a 64-bit word at a
 * time. All or nothing: -ERANGE (and no change) if any MSR of the interval
 * is not representable; -EINVAL if first > last.
 */
MSRTRAP_API int msrtrap_raw_set_range(enum msrtrap_format fmt, void *map,
				      uint32_t first, uint32_t last,
				      enum msrtrap_access access);
MSRTRAP_API int msrtrap_raw_clear_range(enum msrtrap_format fmt, void *map,
					uint32_t first, uint32_t last,
					enum msrtrap_access access);

/*
 * Iterate over maximal runs of pass-through MSRs for one access (READ or
 * WRITE). Start with *cursor = 0; each call finds the first run that starts
 * at or after *cursor, stores it in [*first, *last], moves *cursor past it
 * and returns 1. Returns 0 when there are no more runs, -EINVAL on bad
 * arguments. A run never crosses a span boundary.
 */
MSRTRAP_API int msrtrap_raw_next_pass(enum msrtrap_format fmt, const void *map,
				      enum msrtrap_access access,
				      uint64_t *cursor,
				      uint32_t *first, uint32_t *last);

/* ---- object layer ---------------------------------------------------- */

struct msrtrap_map;

struct msrtrap_map_opts {
	size_t sz;   /* sizeof(struct msrtrap_map_opts) */
	/*
	 * Caller memory to use instead of allocating (msrtrap_format_size()
	 * bytes, 8-byte aligned); it must outlive the map and is not freed.
	 */
	void *buf;
	/* With buf: keep its contents instead of filling it with 0xff. */
	bool keep_contents;
};
#define msrtrap_map_opts__last_field keep_contents

/* New all-intercept map (or wrap opts->buf): 0 or -EINVAL/-ENOMEM. */
MSRTRAP_API int msrtrap_map_new(enum msrtrap_format fmt,
				const struct msrtrap_map_opts *opts,
				struct msrtrap_map **out);

/*
 * A map holding a copy of `len` bytes of `data`. With fmt NONE the format is
 * recognised by size (4096: VMX, 8192: SVM). -EINVAL when the size does not
 * match the format or no format has that size.
 */
MSRTRAP_API int msrtrap_map_from_bytes(enum msrtrap_format fmt,
				       const void *data, size_t len,
				       struct msrtrap_map **out);

MSRTRAP_API void msrtrap_map_free(struct msrtrap_map *map);

MSRTRAP_API enum msrtrap_format msrtrap_map_format(const struct msrtrap_map *map);
MSRTRAP_API size_t msrtrap_map_size(const struct msrtrap_map *map);
MSRTRAP_API const void *msrtrap_map_data(const struct msrtrap_map *map);

MSRTRAP_API int msrtrap_map_test(const struct msrtrap_map *map, uint32_t msr,
				 enum msrtrap_access access);
MSRTRAP_API int msrtrap_map_set(struct msrtrap_map *map, uint32_t msr,
				enum msrtrap_access access);
MSRTRAP_API int msrtrap_map_clear(struct msrtrap_map *map, uint32_t msr,
				  enum msrtrap_access access);
MSRTRAP_API int msrtrap_map_set_range(struct msrtrap_map *map, uint32_t first,
				      uint32_t last,
				      enum msrtrap_access access);
MSRTRAP_API int msrtrap_map_clear_range(struct msrtrap_map *map,
					uint32_t first, uint32_t last,
					enum msrtrap_access access);
MSRTRAP_API int msrtrap_map_next_pass(const struct msrtrap_map *map,
				      enum msrtrap_access access,
				      uint64_t *cursor,
				      uint32_t *first, uint32_t *last);

#ifdef __cplusplus
}
#endif

#endif /* MSRTRAP_MAP_H */

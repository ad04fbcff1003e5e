/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * JSON interchange format for KVM userspace MSR filters. The format is a
 * contract shared with other tools; docs/filter-json.md in the msrtrap
 * sources describes it.
 *
 *   {"default": "allow" | "deny",      (or "flags": <u32>; neither = allow)
 *    "ranges": [ {"flags": ["read", "write"] | <u32>,
 *                 "base": <u32> | "0x...",
 *                 "nmsrs": <u32>,
 *                 "bitmap": "<hex, 2 digits per byte, byte 0 first>"} ]}
 *
 * Loading accepts every value the kernel ABI struct can hold (any u32
 * flags, nmsrs and base, short or missing bitmaps) and leaves judgment to
 * msrtrap_filter_validate(), so that a check answers with the kernel's
 * errno for the same input. Writing is lossless: a loaded filter written
 * and loaded again is identical.
 */
#ifndef MSRTRAP_JSON_H
#define MSRTRAP_JSON_H

#include <msrtrap/common.h>
#include <msrtrap/filter.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Load a filter from `len` bytes of JSON text (need not be NUL-terminated).
 *
 * Range slots are kept in order, empty (nmsrs == 0) ones included. For a
 * range with 1 <= nmsrs <= 0x3000 whose bitmap has at least ceil(nmsrs/8)
 * bytes, the first ceil(nmsrs/8) bytes are kept and zero-padded to
 * msrtrap_kvm_bitmap_bytes(nmsrs), the whole words the kernel copies;
 * further bytes are ignored. A shorter bitmap is kept as given (and a
 * missing one as none), so validation reports -EFAULT as the kernel would
 * fault; with nmsrs > 0x3000 at most ceil(nmsrs/8) of the given bytes are
 * kept, unpadded; with nmsrs == 0 the bitmap is dropped.
 *
 * Returns 0 and a new filter in *out (free with msrtrap_filter_free()),
 * -EINVAL when the text is not such a document (JSON syntax, a wrong type,
 * an unknown or duplicate key, an integer outside u32, bad hex, more than
 * 16 ranges, counted before anything is allocated), or -ENOMEM (also
 * when jansson runs out of memory). On -EINVAL diag (may be NULL) says where: the
 * key as a path ("ranges[3].base", "default") or, for JSON syntax errors,
 * "line L, column C"; where is "" for the document as a whole.
 */
MSRTRAP_API int msrtrap_filter_from_json(const char *text, size_t len,
					 struct msrtrap_filter **out,
					 struct msrtrap_error *diag);

/*
 * Write a filter as pretty-printed JSON with a stable key order (see
 * docs/filter-json.md), ending in a newline. *text is allocated with
 * malloc(); the caller frees it with free(). Returns 0, -EINVAL for NULL
 * arguments, or -ENOMEM. Any filter can be written, invalid ones included.
 */
MSRTRAP_API int msrtrap_filter_to_json(const struct msrtrap_filter *filter,
				       char **text);

#ifdef __cplusplus
}
#endif

#endif /* MSRTRAP_JSON_H */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Definitions shared by every part of libmsrtrap.
 *
 * Conventions (libbpf-style):
 *  - every public symbol starts with msrtrap_ / MSRTRAP_;
 *  - functions that can fail return 0 (or a non-negative value) on success
 *    and a negative errno value on failure; they never print or exit;
 *  - objects are opaque and created/destroyed by the library;
 *  - option structs start with a size field so they can grow, and so do
 *    output structs the caller allocates and the library fills (the
 *    library writes at most the caller's size);
 *  - parse functions return int: the value, or -EINVAL.
 *
 * This header only includes freestanding headers so that the core (maps,
 * filter evaluation, engine) can be compiled into a hypervisor.
 */
#ifndef MSRTRAP_COMMON_H
#define MSRTRAP_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef MSRTRAP_API
#define MSRTRAP_API __attribute__((visibility("default")))
#endif

/*
 * The errno values msrtrap returns, negated (-MSRTRAP_EINVAL), spelled
 * for code without <errno.h>: a hypervisor that embeds the freestanding
 * core (docs/embedding.md). They are Linux's numbers, so hosted code
 * compares with -EINVAL as well (the build checks they agree).
 */
#define MSRTRAP_ENOENT 2
#define MSRTRAP_ENOMEM 12
#define MSRTRAP_EFAULT 14
#define MSRTRAP_EEXIST 17
#define MSRTRAP_EINVAL 22
#define MSRTRAP_ERANGE 34
#define MSRTRAP_EOVERFLOW 75

/*
 * Access types. The values deliberately equal the kernel's MSR_TYPE_R/W and
 * the UAPI KVM_MSR_FILTER_READ/WRITE (KVM API documentation,
 * KVM_X86_SET_MSR_FILTER), so one enum serves both.
 */
enum msrtrap_access {
	MSRTRAP_READ = 1,
	MSRTRAP_WRITE = 2,
	MSRTRAP_RW = 3,
};

/*
 * How an access type is spelled in text, one table for every output:
 * WORD "r" "w" "rw" (policy text), NAME "read" "write" "rw", PLUS "read"
 * "write" "read+write", PHRASE "read" "write" "read and write".
 */
enum msrtrap_access_style {
	MSRTRAP_ACCESS_WORD = 0,
	MSRTRAP_ACCESS_NAME = 1,
	MSRTRAP_ACCESS_PLUS = 2,
	MSRTRAP_ACCESS_PHRASE = 3,
};

/* The spelling of @access in @style; NULL for anything but 1, 2 or 3. */
MSRTRAP_API const char *msrtrap_access_name(enum msrtrap_access access,
					    enum msrtrap_access_style style);

/*
 * The x2APIC MSR window 0x800-0x8ff (the x2APIC register space of the
 * Intel SDM, Vol. 3A, "x2APIC Register Address Space"). KVM never applies
 * a userspace MSR filter to it (KVM API documentation,
 * KVM_X86_SET_MSR_FILTER: "x2APIC MSRs are always allowed").
 */
#define MSRTRAP_X2APIC_FIRST 0x800u
#define MSRTRAP_X2APIC_LAST 0x8ffu

static inline bool msrtrap_msr_is_x2apic(uint32_t msr)
{
	return msr - MSRTRAP_X2APIC_FIRST <=
	       MSRTRAP_X2APIC_LAST - MSRTRAP_X2APIC_FIRST;
}

/*
 * One failure explained: which field or position (@where, e.g.
 * "ranges[3].flags" or "line 2, column 5") and what is wrong. Filled by
 * functions that take a struct msrtrap_error * (NULL: no explanation
 * wanted); both strings are NUL-terminated and truncated to fit. Like
 * every output struct it starts with sz, set by the caller
 * (MSRTRAP_OPTS(msrtrap_error, e)): the library writes at most sz bytes,
 * and nothing when sz cannot even hold sz.
 */
struct msrtrap_error {
	size_t sz;
	char where[32];
	char message[160];
};

/*
 * The Linux versions whose MSR interception msrtrap models: v5.19 (before
 * "KVM: VMX: Skip filter updates for MSRs that KVM is already
 * intercepting"), v6.0 (right after it) and v6.19. 0 names none.
 */
enum msrtrap_kernel {
	MSRTRAP_KERNEL_NONE = 0,
	MSRTRAP_KERNEL_V5_19 = 1,
	MSRTRAP_KERNEL_V6_0 = 2,
	MSRTRAP_KERNEL_V6_19 = 3,
};

/* "v5.19", "v6.0", "v6.19"; NULL for anything else. */
MSRTRAP_API const char *msrtrap_kernel_name(enum msrtrap_kernel kernel);

/* The kernel of such a name ("6.0" without the v too), or -EINVAL. */
MSRTRAP_API int msrtrap_kernel_parse(const char *name);

/* Hardware intercept map formats. */
enum msrtrap_format {
	MSRTRAP_FMT_NONE = 0,
	MSRTRAP_FMT_VMX = 1, /* Intel VMX MSR bitmap, 4096 bytes */
	MSRTRAP_FMT_SVM = 2, /* AMD SVM MSR permission map, 8192 bytes */
};

#define MSRTRAP_VMX_BITMAP_SIZE 4096u
#define MSRTRAP_SVM_MSRPM_SIZE 8192u

/*
 * What a file's bytes are, recognised by content as the msrtrap command
 * does, so that a program can accept the same files: each kind names the
 * function that reads it.
 */
enum msrtrap_content {
	MSRTRAP_CONTENT_UNKNOWN = 0, /* none of the below */
	MSRTRAP_CONTENT_POLICY = 1,  /* policy text: msrtrap_policy_parse() */
	MSRTRAP_CONTENT_FILTER_JSON = 2, /* msrtrap_filter_from_json() */
	MSRTRAP_CONTENT_VMX = 3, /* msrtrap_map_from_bytes(MSRTRAP_FMT_VMX) */
	MSRTRAP_CONTENT_SVM = 4, /* msrtrap_map_from_bytes(MSRTRAP_FMT_SVM) */
};

/*
 * Recognise len bytes at data. Text is what has at most one byte in 20,
 * or at most 4 bytes in all, that text never holds (a control byte other
 * than whitespace, DEL, a byte UTF-8 never uses: 0xc0, 0xc1, 0xf5-0xff),
 * so that the parser
 * reports a stray byte at its line and column instead of the whole file
 * being unrecognised; a UTF-8 byte-order mark before text is skipped
 * (*skip = 3, else 0; skip may be NULL): hand the parser data + *skip.
 * Text whose first non-blank character is '{' is a JSON filter, other
 * text a policy; 0 bytes are the empty policy (msrtrap_policy_parse()
 * reads them as default allow); but a map-sized file holding a NUL or
 * 0xff byte is never JSON. Otherwise 4096 bytes are a VMX bitmap, 8192
 * an SVM map, anything else unknown (and so is NULL data with len > 0).
 * The rules only look at bytes: the reader judges the content.
 */
MSRTRAP_API enum msrtrap_content msrtrap_content_recognise(const void *data,
							    size_t len,
							    size_t *skip);

/*
 * Declare an options struct with its size set and every other byte, tail
 * padding included, zero; then the named fields:
 *
 *	MSRTRAP_OPTS(msrtrap_map_opts, opts, .buf = page, .keep_contents = true);
 *
 * The library refuses (-EINVAL) a struct whose bytes past the last field
 * it knows are not zero, so this is the way to build one.
 */
#define MSRTRAP_OPTS(TYPE, NAME, ...)                                          \
	struct TYPE NAME = ({                                                  \
		__builtin_memset(&NAME, 0, sizeof(struct TYPE));               \
		(struct TYPE){ .sz = sizeof(struct TYPE), __VA_ARGS__ };       \
	})

/*
 * Version of the library running, "MAJOR.MINOR.PATCH"; compare with
 * MSRTRAP_VERSION_STRING of <msrtrap/version.h>, the headers' version.
 */
MSRTRAP_API const char *msrtrap_version(void);

#ifdef __cplusplus
}
#endif

#endif /* MSRTRAP_COMMON_H */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Definitions shared by every part of libmsrtrap.
 *
 * Conventions (libbpf-style):
 *  - every public symbol starts with msrtrap_ / MSRTRAP_;
 *  - functions that can fail return 0 (or a non-negative value) on success
 *    and a negative errno value on failure; they never print or exit;
 *  - objects are opaque and created/destroyed by the library;
 *  - option structs start with a size field so they can grow.
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
 * Access types. The values deliberately equal the kernel's MSR_TYPE_R/W and
 * the UAPI KVM_MSR_FILTER_READ/WRITE (spec §1.1), so one enum serves both.
 */
enum msrtrap_access {
	MSRTRAP_READ = 1,
	MSRTRAP_WRITE = 2,
	MSRTRAP_RW = 3,
};

/* Hardware intercept map formats. */
enum msrtrap_format {
	MSRTRAP_FMT_NONE = 0,
	MSRTRAP_FMT_VMX = 1, /* Intel VMX MSR bitmap, 4096 bytes */
	MSRTRAP_FMT_SVM = 2, /* AMD SVM MSR permission map, 8192 bytes */
};

#define MSRTRAP_VMX_BITMAP_SIZE 4096u
#define MSRTRAP_SVM_MSRPM_SIZE 8192u

/* Library version, "MAJOR.MINOR.PATCH". */
MSRTRAP_API const char *msrtrap_version(void);

#ifdef __cplusplus
}
#endif

#endif /* MSRTRAP_COMMON_H */

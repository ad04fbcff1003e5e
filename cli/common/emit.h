/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Source-code outputs of `msrtrap compile` beyond --to c (emit.c): a Rust
 * module with the KVM filter (--to rust) and the hardware maps as C arrays
 * (--to vmx-c, --to svm-c); and the reserved words --name must avoid.
 */
#ifndef MSRTRAP_CLI_EMIT_H
#define MSRTRAP_CLI_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msrtrap/msrtrap.h>

/*
 * A range's flags as <linux/kvm.h> spells them, which the Rust module's
 * constants copy: "KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE".
 */
const char *emit_kvm_flags(uint32_t flags);

/*
 * What a VMM must do besides the ioctl for the filter to mean what the
 * policy says, for the header comment of --to c and --to rust: without
 * the userspace-MSR capability a denied access is a guest #GP, not an
 * exit (ux-review c1). Lines without prefix or newline, NULL-terminated.
 */
extern const char *const emit_vmm_lines[];

/*
 * Does every range of this default-deny filter allow nothing? Then it is
 * the placeholder the compiler adds because KVM refuses a default-deny
 * filter with no range (docs/packing.md 6.2), and the comment says so.
 */
bool emit_placeholder(const struct msrtrap_filter *f);

/*
 * Is name a keyword of C (C23 and GNU C included) / of Rust 2021 (or an
 * item of the --to rust module that `pub fn NAME` would clash with)?
 */
bool emit_c_keyword(const char *name);
bool emit_rust_keyword(const char *name);

/*
 * The filter as a dependency-free Rust module: #[repr(C)] mirrors of the
 * kernel ABI, the ranges and bitmaps as statics and `pub fn NAME()`
 * returning the struct for KVM_X86_SET_MSR_FILTER. NULL on OOM.
 */
char *emit_rust(const char *label, const char *name,
		const struct msrtrap_filter *f, size_t *len);

/*
 * A VMX bitmap or SVM map (size bytes) as a page-aligned `static const
 * uint8_t NAME[size]` in ISO C11. NULL on OOM.
 */
char *emit_map_c(const char *label, const char *name, enum msrtrap_format fmt,
		 const uint8_t *map, size_t size, size_t *len);

#endif

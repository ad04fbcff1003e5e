// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Every public function that takes a pointer, handed what a careless
 * caller hands it: NULL for each pointer argument, out-of-range formats,
 * accesses, strategies and indexes, sizes no object can have. Each row
 * is one call and the result its header documents (-EINVAL, -ENOENT,
 * NULL, false, 0, ...), run from a program built against the public
 * headers and the shared library, one TAP line per row. A crash is a
 * failed row, not a skipped one.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <msrtrap/msrtrap.h>

#include "testutil.h"

/* The objects the rows call into, made once (group setup). */
static struct {
	uint64_t page[MSRTRAP_SVM_MSRPM_SIZE / 8];
	uint64_t page2[MSRTRAP_SVM_MSRPM_SIZE / 8], page3[MSRTRAP_SVM_MSRPM_SIZE / 8];
	struct msrtrap_x2apic_state x2;
	uint8_t bits[8];
	struct msrtrap_map *map;
	struct msrtrap_filter *filter;
	struct msrtrap_cfilter *cfilter;
	struct msrtrap_policy *policy;
	struct msrtrap_diags *diags;
	struct msrtrap_engine *engine;
	struct msrtrap_engine_vcpu *vcpu;
	struct msrtrap_publisher *pub;
	struct msrtrap_publisher_reader *reader;
	struct msrtrap_kvm_msr_filter abi;
	/* output slots the rows write into */
	uint64_t cursor;
	uint32_t u1, u2;
	void *obj;
	char *text;
	struct msrtrap_interval iv[4];
	struct msrtrap_cfilter_view view;
	/*
	 * A page of well-formed intervals followed by an inaccessible one:
	 * a count larger than the array makes a reader fault, not guess.
	 */
	struct msrtrap_interval *guarded;
} fx;

/* Output structs with an sz that cannot hold sz itself. */
#define BAD_SZ(type) (&(struct type){ .sz = sizeof(size_t) - 1 })

#define M fx.map
#define F fx.filter
#define P fx.policy
#define V fx.vcpu
#define OBJ(type) ((struct type **)&fx.obj)
#define VMX MSRTRAP_FMT_VMX
#define RD MSRTRAP_READ
#define WR MSRTRAP_WRITE

/* name, the call, the documented result (a long; pointers compared). */
/* Padding zeroed (a compound literal need not zero it; OPTS_VALID reads it). */
static const struct msrtrap_publisher_opts *too_many_readers(void)
{
	static struct msrtrap_publisher_opts o;

	memset(&o, 0, sizeof(o));
	o.sz = sizeof(o);
	o.max_readers = 4097;
	return &o;
}

#define ROWS(X)                                                                \
	/* common.h */                                                         \
	X(access_name_0, msrtrap_access_name(0, 0) == NULL, 1)                 \
	X(access_name_4, msrtrap_access_name(4, 0) == NULL, 1)                 \
	X(access_name_style, msrtrap_access_name(RD, 4) == NULL, 1)            \
	/* map.h: formats */                                                   \
	X(format_size_bad, msrtrap_format_size(9), 0)                          \
	X(format_name_bad, msrtrap_format_name(9) == NULL, 1)                  \
	X(format_parse_null, msrtrap_format_parse(NULL), -EINVAL)              \
	X(format_span_bad_fmt, msrtrap_format_span(9, 0, &fx.u1, &fx.u2),      \
	  -EINVAL)                                                             \
	X(format_span_past_end, msrtrap_format_span(VMX, 2, &fx.u1, &fx.u2),   \
	  -ENOENT)                                                             \
	X(format_covers_bad, msrtrap_format_covers(9, 0), 0)                   \
	/* map.h: raw layer */                                                 \
	X(raw_init_null, msrtrap_raw_init(VMX, NULL), -EINVAL)                 \
	X(raw_init_bad_fmt, msrtrap_raw_init(9, fx.page), -EINVAL)             \
	X(raw_test_null, msrtrap_raw_test(VMX, NULL, 0, RD), -EINVAL)          \
	X(raw_test_access_0, msrtrap_raw_test(VMX, fx.page, 0, 0), -EINVAL)    \
	X(raw_test_access_4, msrtrap_raw_test(VMX, fx.page, 0, 4), -EINVAL)    \
	X(raw_set_null, msrtrap_raw_set(VMX, NULL, 0, RD), -EINVAL)            \
	X(raw_set_access_0, msrtrap_raw_set(VMX, fx.page, 0, 0), -EINVAL)      \
	X(raw_clear_null, msrtrap_raw_clear(VMX, NULL, 0, RD), -EINVAL)        \
	X(raw_clear_access_4, msrtrap_raw_clear(VMX, fx.page, 0, 4), -EINVAL)  \
	X(raw_set_range_null, msrtrap_raw_set_range(VMX, NULL, 0, 1, RD),      \
	  -EINVAL)                                                             \
	X(raw_set_range_reversed,                                              \
	  msrtrap_raw_set_range(VMX, fx.page, 2, 1, RD), -EINVAL)              \
	X(raw_clear_range_null, msrtrap_raw_clear_range(VMX, NULL, 0, 1, RD),  \
	  -EINVAL)                                                             \
	X(raw_clear_range_access_0,                                            \
	  msrtrap_raw_clear_range(VMX, fx.page, 0, 1, 0), -EINVAL)             \
	X(raw_next_pass_null_map,                                              \
	  msrtrap_raw_next_pass(VMX, NULL, RD, &fx.cursor, &fx.u1, &fx.u2),    \
	  -EINVAL)                                                             \
	X(raw_next_pass_null_cursor,                                           \
	  msrtrap_raw_next_pass(VMX, fx.page, RD, NULL, &fx.u1, &fx.u2),       \
	  -EINVAL)                                                             \
	X(raw_next_pass_null_first,                                            \
	  msrtrap_raw_next_pass(VMX, fx.page, RD, &fx.cursor, NULL, &fx.u2),   \
	  -EINVAL)                                                             \
	X(raw_next_pass_null_last,                                             \
	  msrtrap_raw_next_pass(VMX, fx.page, RD, &fx.cursor, &fx.u1, NULL),   \
	  -EINVAL)                                                             \
	X(raw_next_pass_rw,                                                    \
	  msrtrap_raw_next_pass(VMX, fx.page, MSRTRAP_RW, &fx.cursor, &fx.u1,  \
				&fx.u2),                                       \
	  -EINVAL)                                                             \
	/* map.h: objects */                                                   \
	X(map_new_null_out, msrtrap_map_new(VMX, NULL, NULL), -EINVAL)         \
	X(map_new_bad_fmt, msrtrap_map_new(9, NULL, OBJ(msrtrap_map)),         \
	  -EINVAL)                                                             \
	X(map_new_bad_sz,                                                      \
	  msrtrap_map_new(VMX, BAD_SZ(msrtrap_map_opts), OBJ(msrtrap_map)),    \
	  -EINVAL)                                                             \
	X(map_from_bytes_null_data,                                            \
	  msrtrap_map_from_bytes(0, NULL, 4096, OBJ(msrtrap_map)), -EINVAL)    \
	X(map_from_bytes_null_out,                                             \
	  msrtrap_map_from_bytes(0, fx.page, 4096, NULL), -EINVAL)             \
	X(map_from_bytes_wrong_len,                                            \
	  msrtrap_map_from_bytes(VMX, fx.page, 8192, OBJ(msrtrap_map)),        \
	  -EINVAL)                                                             \
	X(map_from_bytes_no_format,                                            \
	  msrtrap_map_from_bytes(0, fx.page, 100, OBJ(msrtrap_map)), -EINVAL)  \
	X(map_format_null, msrtrap_map_format(NULL), MSRTRAP_FMT_NONE)         \
	X(map_size_null, msrtrap_map_size(NULL), 0)                            \
	X(map_data_null, msrtrap_map_data(NULL) == NULL, 1)                    \
	X(map_test_null, msrtrap_map_test(NULL, 0, RD), -EINVAL)               \
	X(map_test_access_0, msrtrap_map_test(M, 0, 0), -EINVAL)               \
	X(map_set_null, msrtrap_map_set(NULL, 0, RD), -EINVAL)                 \
	X(map_clear_null, msrtrap_map_clear(NULL, 0, RD), -EINVAL)             \
	X(map_set_range_null, msrtrap_map_set_range(NULL, 0, 1, RD), -EINVAL)  \
	X(map_clear_range_reversed, msrtrap_map_clear_range(M, 2, 1, RD),      \
	  -EINVAL)                                                             \
	X(map_next_pass_null_map,                                              \
	  msrtrap_map_next_pass(NULL, RD, &fx.cursor, &fx.u1, &fx.u2),         \
	  -EINVAL)                                                             \
	X(map_next_pass_null_cursor,                                           \
	  msrtrap_map_next_pass(M, RD, NULL, &fx.u1, &fx.u2), -EINVAL)         \
	X(map_next_pass_null_first,                                            \
	  msrtrap_map_next_pass(M, RD, &fx.cursor, NULL, &fx.u2), -EINVAL)     \
	X(map_next_pass_null_last,                                             \
	  msrtrap_map_next_pass(M, RD, &fx.cursor, &fx.u1, NULL), -EINVAL)     \
	/* nested.h, common.h's kernel names */ \
	X(nested_merge_null_l0, msrtrap_nested_merge(VMX, MSRTRAP_KERNEL_V6_19, 1, NULL, fx.page2, fx.page3), -EINVAL) \
	X(nested_merge_null_l1, msrtrap_nested_merge(VMX, MSRTRAP_KERNEL_V6_19, 1, fx.page, NULL, fx.page3), -EINVAL) \
	X(nested_merge_null_out, msrtrap_nested_merge(VMX, MSRTRAP_KERNEL_V6_19, 1, fx.page, fx.page2, NULL), -EINVAL) \
	X(nested_merge_bad_fmt, msrtrap_nested_merge(9, MSRTRAP_KERNEL_V6_19, 1, fx.page, fx.page2, fx.page3), -EINVAL) \
	X(nested_merge_v5_19, msrtrap_nested_merge(VMX, MSRTRAP_KERNEL_V5_19, 1, fx.page, fx.page2, fx.page3), -EINVAL) \
	X(nested_merge_bad_controls, msrtrap_nested_merge(VMX, MSRTRAP_KERNEL_V6_0, 0x20, fx.page, fx.page2, fx.page3), -EINVAL) \
	X(nested_merge_out_is_l0, msrtrap_nested_merge(VMX, MSRTRAP_KERNEL_V6_0, 1, fx.page, fx.page2, fx.page), -EINVAL) \
	X(nested_merge_out_overlaps_l1, msrtrap_nested_merge(VMX, MSRTRAP_KERNEL_V6_0, 1, fx.page, fx.page2, (char *)fx.page2 + 8), -EINVAL) \
	X(nested_reflect_access_rw, msrtrap_nested_reflect(VMX, 1, fx.page, 0x10, MSRTRAP_RW), -EINVAL) \
	X(nested_reflect_null_l1, msrtrap_nested_reflect(MSRTRAP_FMT_SVM, MSRTRAP_NESTED_MSR_PROT, NULL, 0x10, RD), -EINVAL) \
	X(nested_reflect_bad_controls, msrtrap_nested_reflect(VMX, 0x40, fx.page, 0x10, RD), -EINVAL) \
	X(kernel_parse_null, msrtrap_kernel_parse(NULL), -EINVAL) \
	X(engine_vcpu_set_apic_null, msrtrap_engine_vcpu_set_apic(NULL, 1), -EINVAL) \
	X(engine_vcpu_set_apic_bad_flags, msrtrap_engine_vcpu_set_apic(fx.vcpu, 0x10), -EINVAL) \
	X(x2apic_update_null_state, msrtrap_x2apic_update(VMX, MSRTRAP_KERNEL_V6_19, 1, NULL, fx.page), -EINVAL) \
	X(x2apic_update_null_map, msrtrap_x2apic_update(VMX, MSRTRAP_KERNEL_V6_19, 1, &fx.x2, NULL), -EINVAL) \
	X(x2apic_update_bad_flags, msrtrap_x2apic_update(VMX, MSRTRAP_KERNEL_V6_19, 0x10, &fx.x2, fx.page), -EINVAL) \
	X(x2apic_update_bad_fmt, msrtrap_x2apic_update(0, MSRTRAP_KERNEL_V6_19, 1, &fx.x2, fx.page), -EINVAL) \
	X(x2apic_update_svm_v5_19, msrtrap_x2apic_update(MSRTRAP_FMT_SVM, MSRTRAP_KERNEL_V5_19, 1, &fx.x2, fx.page), -EINVAL) \
	X(x2apic_update_kernel_0, msrtrap_x2apic_update(VMX, 0, 1, &fx.x2, fx.page), -EINVAL) \
	X(kernel_strategy_none, msrtrap_kernel_strategy(0, VMX), -EINVAL) \
	X(kernel_strategy_bad_fmt, msrtrap_kernel_strategy(MSRTRAP_KERNEL_V6_0, 0), -EINVAL) \
	X(kernel_strategy_v6_0_vmx, msrtrap_kernel_strategy(MSRTRAP_KERNEL_V6_0, VMX), MSRTRAP_STRATEGY_SKIP_INTERCEPTED) \
	X(kernel_name_0, msrtrap_kernel_name(0) == NULL, 1) \
	/* filter.h: the submitted filter */                                   \
	X(content_recognise_null,                                              \
	  msrtrap_content_recognise(NULL, 8, NULL), MSRTRAP_CONTENT_UNKNOWN)    \
	X(filter_new_null, msrtrap_filter_new(0, NULL), -EINVAL)               \
	X(filter_dup_null, msrtrap_filter_dup(NULL, OBJ(msrtrap_filter)),      \
	  -EINVAL)                                                             \
	X(filter_dup_null_out, msrtrap_filter_dup(F, NULL), -EINVAL)           \
	X(filter_add_range_null,                                               \
	  msrtrap_filter_add_range(NULL, 1, 0, 8, fx.bits, 8), -EINVAL)        \
	X(filter_add_range_null_bitmap,                                        \
	  msrtrap_filter_add_range(F, 1, 0, 8, NULL, 8), -EINVAL)              \
	X(filter_add_range_size_max,                                           \
	  msrtrap_filter_add_range(F, 1, 0, 8, fx.bits, SIZE_MAX), -EINVAL)    \
	X(filter_add_range_over_ptrdiff,                                       \
	  msrtrap_filter_add_range(F, 1, 0, 8, fx.bits,                        \
				   (size_t)PTRDIFF_MAX + 1),                   \
	  -EINVAL)                                                             \
	X(filter_add_range_padded_null,                                        \
	  msrtrap_filter_add_range_padded(NULL, 1, 0, 8, fx.bits, 1), -EINVAL) \
	X(filter_add_range_padded_null_bitmap,                                 \
	  msrtrap_filter_add_range_padded(F, 1, 0, 8, NULL, 1), -EINVAL)       \
	X(filter_add_range_padded_size_max,                                    \
	  msrtrap_filter_add_range_padded(F, 1, 0, 8, fx.bits, SIZE_MAX),      \
	  -EINVAL)                                                             \
	X(filter_add_range_padded_short,                                       \
	  msrtrap_filter_add_range_padded(F, 1, 0, 9, fx.bits, 1), -EINVAL)    \
	X(filter_add_range_left_unchanged, msrtrap_filter_nranges(F), 1)       \
	X(filter_flags_null, msrtrap_filter_flags(NULL), 0)                    \
	X(filter_nranges_null, msrtrap_filter_nranges(NULL), 0)                \
	X(filter_range_null,                                                   \
	  msrtrap_filter_range(NULL, 0, &(struct msrtrap_filter_range){ 0 }),  \
	  -EINVAL)                                                             \
	X(filter_range_null_out, msrtrap_filter_range(F, 0, NULL), -EINVAL)    \
	X(filter_range_past_end,                                               \
	  msrtrap_filter_range(F, 1, &(struct msrtrap_filter_range){ 0 }),     \
	  -ENOENT)                                                             \
	X(filter_validate_null, msrtrap_filter_validate(NULL, NULL), -EFAULT)  \
	X(filter_allowed_no_filter, msrtrap_filter_allowed(NULL, 0x10, RD), 1) \
	X(filter_allowed_access_0, msrtrap_filter_allowed(F, 0x10, 0),         \
	  -EINVAL)                                                             \
	X(filter_allowed_rw, msrtrap_filter_allowed(F, 0x10, MSRTRAP_RW),      \
	  -EINVAL)                                                             \
	X(filter_explain_access_4,                                             \
	  msrtrap_filter_explain(F, 0x10, 4, NULL), -EINVAL)                   \
	X(filter_explain_null_decision,                                        \
	  msrtrap_filter_explain(F, 0x10, RD, NULL), 0)                        \
	X(filter_explain_bad_sz,                                               \
	  msrtrap_filter_explain(F, 0x10, RD, BAD_SZ(msrtrap_decision)),       \
	  -EINVAL)                                                             \
	X(filter_lint_null, msrtrap_filter_lint(NULL, &fx.diags), -EINVAL)     \
	X(filter_lint_null_out, msrtrap_filter_lint(F, NULL), -EINVAL)         \
	X(filter_kvm_storage_null, msrtrap_filter_kvm_storage(NULL), 0)        \
	X(filter_to_kvm_null, msrtrap_filter_to_kvm(NULL, &fx.abi, NULL, 0),   \
	  -EINVAL)                                                             \
	X(filter_to_kvm_null_abi, msrtrap_filter_to_kvm(F, NULL, fx.page, 64), \
	  -EINVAL)                                                             \
	X(filter_to_kvm_null_storage, msrtrap_filter_to_kvm(F, &fx.abi, NULL, \
							    64),               \
	  -EINVAL)                                                             \
	X(filter_to_kvm_no_storage, msrtrap_filter_to_kvm(F, &fx.abi, NULL,   \
							  0),                  \
	  -ENOSPC)                                                             \
	X(filter_from_kvm_null, msrtrap_filter_from_kvm(NULL,                  \
							OBJ(msrtrap_filter)),  \
	  -EFAULT)                                                             \
	X(filter_from_kvm_null_out, msrtrap_filter_from_kvm(&fx.abi, NULL),    \
	  -EINVAL)                                                             \
	/* filter.h: the compiled filter */                                    \
	X(cfilter_new_null_out, msrtrap_cfilter_new(F, NULL, NULL), -EINVAL)   \
	X(cfilter_allowed_access_0, msrtrap_cfilter_allowed(fx.cfilter, 0x10,  \
							    0),                \
	  0)                                                                   \
	X(cfilter_allowed_no_filter_access_0,                                  \
	  msrtrap_cfilter_allowed(NULL, 0x10, 0), 0)                           \
	X(cfilter_allowed_no_filter_access_3,                                  \
	  msrtrap_cfilter_allowed(NULL, 0x10, MSRTRAP_RW), 0)                  \
	X(cfilter_allowed_no_filter_access_4,                                  \
	  msrtrap_cfilter_allowed(NULL, 0x10, 4), 0)                           \
	X(cfilter_allowed_no_filter, msrtrap_cfilter_allowed(NULL, 0x10, WR),  \
	  1)                                                                   \
	X(cfilter_get_view_null_view,                                          \
	  msrtrap_cfilter_get_view(fx.cfilter, NULL), -EINVAL)                 \
	X(cfilter_view_no_filter_access_3,                                     \
	  (msrtrap_cfilter_get_view(NULL, &fx.view) ?:                         \
	   msrtrap_cfilter_view_allowed(&fx.view, 0x10, MSRTRAP_RW)),          \
	  0)                                                                   \
	X(cfilter_default_allow_null, msrtrap_cfilter_default_allow(NULL), 1)  \
	/* json.h */                                                           \
	X(from_json_null_text,                                                 \
	  msrtrap_filter_from_json(NULL, 2, OBJ(msrtrap_filter), NULL),        \
	  -EINVAL)                                                             \
	X(from_json_null_out, msrtrap_filter_from_json("{}", 2, NULL, NULL),   \
	  -EINVAL)                                                             \
	X(to_json_null, msrtrap_filter_to_json(NULL, &fx.text), -EINVAL)       \
	X(to_json_null_out, msrtrap_filter_to_json(F, NULL), -EINVAL)          \
	/* engine.h */                                                         \
	X(strategy_name_bad, msrtrap_strategy_name(4) == NULL, 1)              \
	X(strategy_parse_null, msrtrap_strategy_parse(NULL), -EINVAL)          \
	X(passthrough_name_bad, msrtrap_passthrough_name(2) == NULL, 1)        \
	X(passthrough_parse_null, msrtrap_passthrough_parse(NULL), -EINVAL)    \
	X(engine_new_null_opts, msrtrap_engine_new(NULL, OBJ(msrtrap_engine)), \
	  -EINVAL)                                                             \
	X(engine_new_null_out,                                                 \
	  msrtrap_engine_new(&(struct msrtrap_engine_opts){                    \
				     .sz = sizeof(struct msrtrap_engine_opts), \
				     .format = VMX },                          \
			     NULL),                                            \
	  -EINVAL)                                                             \
	X(engine_new_no_format,                                                \
	  msrtrap_engine_new(&(struct msrtrap_engine_opts){                    \
				     .sz = sizeof(struct msrtrap_engine_opts) },\
			     OBJ(msrtrap_engine)),                             \
	  -EINVAL)                                                             \
	X(engine_new_bad_strategy,                                             \
	  msrtrap_engine_new(&(struct msrtrap_engine_opts){                    \
				     .sz = sizeof(struct msrtrap_engine_opts), \
				     .format = VMX, .strategy = 4 },           \
			     OBJ(msrtrap_engine)),                             \
	  -EINVAL)                                                             \
	X(engine_new_bad_passthrough,                                          \
	  msrtrap_engine_new(&(struct msrtrap_engine_opts){                    \
				     .sz = sizeof(struct msrtrap_engine_opts), \
				     .format = VMX, .passthrough = 2 },        \
			     OBJ(msrtrap_engine)),                             \
	  -EINVAL)                                                             \
	X(engine_new_bad_kernel,                                               \
	  msrtrap_engine_new(&(struct msrtrap_engine_opts){                    \
				     .sz = sizeof(struct msrtrap_engine_opts), \
				     .format = VMX, .kernel = 4 },             \
			     OBJ(msrtrap_engine)),                             \
	  -EINVAL)                                                             \
	X(engine_new_kernel_with_passthrough,                                  \
	  msrtrap_engine_new(&(struct msrtrap_engine_opts){                    \
				     .sz = sizeof(struct msrtrap_engine_opts), \
				     .format = VMX, .kernel = 2,               \
				     .passthrough = 1 },                       \
			     OBJ(msrtrap_engine)),                             \
	  -EINVAL)                                                             \
	X(engine_new_kernel_other_strategy,                                    \
	  msrtrap_engine_new(&(struct msrtrap_engine_opts){                    \
				     .sz = sizeof(struct msrtrap_engine_opts), \
				     .format = VMX, .kernel = 2,               \
				     .strategy = 3 },                          \
			     OBJ(msrtrap_engine)),                             \
	  -EINVAL)                                                             \
	X(engine_new_svm_v6_0_skip_intercepted,                                \
	  msrtrap_engine_new(&(struct msrtrap_engine_opts){                    \
				     .sz = sizeof(struct msrtrap_engine_opts), \
				     .format = MSRTRAP_FMT_SVM, .kernel = 2,  \
				     .strategy = 1 },                          \
			     OBJ(msrtrap_engine)),                             \
	  -EINVAL)                                                             \
	X(engine_new_too_many_vcpus,                                           \
	  msrtrap_engine_new(&(struct msrtrap_engine_opts){                    \
				     .sz = sizeof(struct msrtrap_engine_opts), \
				     .format = VMX, .max_vcpus = 4097 },       \
			     OBJ(msrtrap_engine)),                             \
	  -EINVAL)                                                             \
	X(engine_set_filter_null, msrtrap_engine_set_filter(NULL, F, NULL),    \
	  -EINVAL)                                                             \
	X(engine_filter_generation_null,                                       \
	  msrtrap_engine_filter_generation(NULL), 0)                           \
	X(vcpu_new_null_vm,                                                    \
	  msrtrap_engine_vcpu_new(NULL, NULL, OBJ(msrtrap_engine_vcpu)),       \
	  -EINVAL)                                                             \
	X(vcpu_new_null_out, msrtrap_engine_vcpu_new(fx.engine, NULL, NULL),   \
	  -EINVAL)                                                             \
	X(vcpu_intercept_null,                                                 \
	  msrtrap_engine_vcpu_intercept(NULL, 0, 1, RD, true), -EINVAL)        \
	X(vcpu_intercept_reversed,                                             \
	  msrtrap_engine_vcpu_intercept(V, 2, 1, RD, true), -EINVAL)           \
	X(vcpu_intercept_access_0,                                             \
	  msrtrap_engine_vcpu_intercept(V, 0, 1, 0, true), -EINVAL)            \
	X(vcpu_intercept_access_4,                                             \
	  msrtrap_engine_vcpu_intercept(V, 0, 1, 4, false), -EINVAL)           \
	X(vcpu_refresh_pending_null,                                           \
	  msrtrap_engine_vcpu_refresh_pending(NULL), 0)                        \
	X(vcpu_sync_null, msrtrap_engine_vcpu_sync(NULL), -EINVAL)             \
	X(vcpu_bitmap_null, msrtrap_engine_vcpu_bitmap(NULL) == NULL, 1)       \
	X(vcpu_wish_null, msrtrap_engine_vcpu_wish(NULL, 0x10, RD), -EINVAL)   \
	X(vcpu_wish_rw, msrtrap_engine_vcpu_wish(V, 0x10, MSRTRAP_RW),         \
	  -EINVAL)                                                             \
	X(vcpu_stats_null,                                                     \
	  msrtrap_engine_vcpu_stats(NULL,                                      \
				    &(struct msrtrap_engine_vcpu_stats){       \
					    .sz = sizeof(                      \
						    struct                     \
						    msrtrap_engine_vcpu_stats) }), \
	  -EINVAL)                                                             \
	X(vcpu_stats_null_out, msrtrap_engine_vcpu_stats(V, NULL), -EINVAL)    \
	X(vcpu_stats_bad_sz,                                                   \
	  msrtrap_engine_vcpu_stats(V, BAD_SZ(msrtrap_engine_vcpu_stats)),     \
	  -EINVAL)                                                             \
	/* publisher.h */                                                      \
	X(publisher_new_null_out, msrtrap_publisher_new(NULL, NULL), -EINVAL)  \
	X(publisher_new_too_many_readers,                                      \
	  msrtrap_publisher_new(too_many_readers(), OBJ(msrtrap_publisher)),   \
	  -EINVAL)                                                             \
	X(reader_new_null,                                                     \
	  msrtrap_publisher_reader_new(NULL, OBJ(msrtrap_publisher_reader)),   \
	  -EINVAL)                                                             \
	X(reader_new_null_out, msrtrap_publisher_reader_new(fx.pub, NULL),     \
	  -EINVAL)                                                             \
	X(exit_null, (msrtrap_publisher_exit(NULL), 0), 0)                     \
	X(reader_generation_null, msrtrap_publisher_reader_generation(NULL),   \
	  0)                                                                   \
	X(publisher_generation_null, msrtrap_publisher_generation(NULL), 0)    \
	X(publish_null, msrtrap_publisher_publish(NULL, NULL), -EINVAL)        \
	/* names.h */                                                          \
	X(vendor_name_bad, msrtrap_vendor_name(6) == NULL, 1)                  \
	X(msr_at_past_end, msrtrap_msr_at(msrtrap_msr_count(), NULL), -ENOENT) \
	X(msr_at_bad_sz, msrtrap_msr_at(0, BAD_SZ(msrtrap_msr_info)), -EINVAL) \
	X(msr_info_bad_sz, msrtrap_msr_info(0x10, BAD_SZ(msrtrap_msr_info)),   \
	  -EINVAL)                                                             \
	X(msr_lookup_null, msrtrap_msr_lookup(NULL, NULL), -EINVAL)            \
	X(msr_lookup_bad_sz,                                                   \
	  msrtrap_msr_lookup("IA32_EFER", BAD_SZ(msrtrap_msr_info)), -EINVAL)  \
	X(msr_suggest_null, msrtrap_msr_suggest(NULL) == NULL, 1)              \
	/* diags.h */                                                          \
	X(severity_name_bad, msrtrap_severity_name(3) == NULL, 1)              \
	X(diag_code_name_bad, msrtrap_diag_code_name(1000) == NULL, 1)         \
	X(diags_count_null, msrtrap_diags_count(NULL), 0)                      \
	X(diags_errors_null, msrtrap_diags_errors(NULL), 0)                    \
	X(diags_dropped_null, msrtrap_diags_dropped(NULL), 0)                  \
	X(diags_warnings_null, msrtrap_diags_warnings(NULL), 0)                \
	X(diags_get_null,                                                      \
	  msrtrap_diags_get(NULL, 0,                                           \
			    &(struct msrtrap_diagnostic){                      \
				    .sz = sizeof(struct msrtrap_diagnostic) }),\
	  -EINVAL)                                                             \
	X(diags_get_null_out, msrtrap_diags_get(fx.diags, 0, NULL), -EINVAL)   \
	X(diags_get_bad_sz,                                                    \
	  msrtrap_diags_get(fx.diags, 0, BAD_SZ(msrtrap_diagnostic)), -EINVAL) \
	X(diags_get_past_end,                                                  \
	  msrtrap_diags_get(fx.diags, msrtrap_diags_count(fx.diags),           \
			    &(struct msrtrap_diagnostic){                      \
				    .sz = sizeof(struct msrtrap_diagnostic) }),\
	  -ENOENT)                                                             \
	X(diags_format_null, msrtrap_diags_format(NULL, 0, NULL, 0), -EINVAL)  \
	X(diags_format_null_buf, msrtrap_diags_format(fx.diags, 0, NULL, 8),   \
	  -EINVAL)                                                             \
	X(diags_format_past_end,                                               \
	  msrtrap_diags_format(fx.diags, msrtrap_diags_count(fx.diags), NULL,  \
			       0),                                             \
	  -ENOENT)                                                             \
	/* policy.h */                                                         \
	X(group_at_past_end, msrtrap_group_at(msrtrap_group_count(), NULL),    \
	  -ENOENT)                                                             \
	X(group_at_bad_sz, msrtrap_group_at(0, BAD_SZ(msrtrap_group_info)),    \
	  -EINVAL)                                                             \
	X(group_lookup_null, msrtrap_group_lookup(NULL, NULL), -EINVAL)        \
	X(group_lookup_bad_sz,                                                 \
	  msrtrap_group_lookup("syscall", BAD_SZ(msrtrap_group_info)),         \
	  -EINVAL)                                                             \
	X(policy_parse_null_text,                                              \
	  msrtrap_policy_parse(NULL, 2, NULL, OBJ(msrtrap_policy), NULL),      \
	  -EINVAL)                                                             \
	X(policy_parse_null_out,                                               \
	  msrtrap_policy_parse("\n", 1, NULL, NULL, NULL), -EINVAL)            \
	X(policy_parse_bad_sz,                                                 \
	  msrtrap_policy_parse("\n", 1, BAD_SZ(msrtrap_policy_opts),           \
			       OBJ(msrtrap_policy), NULL),                     \
	  -EINVAL)                                                             \
	X(from_intervals_null_read,                                            \
	  msrtrap_policy_from_intervals(true, NULL, 1, NULL, 0,                \
					OBJ(msrtrap_policy)),                  \
	  -EINVAL)                                                             \
	X(from_intervals_null_write,                                           \
	  msrtrap_policy_from_intervals(true, NULL, 0, NULL, 1,                \
					OBJ(msrtrap_policy)),                  \
	  -EINVAL)                                                             \
	X(from_intervals_reversed,                                             \
	  msrtrap_policy_from_intervals(                                       \
		  true, &(struct msrtrap_interval){ 2, 1 }, 1, NULL, 0,        \
		  OBJ(msrtrap_policy)),                                        \
	  -EINVAL)                                                             \
	X(from_intervals_count_wraps,                                          \
	  msrtrap_policy_from_intervals(true, fx.guarded, SIZE_MAX / 8 + 2,    \
					NULL, 0, OBJ(msrtrap_policy)),         \
	  -EINVAL)                                                             \
	X(from_intervals_write_count_wraps,                                    \
	  msrtrap_policy_from_intervals(true, NULL, 0, fx.guarded,             \
					SIZE_MAX / 8 + 2,                      \
					OBJ(msrtrap_policy)),                  \
	  -EINVAL)                                                             \
	X(from_intervals_null_out,                                             \
	  msrtrap_policy_from_intervals(true, NULL, 0, NULL, 0, NULL),         \
	  -EINVAL)                                                             \
	X(policy_default_allow_null, msrtrap_policy_default_allow(NULL), 1)    \
	X(policy_nrules_null, msrtrap_policy_nrules(NULL), 0)                  \
	X(policy_rule_null,                                                    \
	  msrtrap_policy_rule(NULL, 0,                                         \
			      &(struct msrtrap_policy_rule){                   \
				      .sz = sizeof(struct msrtrap_policy_rule) }),\
	  -EINVAL)                                                             \
	X(policy_rule_null_out, msrtrap_policy_rule(P, 0, NULL), -EINVAL)      \
	X(policy_rule_bad_sz, msrtrap_policy_rule(P, 0,                        \
						  BAD_SZ(msrtrap_policy_rule)),\
	  -EINVAL)                                                             \
	X(policy_rule_past_end,                                                \
	  msrtrap_policy_rule(P, msrtrap_policy_nrules(P),                     \
			      &(struct msrtrap_policy_rule){                   \
				      .sz = sizeof(struct msrtrap_policy_rule) }),\
	  -ENOENT)                                                             \
	X(rule_targets_null, msrtrap_policy_rule_targets(NULL, 0, NULL, 0),    \
	  -EINVAL)                                                             \
	X(rule_targets_null_buf, msrtrap_policy_rule_targets(P, 0, NULL, 1),   \
	  -EINVAL)                                                             \
	X(rule_targets_past_end,                                               \
	  msrtrap_policy_rule_targets(P, msrtrap_policy_nrules(P), NULL, 0),   \
	  -ENOENT)                                                             \
	X(policy_verdict_null, msrtrap_policy_verdict(NULL, 0x10, RD),         \
	  -EINVAL)                                                             \
	X(policy_verdict_rw, msrtrap_policy_verdict(P, 0x10, MSRTRAP_RW),      \
	  -EINVAL)                                                             \
	X(policy_verdict_access_0, msrtrap_policy_verdict(P, 0x10, 0),         \
	  -EINVAL)                                                             \
	X(policy_explain_null_decision,                                        \
	  msrtrap_policy_explain(P, 0x10, RD, NULL), -EINVAL)                  \
	X(policy_explain_rw,                                                   \
	  msrtrap_policy_explain(P, 0x10, MSRTRAP_RW,                          \
				 &(struct msrtrap_policy_decision){            \
					 .sz = sizeof(                         \
						 struct msrtrap_policy_decision) }),\
	  -EINVAL)                                                             \
	X(policy_explain_bad_sz,                                               \
	  msrtrap_policy_explain(P, 0x10, RD,                                  \
				 BAD_SZ(msrtrap_policy_decision)),             \
	  -EINVAL)                                                             \
	X(exceptions_null, msrtrap_policy_exceptions(NULL, RD, NULL, 0),       \
	  -EINVAL)                                                             \
	X(exceptions_rw, msrtrap_policy_exceptions(P, MSRTRAP_RW, NULL, 0),    \
	  -EINVAL)                                                             \
	X(exceptions_null_buf, msrtrap_policy_exceptions(P, RD, NULL, 1),      \
	  -EINVAL)                                                             \
	X(to_text_null, msrtrap_policy_to_text(NULL, &fx.text), -EINVAL)       \
	X(to_text_null_out, msrtrap_policy_to_text(P, NULL), -EINVAL)          \
	X(check_format_null, msrtrap_policy_check_format(NULL, VMX, NULL),     \
	  -EINVAL)                                                             \
	X(check_format_bad_fmt, msrtrap_policy_check_format(P, 9, NULL),       \
	  -EINVAL)                                                             \
	/* compile.h */                                                        \
	X(pack_report_fini_null, (msrtrap_pack_report_fini(NULL), 0), 0)       \
	X(to_filter_null,                                                      \
	  msrtrap_policy_to_filter(NULL, OBJ(msrtrap_filter), NULL), -EINVAL)  \
	X(to_filter_bad_sz,                                                    \
	  msrtrap_policy_to_filter(P, OBJ(msrtrap_filter),                     \
				   BAD_SZ(msrtrap_pack_report)),               \
	  -EINVAL)                                                             \
	X(to_map_null, msrtrap_policy_to_map(NULL, VMX, OBJ(msrtrap_map)),     \
	  -EINVAL)                                                             \
	X(to_map_null_out, msrtrap_policy_to_map(P, VMX, NULL), -EINVAL)       \
	X(to_map_bad_fmt, msrtrap_policy_to_map(P, 9, OBJ(msrtrap_map)),       \
	  -EINVAL)                                                             \
	X(from_filter_null,                                                    \
	  msrtrap_policy_from_filter(NULL, OBJ(msrtrap_policy)), -EINVAL)      \
	X(from_filter_null_out, msrtrap_policy_from_filter(F, NULL), -EINVAL)  \
	X(from_map_null, msrtrap_policy_from_map(NULL, OBJ(msrtrap_policy)),   \
	  -EINVAL)                                                             \
	X(from_map_null_out, msrtrap_policy_from_map(M, NULL), -EINVAL)        \
	X(diff_null_a, msrtrap_policy_diff(NULL, P, RD, NULL, 0), -EINVAL)     \
	X(diff_null_b, msrtrap_policy_diff(P, NULL, RD, NULL, 0), -EINVAL)     \
	X(diff_rw, msrtrap_policy_diff(P, P, MSRTRAP_RW, NULL, 0), -EINVAL)    \
	X(diff_null_buf, msrtrap_policy_diff(P, P, RD, NULL, 1), -EINVAL)      \
	/* kvm.h (no VM needed: the arguments are refused first) */            \
	X(kvm_open_null_out, msrtrap_kvm_open(NULL, NULL), -EINVAL)            \
	X(kvm_close_null, (msrtrap_kvm_close(NULL), 0), 0)                     \
	X(kvm_vm_fd_null, msrtrap_kvm_vm_fd(NULL), -EINVAL)                    \
	X(kvm_vcpu_fd_null, msrtrap_kvm_vcpu_fd(NULL), -EINVAL)                \
	X(kvm_enable_user_msr_null, msrtrap_kvm_enable_user_msr(NULL, 0),      \
	  -EINVAL)                                                             \
	X(kvm_set_filter_null, msrtrap_kvm_set_filter(NULL, F), -EINVAL)       \
	X(kvm_set_filter_raw_null, msrtrap_kvm_set_filter_raw(NULL, &fx.abi),  \
	  -EINVAL)                                                             \
	X(kvm_fd_enable_user_msr_bad_fd,                                       \
	  msrtrap_kvm_fd_enable_user_msr(-1, 0), -EBADF)                       \
	X(kvm_fd_set_filter_bad_fd, msrtrap_kvm_fd_set_filter(-1, F), -EBADF)  \
	X(kvm_probe_null,                                                      \
	  msrtrap_kvm_probe(NULL, &(struct msrtrap_probe){ .msr = 0x10 }, 1, NULL,    \
			    NULL, NULL),                                       \
	  -EINVAL)                                                             \
	X(kvm_probe_bad_stats_sz,                                              \
	  msrtrap_kvm_probe(NULL, NULL, 0, NULL,                               \
			    BAD_SZ(msrtrap_probe_stats), NULL),                \
	  -EINVAL)                                                             \
	X(kvm_selftest_null, msrtrap_kvm_selftest(NULL, NULL), -EINVAL)        \
	X(probe_outcome_name_bad, msrtrap_probe_outcome_name(5) == NULL, 1)

#define DEFINE_ROW(name, call, want)                                           \
	static long row_##name(void)                                           \
	{                                                                      \
		return (long)(call);                                           \
	}
ROWS(DEFINE_ROW)

struct row {
	long (*call)(void);
	long want;
};

#define TABLE_ROW(name, call, want) { row_##name, want },
static const struct row rows[] = { ROWS(TABLE_ROW) };

#define NAME_ROW(name, call, want) #name,
static const char *const row_names[] = { ROWS(NAME_ROW) };

static void run_row(void **state)
{
	const struct row *r = *state;

	fx.obj = NULL;
	assert_int_equal(r->call(), r->want);
	/* a refused call creates nothing */
	assert_null(fx.obj);
}

static int setup(void)
{
	static const char text[] = "default deny\nallow rw IA32_EFER 0x10-0x12\n";

	long page = sysconf(_SC_PAGESIZE);
	char *g = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (g == MAP_FAILED || mprotect(g + page, page, PROT_NONE))
		return -1;
	memset(g, 0, page); /* {0, 0}: one MSR each, well formed */
	fx.guarded = (struct msrtrap_interval *)g;
	memset(fx.bits, 0xff, sizeof(fx.bits));
	if (msrtrap_map_new(VMX, NULL, &fx.map) ||
	    msrtrap_filter_new(MSRTRAP_KVM_MSR_FILTER_DEFAULT_DENY, &fx.filter) ||
	    msrtrap_filter_add_range(fx.filter, 3, 0x10, 8, fx.bits, 8) ||
	    msrtrap_cfilter_new(fx.filter, &fx.cfilter, NULL) ||
	    msrtrap_policy_parse(text, sizeof(text) - 1, NULL, &fx.policy,
				 &fx.diags) ||
	    msrtrap_engine_new(&(struct msrtrap_engine_opts){
				       .sz = sizeof(struct msrtrap_engine_opts),
				       .format = VMX },
			       &fx.engine) ||
	    msrtrap_engine_vcpu_new(fx.engine, NULL, &fx.vcpu) ||
	    msrtrap_publisher_new(NULL, &fx.pub) ||
	    msrtrap_publisher_reader_new(fx.pub, &fx.reader))
		return -1;
	return 0;
}

static void teardown(void)
{
	msrtrap_publisher_reader_free(fx.reader);
	msrtrap_publisher_free(fx.pub);
	msrtrap_engine_vcpu_free(fx.vcpu);
	msrtrap_engine_free(fx.engine);
	msrtrap_diags_free(fx.diags);
	msrtrap_policy_free(fx.policy);
	msrtrap_cfilter_free(fx.cfilter);
	msrtrap_filter_free(fx.filter);
	msrtrap_map_free(fx.map);
	munmap(fx.guarded, 2 * sysconf(_SC_PAGESIZE));
}

#define NROWS (sizeof(rows) / sizeof(rows[0]))

int main(void)
{
	static struct CMUnitTest tests[NROWS];
	int rc;

	for (size_t i = 0; i < NROWS; i++)
		tests[i] = (struct CMUnitTest){ .name = row_names[i],
						.test_func = run_row,
						.initial_state = (void *)&rows[i] };
	if (setup())
		return 1;
	rc = test_run(__FILE__, tests, NROWS);
	teardown();
	return rc;
}

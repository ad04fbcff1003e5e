// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Loading the FILE operand of check, query, explain, compile and diff: a
 * policy, a JSON filter or a hardware intercept map, recognised by
 * content.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msrtrap/msrtrap.h>

#include "input.h"
#include "cli.h"

static bool parse_format(const char *arg, enum input_kind *kind)
{
	if (!strcmp(arg, "json")) {
		*kind = INPUT_FILTER;
		return true;
	}
	if (!strcmp(arg, "policy")) {
		*kind = INPUT_POLICY;
		return true;
	}
	switch (msrtrap_format_parse(arg)) {
	case MSRTRAP_FMT_VMX:
		*kind = INPUT_VMX;
		return true;
	case MSRTRAP_FMT_SVM:
		*kind = INPUT_SVM;
		return true;
	default:
		return false;
	}
}

bool input_is_text(const uint8_t *data, size_t len)
{
	enum msrtrap_content c = msrtrap_content_recognise(data, len, NULL);

	return c == MSRTRAP_CONTENT_POLICY || c == MSRTRAP_CONTENT_FILTER_JSON;
}

/*
 * What the bytes are: msrtrap_content_recognise() (<msrtrap/common.h>),
 * the library's rules, so that a program using the library accepts the
 * files the CLI accepts. *skip: a UTF-8 byte-order mark before text.
 */
static enum input_kind recognise(const uint8_t *data, size_t len,
				 size_t *skip)
{
	switch (msrtrap_content_recognise(data, len, skip)) {
	case MSRTRAP_CONTENT_POLICY:
		return INPUT_POLICY;
	case MSRTRAP_CONTENT_FILTER_JSON:
		return INPUT_FILTER;
	case MSRTRAP_CONTENT_VMX:
		return INPUT_VMX;
	case MSRTRAP_CONTENT_SVM:
		return INPUT_SVM;
	default:
		return INPUT_AUTO;
	}
}

const char *input_label(const char *path)
{
	return strcmp(path, "-") ? path : "<stdin>";
}

size_t input_diags_total(const struct msrtrap_diags *diags)
{
	return msrtrap_diags_count(diags) + msrtrap_diags_dropped(diags);
}

void input_print_diags(const struct msrtrap_diags *diags)
{
	size_t n = msrtrap_diags_count(diags), total = input_diags_total(diags);
	size_t errors = msrtrap_diags_errors(diags), more;

	/* the rest only counted: a broken file is not a flood */
	for (size_t i = 0; i < n && i < INPUT_MAX_DIAGS; i++) {
		MSRTRAP_OPTS(msrtrap_diagnostic, d);
		char line[1024];

		if (msrtrap_diags_get(diags, i, &d))
			continue;
		errors -= d.severity == MSRTRAP_SEV_ERROR;
		if (msrtrap_diags_format(diags, i, line, sizeof(line)) >= 0)
			fprintf(stderr, "%s\n", line);
	}
	if (total <= INPUT_MAX_DIAGS)
		return;
	/* the library keeps MSRTRAP_DIAGS_MAX and counts the others */
	more = total - INPUT_MAX_DIAGS;
	fprintf(stderr, "%s: %zu more diagnostic%s not shown (%zu error%s)\n",
		progname, more, more == 1 ? "" : "s", errors,
		errors == 1 ? "" : "s");
}

static int open_policy(struct input *in, uint8_t *data, size_t len,
		       unsigned int flags)
{
	MSRTRAP_OPTS(msrtrap_policy_opts, opts,
		     .filename = input_label(in->path),
		     .for_kvm = flags & INPUT_FOR_KVM);
	struct msrtrap_diags *diags = NULL;
	int err;

	err = msrtrap_policy_parse((const char *)data, len, &opts, &in->policy,
				   &diags);
	if (flags & INPUT_KEEP_DIAGS) {
		/* the caller prints them, as text or as data */
		in->diags = diags;
		if (err == -EINVAL && msrtrap_diags_errors(diags))
			err = 0; /* in->policy stays NULL */
		diags = NULL;
	}
	input_print_diags(diags);
	if (err == -EINVAL && msrtrap_diags_errors(diags)) {
		msrtrap_diags_free(diags);
		free(data);
		return EXIT_BAD_INPUT;
	}
	msrtrap_diags_free(diags);
	if (err) {
		free(data);
		return fail(in->path, "%s", strerror(-err));
	}
	in->text = (char *)data; /* read_file() NUL-terminates */
	in->text_len = len;
	return EXIT_OK;
}

int input_open(const char *path, enum input_kind want, struct input *in)
{
	return input_open_flags(path, want, 0, in);
}

int input_open_flags(const char *path, enum input_kind want,
		     unsigned int flags, struct input *in)
{
	enum input_kind kind;
	enum msrtrap_format fmt;
	uint8_t *data;
	size_t len, skip;
	int err;

	memset(in, 0, sizeof(*in));
	in->diag.sz = sizeof(in->diag);
	in->path = path;
	err = read_file(path, &data, &len);
	if (err)
		return input_read_fail(path, err);
	kind = recognise(data, len, &skip);
	if (want != INPUT_AUTO)
		kind = want;
	/*
	 * A UTF-8 byte-order mark (some Windows editors write one) is not
	 * part of a policy or JSON text: skip it, so columns on line 1 are
	 * those an editor shows. Not in a map, whose bytes these may be.
	 */
	if (skip && kind != INPUT_VMX && kind != INPUT_SVM) {
		len -= skip;
		memmove(data, data + skip, len + 1); /* with read_file()'s NUL */
	}
	in->kind = kind;
	switch (kind) {
	case INPUT_POLICY:
		return open_policy(in, data, len, flags);
	case INPUT_FILTER:
		in->err = msrtrap_filter_from_json((const char *)data, len,
						   &in->filter, &in->diag);
		if (!in->err)
			in->err = msrtrap_filter_validate(in->filter, &in->diag);
		break;
	case INPUT_VMX:
	case INPUT_SVM:
		fmt = kind == INPUT_VMX ? MSRTRAP_FMT_VMX : MSRTRAP_FMT_SVM;
		if (msrtrap_map_from_bytes(fmt, data, len, &in->map)) {
			free(data);
			return fail(path, "%zu bytes, but %s is %zu bytes", len,
				    kind == INPUT_VMX ? "a VMX bitmap" : "an SVM map",
				    msrtrap_format_size(fmt));
		}
		break;
	default:
		free(data);
		return fail(path,
			    "%zu bytes: not a policy (text), a JSON filter (text "
			    "starting with '{'), a VMX bitmap (4096 bytes) or an "
			    "SVM map (8192 bytes)",
			    len);
	}
	free(data);
	if (in->err == -ENOMEM) {
		input_close(in);
		return fail(path, "out of memory");
	}
	return EXIT_OK;
}

int input_open_or_report(const char *path, enum input_kind want,
			 unsigned int flags, struct input *in)
{
	int rc = input_open_flags(path, want, flags, in);

	if (rc || !in->err)
		return rc;
	rc = input_report(in);
	input_close(in);
	return rc;
}

void input_close(struct input *in)
{
	msrtrap_filter_free(in->filter);
	msrtrap_map_free(in->map);
	msrtrap_policy_free(in->policy);
	msrtrap_diags_free(in->diags);
	free(in->text);
	in->filter = NULL;
	in->map = NULL;
	in->policy = NULL;
	in->diags = NULL;
	in->text = NULL;
}

int input_make_policy(struct input *in)
{
	if (in->policy)
		return 0;
	if (in->filter)
		return msrtrap_policy_from_filter(in->filter, &in->policy);
	if (in->map)
		return msrtrap_policy_from_map(in->map, &in->policy);
	return -EINVAL;
}

const char *input_errno_name(int err)
{
	static char buf[16];

	switch (-err) {
	case EINVAL:
		return "EINVAL";
	case EFAULT:
		return "EFAULT";
	case ENOMEM:
		return "ENOMEM";
	case ENOSPC:
		return "ENOSPC";
	default:
		snprintf(buf, sizeof(buf), "E%d", -err);
		return buf;
	}
}

/* Keep the error on one line whatever the JSON text held. */
static void printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

int input_report(const struct input *in)
{
	struct msrtrap_error d = in->diag;

	printable(d.where);
	printable(d.message);
	/*
	 * The contract of the filter issue: "FILE: EINVAL: ranges[3].flags:
	 * ..." exactly, without the "msrtrap: " prefix of other errors, so
	 * scripts can match the line as the kernel's errno report.
	 */
	if (d.where[0])
		fprintf(stderr, "%s: %s: %s: %s\n", in->path,
			input_errno_name(in->err), d.where, d.message);
	else
		fprintf(stderr, "%s: %s: %s\n", in->path,
			input_errno_name(in->err), d.message);
	return EXIT_BAD_INPUT;
}

const char *input_kind_name(enum input_kind kind)
{
	switch (kind) {
	case INPUT_VMX:
		return "vmx";
	case INPUT_SVM:
		return "svm";
	case INPUT_POLICY:
		return "policy";
	default:
		return "filter";
	}
}

const char *input_kind_title(enum input_kind kind)
{
	switch (kind) {
	case INPUT_VMX:
		return "VMX MSR bitmap";
	case INPUT_SVM:
		return "SVM MSR permission map";
	case INPUT_POLICY:
		return "policy";
	default:
		return "KVM MSR filter";
	}
}

bool input_range_wraps(const struct msrtrap_filter_range *r)
{
	return r->nmsrs && (uint64_t)r->base + r->nmsrs > UINT32_MAX;
}

bool input_range_holds(const struct msrtrap_filter_range *r, uint32_t msr)
{
	return !input_range_wraps(r) && input_range_would_hold(r, msr);
}

bool input_range_would_hold(const struct msrtrap_filter_range *r, uint32_t msr)
{
	return msr >= r->base && (uint64_t)msr < (uint64_t)r->base + r->nmsrs;
}

const char *input_access_name(uint32_t flags, char buf[16])
{
	const char *name = msrtrap_access_name(flags, MSRTRAP_ACCESS_PLUS);

	if (name)
		return name;
	snprintf(buf, 16, "0x%x", flags);
	return buf;
}

const char input_format_help[] =
	"  -f, --format F  read FILE as policy, json, vmx or svm\n";

int input_format_option(const char *cmd, const char *arg, void *want)
{
	if (!parse_format(arg, want))
		return usage_error(cmd,
				   "--format: unknown format '%s' "
				   "(expected policy, json, vmx or svm)",
				   clip(arg));
	return -1;
}

const char input_max_help[] =
	"  --max-input SIZE  refuse a FILE larger than SIZE bytes (K, M, G\n"
	"              suffixes; default 64M)\n";

int input_max_option(const char *cmd, const char *arg, void *limit)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (end != arg && *end && !end[1]) {
		const char *suffix = strchr("KMG", *end & ~0x20);

		if (suffix)
			shift = 10 * (unsigned int)(suffix - "KMG" + 1);
		end += !!suffix;
	}
	if (end == arg || *end || *arg == '-' || errno || !v ||
	    v > (SIZE_MAX >> 1) >> shift)
		return usage_error(cmd,
				   "--max-input: '%s' is not a size "
				   "(bytes, or a number with K, M or G)",
				   clip(arg));
	*(size_t *)limit = (size_t)v << shift;
	return -1;
}

int input_read_fail(const char *path, int err)
{
	if (err == -EFBIG)
		return fail(path, "larger than %zu bytes (see --max-input)",
			    read_file_limit);
	return fail(path, "cannot read: %s", strerror(-err));
}

int input_strict_fail(const char *path, size_t nwarn)
{
	return fail(path, "%zu warning%s, errors under --strict", nwarn,
		    nwarn == 1 ? "" : "s");
}

bool input_policy_denies_x2apic(const struct msrtrap_policy *p)
{
	for (uint32_t m = MSRTRAP_X2APIC_FIRST; m <= MSRTRAP_X2APIC_LAST; m++)
		if (msrtrap_policy_verdict(p, m, MSRTRAP_READ) == 0 ||
		    msrtrap_policy_verdict(p, m, MSRTRAP_WRITE) == 0)
			return true;
	return false;
}

const char input_strict_help[] =
	"  --strict    every warning is an error: exit 1\n";

json_t *input_diags_json(const char *file, const struct msrtrap_diags *diags)
{
	json_t *a = json_array();

	for (size_t i = 0; i < msrtrap_diags_count(diags) &&
			   i < INPUT_MAX_DIAGS; i++) {
		MSRTRAP_OPTS(msrtrap_diagnostic, d);

		if (msrtrap_diags_get(diags, i, &d))
			continue;
		json_array_append_new(
			a, json_pack("{s:s, s:I, s:I, s:s, s:s?, s:s}", "file",
				     file, "line", (json_int_t)d.line, "column",
				     (json_int_t)d.column, "severity",
				     msrtrap_severity_name(d.severity), "code",
				     msrtrap_diag_code_name(d.code), "message",
				     d.message));
	}
	return a;
}

/*
 * extra's diagnostics as text: with lines when they are the policy's own,
 * else (a decompiled filter or map) "FILE: warning: ...".
 */
static void print_extra(const struct input *in,
			const struct msrtrap_diags *extra)
{
	if (in->kind == INPUT_POLICY) {
		input_print_diags(extra);
		return;
	}
	for (size_t i = 0; i < msrtrap_diags_count(extra); i++) {
		MSRTRAP_OPTS(msrtrap_diagnostic, g);

		if (!msrtrap_diags_get(extra, i, &g))
			fprintf(stderr, "%s: %s: %s\n", input_label(in->path),
				msrtrap_severity_name(g.severity), g.message);
	}
}

int input_diags_verdict(const struct input *in,
			const struct msrtrap_diags *extra, bool strict,
			bool json)
{
	const char *label = input_label(in->path);
	size_t nwarn = msrtrap_diags_warnings(in->diags) +
		       msrtrap_diags_warnings(extra);

	if (json) {
		/* one array on stderr, even when empty: editors parse it */
		json_t *a = input_diags_json(label, in->diags);
		json_t *b = input_diags_json(label, extra);
		char *text;

		/* INPUT_MAX_DIAGS in all, as each list alone */
		for (size_t i = 0; i < json_array_size(b) &&
				   json_array_size(a) < INPUT_MAX_DIAGS;
		     i++) {
			json_t *d = json_array_get(b, i);

			/* a decompiled input's lines are not FILE's */
			if (in->kind != INPUT_POLICY) {
				json_object_set_new(d, "line", json_integer(0));
				json_object_set_new(d, "column",
						    json_integer(0));
			}
			json_array_append(a, d);
		}
		json_decref(b);
		text = json_dumps(a, JSON_COMPACT);
		if (text)
			fprintf(stderr, "%s\n", text);
		free(text);
		json_decref(a);
	} else {
		input_print_diags(in->diags);
		print_extra(in, extra);
	}
	if (msrtrap_diags_errors(in->diags))
		return EXIT_BAD_INPUT;
	if (strict && nwarn)
		return input_strict_fail(in->path, nwarn);
	return EXIT_OK;
}

int input_read_map(const char *path, enum msrtrap_format fmt,
		   struct msrtrap_map **map, bool *text)
{
	uint8_t *data;
	size_t len;
	int err = read_file(path, &data, &len);

	if (err)
		return input_read_fail(path, err);
	err = msrtrap_map_from_bytes(fmt, data, len, map);
	if (text)
		*text = !err && input_is_text(data, len);
	free(data);
	if (err && fmt != MSRTRAP_FMT_NONE)
		return fail(path, "%zu bytes, but %s is %zu bytes", len,
			    fmt == MSRTRAP_FMT_VMX ? "a VMX bitmap" : "an SVM map",
			    msrtrap_format_size(fmt));
	if (err)
		return fail(path,
			    "%zu bytes is not a VMX bitmap (4096) or an SVM map (8192)",
			    len);
	return EXIT_OK;
}

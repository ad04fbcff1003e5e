// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msrtrap sim's script language (docs/sim.md): script text to an op list.
 * The whole script is parsed before anything runs, every error reported
 * in one pass as SCRIPT:LINE:COL; filter files are loaded and validated
 * here so that their errors stop the run too. No engine here (run.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <msrtrap/msrtrap.h>

#include "common/input.h"
#include "common/cli.h"
#include "sim/sim.h"
#include "util/strbuf.h"
#include "util/strdist.h"
#include "util/vec.h"

#define MAX_TOKENS 16

static const struct keyword {
	const char *name;
	enum op_kind kind;
	unsigned int nargs;
	const char *const args[4];
	unsigned int extra; /* up to this many optional words after args */
	const char *extra_name;
} keywords[] = {
	{ "vendor", OP_VENDOR, 1, { "vmx|svm" }, 0, NULL },
	{ "vcpus", OP_VCPUS, 1, { "N" }, 0, NULL },
	{ "passthrough", OP_PASSTHROUGH, 1, { "all|kvm-2022" }, 0, NULL },
	{ "strategy", OP_STRATEGY, 1, { "NAME|all" }, 0, NULL },
	{ "kernel", OP_KERNEL, 1, { "v5.19|v6.0|v6.19" }, 0, NULL },
	{ "intercept", OP_INTERCEPT, 4,
	  { "VCPU|all", "MSR[-MSR]", "r|w|rw", "on|off" }, 0, NULL },
	{ "filter", OP_FILTER, 1, { "FILE.json|none" }, 0, NULL },
	{ "sync", OP_SYNC, 1, { "VCPU|all" }, 0, NULL },
	{ "expect", OP_EXPECT, 4,
	  { "VCPU|all", "MSR[-MSR]", "r|w|rw", "intercept|pass" }, 0, NULL },
	{ "print", OP_PRINT, 1, { "VCPU" }, 0, NULL },
	{ "save", OP_SAVE, 2, { "VCPU", "FILE" }, 0, NULL },
	{ "stats", OP_STATS, 0, { NULL }, 0, NULL },
	/* L1's controls after the file: up to one of each */
	{ "nested", OP_NESTED, 2, { "VCPU|all", "L1FILE|off" }, 5, "CONTROL" },
	{ "expect-l2", OP_EXPECT_L2, 4,
	  { "VCPU|all", "MSR[-MSR]", "r|w|rw", "intercept|pass" }, 0, NULL },
	{ "reflect", OP_REFLECT, 4, { "VCPU|all", "MSR", "r|w", "yes|no" }, 0, NULL },
	{ "apic", OP_APIC, 2, { "VCPU|all", "xapic|x2apic|disabled" }, 3, "apicv|ipiv|cmci" },
};

#define NKEYWORDS (sizeof(keywords) / sizeof(keywords[0]))

static void script_error(struct script *s, unsigned int line, unsigned int col,
			 const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void script_error(struct script *s, unsigned int line, unsigned int col,
			 const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%u:%u: error: ", s->path, line, col);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	s->errors++;
}

/* ---- lexing ---- */

struct tok {
	char *s;
	unsigned int col; /* 1-based */
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * Split a line into whitespace-separated tokens in place; a '#' at the
 * start of a token begins a comment. Returns the number of tokens, of
 * which the first MAX_TOKENS are stored; *end is the column just past
 * the last token.
 */
static unsigned int tokenize(char *line, struct tok *t, unsigned int *end)
{
	unsigned int n = 0;
	char *p = line;

	*end = 1;
	for (;;) {
		while (is_blank(*p))
			p++;
		if (!*p || *p == '#')
			return n;
		if (n < MAX_TOKENS) {
			t[n].s = p;
			t[n].col = (unsigned int)(p - line) + 1;
		}
		n++;
		while (*p && !is_blank(*p))
			p++;
		*end = (unsigned int)(p - line) + 1;
		if (*p)
			*p++ = 0;
	}
}

static const struct keyword *find_keyword(const char *word)
{
	for (size_t i = 0; i < NKEYWORDS; i++)
		if (!strcasecmp(word, keywords[i].name))
			return &keywords[i];
	return NULL;
}

static const char *suggest_keyword(const char *word)
{
	const char *names[NKEYWORDS];

	for (size_t i = 0; i < NKEYWORDS; i++)
		names[i] = keywords[i].name;
	return mt_suggest(word, strlen(word), names, NKEYWORDS);
}

/* "NAME ARG...", for messages; the caller frees it. */
static char *syntax(const struct keyword *kw)
{
	struct mt_strbuf b = MT_STRBUF_INIT;
	char *text;

	mt_strbuf_printf(&b, "%s", kw->name);
	for (unsigned int i = 0; i < kw->nargs; i++)
		mt_strbuf_printf(&b, " %s", kw->args[i]);
	if (kw->extra)
		mt_strbuf_printf(&b, " [%s...]", kw->extra_name);
	text = mt_strbuf_steal(&b, NULL);
	if (!text)
		abort(); /* the CLI may die on OOM */
	return text;
}

/* ---- operands ---- */

static bool parse_vcpu(struct script *s, unsigned int line,
		       const struct tok *t, bool allow_all, int *vcpu)
{
	uint32_t v;

	if (!strcasecmp(t->s, "all")) {
		if (allow_all) {
			*vcpu = VCPU_ALL;
			return true;
		}
		script_error(s, line, t->col, "expected one vCPU number, not 'all'");
		return false;
	}
	if (!parse_u32(t->s, &v)) {
		script_error(s, line, t->col,
			     "bad vCPU '%s': expected a number%s", clip(t->s),
			     allow_all ? " or all" : "");
		return false;
	}
	if (v >= s->vcpus) {
		script_error(s, line, t->col,
			     "no vCPU %u: the VM has %u vCPU%s (see 'vcpus N')",
			     v, s->vcpus, s->vcpus == 1 ? "" : "s");
		return false;
	}
	*vcpu = (int)v;
	return true;
}

/* An MSR operand: number, database name or A-B; "did you mean" for names. */
static bool parse_msrs(struct script *s, unsigned int line, const struct tok *t,
		       uint32_t *first, uint32_t *last)
{
	const char *why, *dash, *hint;
	char part[128];
	size_t off = 0, len;
	uint32_t v;

	if (parse_msr_operand(t->s, first, last, &why))
		return true;
	/* sim names the half of A-B at fault, with its own hint */
	if (strncmp(why, "unknown MSR name", strlen("unknown MSR name"))) {
		script_error(s, line, t->col, "bad MSR '%s': %s", clip(t->s),
			     why);
		return false;
	}
	/* which half of A-B is the unknown name? */
	dash = strchr(t->s, '-');
	len = dash ? (size_t)(dash - t->s) : strlen(t->s);
	if (len >= sizeof(part))
		len = sizeof(part) - 1;
	memcpy(part, t->s, len);
	part[len] = 0;
	if (dash && (parse_u32(part, &v) || !msrtrap_msr_lookup(part, NULL))) {
		off = (size_t)(dash - t->s) + 1;
		snprintf(part, sizeof(part), "%s", dash + 1);
	}
	hint = msrtrap_msr_suggest(part);
	if (hint)
		script_error(s, line, t->col + (unsigned int)off,
			     "unknown MSR name '%s' (did you mean '%s'?)",
			     clip(part), hint);
	else
		script_error(s, line, t->col + (unsigned int)off,
			     "unknown MSR name '%s'", clip(part));
	return false;
}

static bool parse_access(struct script *s, unsigned int line,
			 const struct tok *t, unsigned int *access)
{
	if (!strcasecmp(t->s, "r"))
		*access = MSRTRAP_READ;
	else if (!strcasecmp(t->s, "w"))
		*access = MSRTRAP_WRITE;
	else if (!strcasecmp(t->s, "rw"))
		*access = MSRTRAP_RW;
	else {
		script_error(s, line, t->col,
			     "bad access '%s': expected r, w or rw",
			     clip(t->s));
		return false;
	}
	return true;
}

static bool parse_choice(struct script *s, unsigned int line,
			 const struct tok *t, const char *yes, const char *no,
			 bool *out)
{
	if (!strcasecmp(t->s, yes))
		*out = true;
	else if (!strcasecmp(t->s, no))
		*out = false;
	else {
		script_error(s, line, t->col, "expected %s or %s, not '%s'",
			     yes, no, clip(t->s));
		return false;
	}
	return true;
}

static void lower(const char *in, char *out, size_t size)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < size; i++)
		out[i] = (char)(in[i] >= 'A' && in[i] <= 'Z' ? in[i] + 32 : in[i]);
	out[i] = 0;
}

bool sim_strategy_parse(const char *arg, int *strategy)
{
	char word[64];
	int v;

	lower(arg, word, sizeof(word));
	v = strcmp(word, "all") ? msrtrap_strategy_parse(word) : STRATEGY_ALL;
	if (v < 0 && strcmp(word, "all"))
		return false;
	*strategy = v;
	return true;
}

static const char *format_title(enum msrtrap_format fmt)
{
	return fmt == MSRTRAP_FMT_VMX ? "VMX MSR bitmap" : "SVM MSR permission map";
}

/* An intercept's MSRs, which the format must represent. */
static bool parse_intercept_msrs(struct script *s, unsigned int line,
				 const struct tok *t, struct op *op)
{
	struct mt_strbuf spans = MT_STRBUF_INIT;
	uint32_t lo, hi;

	if (!parse_msrs(s, line, t, &op->first, &op->last))
		return false;
	if (format_covers_range(s->fmt, op->first, op->last))
		return true;
	for (unsigned int i = 0; msrtrap_format_span(s->fmt, i, &lo, &hi) == 0;
	     i++)
		mt_strbuf_printf(&spans, "%s0x%x-0x%x", i ? ", " : "", lo, hi);
	script_error(s, line, t->col,
		     "%s: not representable in a %s (it holds %s)", clip(t->s),
		     format_title(s->fmt), spans.s ? spans.s : "");
	mt_strbuf_fini(&spans);
	return false;
}

/* Keep a message on one line whatever the JSON text held. */
static void printable(char *p)
{
	for (; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

/* Does file name a parent directory anywhere ("..", "a/../b", "x/..")? */
static bool has_dotdot(const char *file)
{
	for (const char *p = file; (p = strstr(p, "..")); p += 2)
		if ((p == file || p[-1] == '/') && (!p[2] || p[2] == '/'))
			return true;
	return false;
}

static char *resolve(const struct script *s, const char *file)
{
	size_t n = strlen(s->dir) + strlen(file) + 1;
	char *path = malloc(n);

	if (!path)
		abort(); /* the CLI may die on OOM */
	snprintf(path, n, "%s%s", file[0] == '/' ? "" : s->dir, file);
	return path;
}

/* Load and validate a filter file now, so that errors stop the run. */
/*
 * Read the file a `filter` or `nested` operand names (resolved against the
 * script's directory into op->path), reporting failures at the operand,
 * the limit as every command words read_file()'s.
 */
static bool read_operand_file(struct script *s, unsigned int line,
			      const struct tok *t, struct op *op,
			      uint8_t **data, size_t *len)
{
	int err;

	op->path = resolve(s, t->s);
	err = s->env->read_filter(op->path, data, len);
	if (err == -EFBIG)
		script_error(s, line, t->col,
			     "%s: larger than %zu bytes (see --max-input)",
			     op->path, read_file_limit);
	else if (err)
		script_error(s, line, t->col, "%s: cannot read: %s", op->path,
			     strerror(-err));
	return !err;
}

static bool load_filter(struct script *s, unsigned int line,
			const struct tok *t, struct op *op)
{
	MSRTRAP_OPTS(msrtrap_error, diag);
	uint8_t *data;
	size_t len, skip, i;
	int err;

	if (!strcasecmp(t->s, "none")) {
		op->filter = NULL;
		return true;
	}
	if (!read_operand_file(s, line, t, op, &data, &len))
		return false;
	/*
	 * A file that is no JSON document at all is said to be so, without
	 * jansson's "near '...'" quoting its first word: a script may name
	 * any file the user can read (review D7: filter /etc/shadow quoted
	 * 'root'). A UTF-8 byte-order mark is skipped, as the CLI does.
	 */
	skip = len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3) ? 3 : 0;
	for (i = skip; i < len && (data[i] == ' ' || data[i] == '\t' ||
				   data[i] == '\r' || data[i] == '\n');
	     i++)
		;
	if (i == len || data[i] != '{') {
		free(data);
		script_error(s, line, t->col,
			     "%s: not a KVM filter in the JSON format (no '{' "
			     "starts it)",
			     op->path);
		return false;
	}
	err = msrtrap_filter_from_json((const char *)data + skip, len - skip,
				       &op->filter, &diag);
	free(data);
	if (!err)
		err = msrtrap_filter_validate(op->filter, &diag);
	if (!err)
		return true;
	printable(diag.where);
	printable(diag.message);
	if (diag.where[0])
		script_error(s, line, t->col, "%s: %s: %s: %s", op->path,
			     input_errno_name(err), diag.where, diag.message);
	else
		script_error(s, line, t->col, "%s: %s: %s", op->path,
			     input_errno_name(err), diag.message);
	return false;
}

static bool parse_setup(struct script *s, unsigned int line,
			const struct keyword *kw, const struct tok *t)
{
	unsigned int kw_col = t[0].col;
	char word[64];
	uint32_t n;
	int v;

	if (s->first_op_line) {
		script_error(s, line, kw_col,
			     "'%s' must come before the first operation (line %u)",
			     kw->name, s->first_op_line);
		return false;
	}
	if (s->setup_line[kw->kind]) {
		script_error(s, line, kw_col, "'%s' given twice (first on line %u)",
			     kw->name, s->setup_line[kw->kind]);
		return false;
	}
	s->setup_line[kw->kind] = line;
	lower(t[1].s, word, sizeof(word));
	switch (kw->kind) {
	case OP_VENDOR:
		if (!strcmp(word, "vmx")) {
			s->fmt = MSRTRAP_FMT_VMX;
		} else if (!strcmp(word, "svm")) {
			s->fmt = MSRTRAP_FMT_SVM;
		} else {
			script_error(s, line, t[1].col,
				     "unknown vendor '%s': expected vmx or svm",
				     clip(t[1].s));
			return false;
		}
		return true;
	case OP_VCPUS:
		if (!parse_u32(t[1].s, &n) || n < 1 || n > s->env->max_vcpus) {
			script_error(s, line, t[1].col,
				     "bad vCPU count '%s': expected 1 to %u",
				     clip(t[1].s), s->env->max_vcpus);
			return false;
		}
		s->vcpus = n;
		return true;
	case OP_PASSTHROUGH:
		v = msrtrap_passthrough_parse(word);
		if (v < 0) {
			script_error(
				s, line, t[1].col,
				"unknown pass-through set '%s': expected all or kvm-2022",
				clip(t[1].s));
			return false;
		}
		s->passthrough = (enum msrtrap_passthrough)v;
		return true;
	case OP_KERNEL:
		v = msrtrap_kernel_parse(word);
		if (v < 0) {
			script_error(s, line, t[1].col,
				     "unknown kernel '%s': expected v5.19, v6.0 or v6.19",
				     clip(t[1].s));
			return false;
		}
		s->kernel = (enum msrtrap_kernel)v;
		return true;
	default:
		if (!sim_strategy_parse(t[1].s, &s->strategy)) {
			script_error(
				s, line, t[1].col,
				"unknown strategy '%s': expected reapply-all, skip-intercepted, recompute, delta or all",
				clip(t[1].s));
			return false;
		}
		return true;
	}
}

static void unknown_keyword(struct script *s, unsigned int line,
			    const struct tok *t)
{
	const char *hint = suggest_keyword(t->s);

	if (hint)
		script_error(s, line, t->col,
			     "unknown keyword '%s' (did you mean '%s'?)",
			     clip(t->s), hint);
	else
		script_error(s, line, t->col, "unknown keyword '%s'",
			     clip(t->s));
}

/* Exactly kw->nargs operands after the keyword? */
static bool check_arity(struct script *s, unsigned int line,
			const struct keyword *kw, const struct tok *t,
			unsigned int n, unsigned int end)
{
	char *usage;

	if (n - 1 >= kw->nargs && n - 1 <= kw->nargs + kw->extra)
		return true;
	usage = syntax(kw);
	if (n - 1 < kw->nargs)
		script_error(s, line, end,
			     "missing %s (%s)", kw->args[n - 1], usage);
	else
		script_error(s, line, t[kw->nargs + kw->extra + 1].col,
			     "unexpected '%s' (%s)",
			     clip(t[kw->nargs + kw->extra + 1].s), usage);
	free(usage);
	return false;
}

/* ---- nested lines: L1's map, L2 expectations (docs/sim.md) ---- */

/* Which vCPUs are in L2 at this point of the script (parse order). */
static bool *l2_state(struct script *s)
{
	if (!s->in_l2) {
		s->in_l2 = calloc(s->vcpus, sizeof(*s->in_l2));
		if (!s->in_l2)
			abort(); /* the CLI may die on OOM */
	}
	return s->in_l2;
}

static void set_l2(struct script *s, int vcpu, bool in)
{
	bool *in_l2 = l2_state(s);

	for (unsigned int v = 0; v < s->vcpus; v++)
		if (vcpu == VCPU_ALL || v == (unsigned int)vcpu)
			in_l2[v] = in;
}

/* expect-l2 and reflect need their vCPUs in L2. */
static bool need_l2(struct script *s, unsigned int line, const struct tok *t,
		    int vcpu)
{
	bool *in_l2 = l2_state(s);

	for (unsigned int v = 0; v < s->vcpus; v++)
		if ((vcpu == VCPU_ALL || v == (unsigned int)vcpu) && !in_l2[v]) {
			script_error(s, line, t->col,
				     "vcpu %u is not in L2 here (no 'nested %u L1FILE' "
				     "line before)", v, v);
			return false;
		}
	return true;
}

/* L1's raw map for the script's vendor, read as filter files are. */
static bool load_l1_map(struct script *s, unsigned int line,
			const struct tok *t, struct op *op)
{
	size_t want = msrtrap_format_size(s->fmt), len;
	uint8_t *data;

	if (!read_operand_file(s, line, t, op, &data, &len))
		return false;
	if (len != want) {
		free(data);
		script_error(s, line, t->col,
			     "%s: %zu bytes, but L1's map is a %s of %zu bytes "
			     "(the script's vendor is %s)", op->path, len,
			     format_title(s->fmt), want, msrtrap_format_name(s->fmt));
		return false;
	}
	op->l1map = data;
	return true;
}

/* nested VCPU|all L1FILE [CONTROL...] | nested VCPU|all off */
static bool parse_nested(struct script *s, unsigned int line,
			 const struct tok *t, struct op *op)
{
	bool ok = parse_vcpu(s, line, &t[1], true, &op->vcpu);

	if (!strcasecmp(t[2].s, "off")) {
		if (t[3].s[0]) {
			script_error(s, line, t[3].col,
				     "unexpected '%s': 'nested VCPU off' takes no controls",
				     clip(t[3].s));
			return false;
		}
		if (ok)
			set_l2(s, op->vcpu, false);
		return ok;
	}
	if (s->kernel == MSRTRAP_KERNEL_V5_19) {
		script_error(s, line, t[0].col,
			     "nested: the merge is modelled for kernel v6.0 and "
			     "v6.19, not v5.19");
		ok = false;
	}
	ok &= load_l1_map(s, line, &t[2], op);
	for (unsigned int i = 3; t[i].s[0]; i++) {
		enum msrtrap_format fmt;
		int bit = nested_control(t[i].s, strlen(t[i].s), &fmt);

		if (bit < 0) {
			script_error(s, line, t[i].col,
				     "unknown control '%s': expected " NESTED_CONTROL_WORDS,
				     clip(t[i].s));
			ok = false;
		} else if (fmt != s->fmt) {
			script_error(s, line, t[i].col,
				     "%s is %s control; the script's vendor is %s",
				     t[i].s, fmt == MSRTRAP_FMT_VMX ? "a VMX" : "an SVM",
				     msrtrap_format_name(s->fmt));
			ok = false;
		} else {
			op->controls |= (unsigned int)bit;
		}
	}
	if (ok)
		set_l2(s, op->vcpu, true);
	return ok;
}

/* apic VCPU|all xapic|x2apic|disabled [apicv] [ipiv] [cmci] */
static bool parse_apic(struct script *s, unsigned int line,
		       const struct tok *t, struct op *op)
{
	static const struct {
		const char *word;
		unsigned int flag;
	} extras[] = {
		{ "apicv", MSRTRAP_APIC_APICV },
		{ "ipiv", MSRTRAP_APIC_IPIV },
		{ "cmci", MSRTRAP_APIC_CMCI },
	};
	bool ok = parse_vcpu(s, line, &t[1], true, &op->vcpu);

	if (!strcasecmp(t[2].s, "x2apic")) {
		op->controls = MSRTRAP_APIC_X2APIC;
	} else if (strcasecmp(t[2].s, "xapic") && strcasecmp(t[2].s, "disabled")) {
		script_error(s, line, t[2].col,
			     "unknown APIC mode '%s': expected xapic, x2apic or disabled",
			     clip(t[2].s));
		ok = false;
	}
	for (unsigned int i = 3; t[i].s[0]; i++) {
		size_t e;

		for (e = 0; e < sizeof(extras) / sizeof(extras[0]); e++)
			if (!strcasecmp(t[i].s, extras[e].word))
				break;
		if (e == sizeof(extras) / sizeof(extras[0])) {
			script_error(s, line, t[i].col,
				     "unknown APIC feature '%s': expected apicv, ipiv or cmci",
				     clip(t[i].s));
			ok = false;
			continue;
		}
		op->controls |= extras[e].flag;
	}
	if (s->fmt == MSRTRAP_FMT_SVM && s->kernel == MSRTRAP_KERNEL_V5_19) {
		script_error(s, line, t[0].col,
			     "apic: SVM under kernel v5.19 had no x2AVIC");
		ok = false;
	}
	return ok;
}

/* reflect VCPU|all MSR r|w yes|no */
static bool parse_reflect(struct script *s, unsigned int line,
			  const struct tok *t, struct op *op)
{
	bool ok = parse_vcpu(s, line, &t[1], true, &op->vcpu);

	if (parse_msrs(s, line, &t[2], &op->first, &op->last) &&
	    op->first != op->last) {
		script_error(s, line, t[2].col,
			     "expected one MSR, not the interval '%s'", clip(t[2].s));
		ok = false;
	}
	if (parse_access(s, line, &t[3], &op->access) && op->access == MSRTRAP_RW) {
		script_error(s, line, t[3].col,
			     "expected r or w: an exit is a read or a write");
		ok = false;
	}
	ok &= parse_choice(s, line, &t[4], "yes", "no", &op->on);
	return ok && need_l2(s, line, &t[1], op->vcpu);
}

/* The operands of an operation (not a set-up line) into *op. */
static bool parse_op(struct script *s, unsigned int line, const struct tok *t,
		     struct op *op)
{
	bool ok = true;

	switch (op->kind) {
	case OP_INTERCEPT:
		ok &= parse_vcpu(s, line, &t[1], true, &op->vcpu);
		ok &= parse_intercept_msrs(s, line, &t[2], op);
		ok &= parse_access(s, line, &t[3], &op->access);
		ok &= parse_choice(s, line, &t[4], "on", "off", &op->on);
		return ok;
	case OP_EXPECT:
		ok &= parse_vcpu(s, line, &t[1], true, &op->vcpu);
		ok &= parse_msrs(s, line, &t[2], &op->first, &op->last);
		ok &= parse_access(s, line, &t[3], &op->access);
		ok &= parse_choice(s, line, &t[4], "intercept", "pass", &op->on);
		return ok;
	case OP_EXPECT_L2:
		ok &= parse_vcpu(s, line, &t[1], true, &op->vcpu);
		ok &= parse_msrs(s, line, &t[2], &op->first, &op->last);
		ok &= parse_access(s, line, &t[3], &op->access);
		ok &= parse_choice(s, line, &t[4], "intercept", "pass", &op->on);
		return ok && need_l2(s, line, &t[1], op->vcpu);
	case OP_NESTED:
		return parse_nested(s, line, t, op);
	case OP_REFLECT:
		return parse_reflect(s, line, t, op);
	case OP_APIC:
		return parse_apic(s, line, t, op);
	case OP_FILTER:
		return load_filter(s, line, &t[1], op);
	case OP_SYNC:
		return parse_vcpu(s, line, &t[1], true, &op->vcpu);
	case OP_PRINT:
		return parse_vcpu(s, line, &t[1], false, &op->vcpu);
	case OP_SAVE:
		ok = parse_vcpu(s, line, &t[1], false, &op->vcpu);
		if (s->env->no_save) {
			script_error(s, line, t[2].col,
				     "save: writing files is disabled here");
			ok = false;
		}
		/*
		 * A shared script must not write outside its own tree: the
		 * bitmap's bytes are the script's to choose (review D7).
		 */
		if (!s->env->allow_paths &&
		    (t[2].s[0] == '/' || has_dotdot(t[2].s))) {
			script_error(
				s, line, t[2].col,
				"save: '%s' leaves the script's directory; "
				"save writes only inside it (see --allow-paths)",
				clip(t[2].s));
			ok = false;
		}
		op->path = resolve(s, t[2].s);
		return ok;
	default:
		return true;
	}
}

static void parse_line(struct script *s, unsigned int line, char *text)
{
	struct tok t[MAX_TOKENS];
	const struct keyword *kw;
	unsigned int end, n = tokenize(text, t, &end);
	struct op op = { .line = line };

	if (!n)
		return;
	/* tokens past the line read as empty at its end (check_arity()
	 * keeps the parsers from them; the analyzer cannot see that) */
	for (unsigned int i = n; i < MAX_TOKENS; i++)
		t[i] = (struct tok){ (char *)"", end };
	kw = find_keyword(t[0].s);
	if (!kw) {
		unknown_keyword(s, line, &t[0]);
		return;
	}
	if (!check_arity(s, line, kw, t, n, end))
		return;
	if (kw->kind < SETUP_OPS) {
		parse_setup(s, line, kw, t);
		return;
	}
	if (!s->first_op_line)
		s->first_op_line = line;
	op.kind = kw->kind;
	if (!parse_op(s, line, t, &op)) {
		msrtrap_filter_free(op.filter);
		free(op.path);
		free(op.l1map);
		return;
	}
	if (mt_vec_reserve(&s->ops, &s->cap, s->nops + 1))
		abort(); /* the CLI may die on OOM */
	s->ops[s->nops++] = op;
}

/*
 * A kernel profile brings its own pass-through list and runs the one
 * strategy that reproduces that kernel (msrtrap_kernel_strategy()):
 * `passthrough` does not go with it, and a strategy, if chosen, must be
 * that one; with none (all) the profile's is run.
 */
static void check_kernel(struct script *s)
{
	unsigned int line = s->setup_line[OP_KERNEL];
	int ks;

	if (s->kernel == MSRTRAP_KERNEL_NONE)
		return;
	ks = msrtrap_kernel_strategy(s->kernel, s->fmt);
	if (s->setup_line[OP_PASSTHROUGH])
		script_error(s, s->setup_line[OP_PASSTHROUGH], 1,
			     "'passthrough' does not go with 'kernel' (line %u): "
			     "the kernel's own list is used", line);
	if (s->strategy == STRATEGY_ALL)
		s->strategy = ks;
	else if (s->strategy != ks)
		script_error(s, line, 1,
			     "kernel %s on %s is reproduced by strategy %s, not %s",
			     msrtrap_kernel_name(s->kernel), msrtrap_format_name(s->fmt),
			     msrtrap_strategy_name((enum msrtrap_strategy)ks),
			     msrtrap_strategy_name((enum msrtrap_strategy)s->strategy));
}

void script_free(struct script *s)
{
	for (size_t i = 0; i < s->nops; i++) {
		msrtrap_filter_free(s->ops[i].filter);
		free(s->ops[i].path);
		free(s->ops[i].l1map);
	}
	free(s->ops);
	free(s->in_l2);
	free(s->dir);
}

/*
 * Parse the whole script: len bytes of text, NUL-terminated one past len
 * and modified in place. EXIT_OK, or EXIT_BAD_INPUT after the errors.
 */
int script_parse(struct script *s, const char *path, char *text,
		 size_t len, int strategy, const struct sim_env *env)
{
	const char *slash = strrchr(path, '/');
	char *line, *nl;
	unsigned int lineno = 0;

	memset(s, 0, sizeof(*s));
	s->path = path;
	s->env = env;
	s->fmt = MSRTRAP_FMT_VMX;
	s->vcpus = 1;
	s->passthrough = MSRTRAP_PASSTHROUGH_ALL;
	s->strategy = STRATEGY_ALL;
	s->kernel = MSRTRAP_KERNEL_NONE;
	s->dir = strdup("");
	if (slash && strcmp(path, "-")) {
		free(s->dir);
		s->dir = strndup(path, (size_t)(slash - path) + 1);
	}
	if (!s->dir)
		abort();
	if (memchr(text, 0, len))
		return fail(path, "not a script: it holds NUL bytes");
	for (line = text; line < text + len || (line == text && !len); line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		parse_line(s, ++lineno, line);
		if (!nl)
			break;
	}
	if (strategy != STRATEGY_UNSET)
		s->strategy = strategy;
	check_kernel(s);
	return s->errors ? EXIT_BAD_INPUT : EXIT_OK;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msrtrap sim [--strategy NAME|all] [--json] SCRIPT: replay a scenario of
 * intercept changes, filter installs and vCPU syncs on the intercept
 * engine, one VM per refresh strategy, and check that every strategy
 * produces the same bitmaps (spec §4.4, invariants 33-40). The script
 * format is a contract: docs/sim.md.
 *
 * Two phases: the whole script is parsed first (every error reported, in
 * one pass, nothing run), then every operation is applied to every VM.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <msrtrap/msrtrap.h>

#include "common/input.h"
#include "common/cli.h"
#include "sim/sim.h"

static const char sim_usage[] =
	"usage: msrtrap sim [--strategy NAME|all] [--json] SCRIPT\n"
	"\n"
	"Replay SCRIPT, a line-oriented scenario of intercept changes, KVM MSR\n"
	"filter installs and vCPU syncs, on the intercept engine and check its\n"
	"expect lines (format: docs/sim.md). With several strategies (the\n"
	"default, 'all') one VM runs per strategy, every line is applied to\n"
	"each, and after every sync the effective bitmaps of all strategies\n"
	"must be identical byte for byte. Errors in SCRIPT are all reported,\n"
	"as SCRIPT:LINE:COL, before anything runs. SCRIPT may be - for stdin;\n"
	"filter files are relative to the script's directory.\n"
	"\n"
	"  --strategy S  reapply-all, skip-intercepted, recompute, delta or all;\n"
	"                wins over the script's strategy line\n"
	"  --json        print one JSON document for the whole run: set-up,\n"
	"                events (sync, expect, print, save, stats, disagree),\n"
	"                totals and \"ok\" (docs/sim.md)\n"
	"\n"
	"Exit 0 when every expect holds and the strategies agree, 1 when not,\n"
	"when SCRIPT has errors or cannot be read, 2 on usage errors.\n";

#define STRATEGY_ALL (-1)
#define STRATEGY_UNSET (-2) /* no --strategy */
#define VCPU_ALL (-1)
#define MAX_VCPUS 4096u
#define MAX_TOKENS 16

enum op_kind {
	OP_VENDOR,
	OP_VCPUS,
	OP_PASSTHROUGH,
	OP_STRATEGY,
	OP_INTERCEPT,
	OP_FILTER,
	OP_SYNC,
	OP_EXPECT,
	OP_PRINT,
	OP_SAVE,
	OP_STATS,
};

#define SETUP_OPS 4 /* OP_VENDOR .. OP_STRATEGY come first */

static const struct keyword {
	const char *name;
	enum op_kind kind;
	unsigned int nargs;
	const char *const args[4];
} keywords[] = {
	{ "vendor", OP_VENDOR, 1, { "vmx|svm" } },
	{ "vcpus", OP_VCPUS, 1, { "N" } },
	{ "passthrough", OP_PASSTHROUGH, 1, { "all|kvm-2022" } },
	{ "strategy", OP_STRATEGY, 1, { "NAME|all" } },
	{ "intercept", OP_INTERCEPT, 4,
	  { "VCPU|all", "MSR[-MSR]", "r|w|rw", "on|off" } },
	{ "filter", OP_FILTER, 1, { "FILE.json|none" } },
	{ "sync", OP_SYNC, 1, { "VCPU|all" } },
	{ "expect", OP_EXPECT, 4,
	  { "VCPU|all", "MSR[-MSR]", "r|w|rw", "intercept|pass" } },
	{ "print", OP_PRINT, 1, { "VCPU" } },
	{ "save", OP_SAVE, 2, { "VCPU", "FILE" } },
	{ "stats", OP_STATS, 0, { NULL } },
};

#define NKEYWORDS (sizeof(keywords) / sizeof(keywords[0]))

struct op {
	enum op_kind kind;
	unsigned int line;
	int vcpu;		/* VCPU_ALL for all */
	uint32_t first, last;	/* intercept, expect */
	unsigned int access;	/* intercept, expect */
	bool on;		/* intercept: on; expect: want intercept */
	struct msrtrap_filter *filter; /* filter; NULL for none */
	char *path;		/* filter (for messages), save */
};

struct script {
	const char *path;
	const struct sim_env *env; /* file access and limits; never NULL */
	char *dir;		/* "" or the script's directory with a '/' */
	unsigned int errors;
	/* set-up */
	enum msrtrap_format fmt;
	unsigned int vcpus;
	enum msrtrap_passthrough passthrough;
	int strategy;		/* STRATEGY_ALL or an enum msrtrap_strategy */
	unsigned int setup_line[SETUP_OPS];
	unsigned int first_op_line;
	/* the operations, in order */
	struct op *ops;
	size_t nops, cap;
};

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

/* Levenshtein distance of two short strings, case-insensitive. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[33];

	if (la > 32 || lb > 32)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], cost = (a[i - 1] | 0x20) != (b[j - 1] | 0x20);
			size_t best = diag + cost;

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
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
	const char *best = NULL;
	size_t best_d = 3;

	for (size_t i = 0; i < NKEYWORDS; i++) {
		size_t d = distance(word, keywords[i].name);

		if (d < best_d) {
			best_d = d;
			best = keywords[i].name;
		}
	}
	return best;
}

static void syntax(const struct keyword *kw, char *buf, size_t size)
{
	size_t used = (size_t)snprintf(buf, size, "%s", kw->name);

	for (unsigned int i = 0; i < kw->nargs && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, " %s",
					 kw->args[i]);
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
		script_error(s, line, t->col, "bad vCPU '%s': expected a number%s",
			     t->s, allow_all ? " or all" : "");
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
	if (strcmp(why, "unknown MSR name")) {
		script_error(s, line, t->col, "bad MSR '%s': %s", t->s, why);
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
			     "unknown MSR name '%s' (did you mean %s?)", part, hint);
	else
		script_error(s, line, t->col + (unsigned int)off,
			     "unknown MSR name '%s'", part);
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
		script_error(s, line, t->col, "bad access '%s': expected r, w or rw",
			     t->s);
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
		script_error(s, line, t->col, "expected %s or %s, not '%s'", yes,
			     no, t->s);
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

static const char *format_title(enum msrtrap_format fmt)
{
	return fmt == MSRTRAP_FMT_VMX ? "VMX MSR bitmap" : "SVM MSR permission map";
}

/* Is [first, last] inside one span the format represents? */
static bool representable(enum msrtrap_format fmt, uint32_t first,
			  uint32_t last)
{
	uint32_t lo, hi;

	for (unsigned int i = 0; msrtrap_format_span(fmt, i, &lo, &hi) == 0; i++)
		if (first >= lo && last <= hi)
			return true;
	return false;
}

static void spans_text(enum msrtrap_format fmt, char *buf, size_t size)
{
	size_t used = 0;
	uint32_t lo, hi;

	buf[0] = 0;
	for (unsigned int i = 0; msrtrap_format_span(fmt, i, &lo, &hi) == 0 &&
				 used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s0x%x-0x%x",
					 i ? ", " : "", lo, hi);
}

/* Keep a message on one line whatever the JSON text held. */
static void printable(char *p)
{
	for (; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
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
static bool load_filter(struct script *s, unsigned int line,
			const struct tok *t, struct op *op)
{
	struct msrtrap_error diag = { "", "" };
	uint8_t *data;
	size_t len;
	int err;

	if (!strcasecmp(t->s, "none")) {
		op->filter = NULL;
		return true;
	}
	op->path = resolve(s, t->s);
	err = s->env->read_filter(op->path, &data, &len);
	if (err) {
		script_error(s, line, t->col, "%s: cannot read: %s", op->path,
			     strerror(-err));
		return false;
	}
	err = msrtrap_filter_from_json((const char *)data, len, &op->filter,
				       &diag);
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
				     "unknown vendor '%s': expected vmx or svm", t[1].s);
			return false;
		}
		return true;
	case OP_VCPUS:
		if (!parse_u32(t[1].s, &n) || n < 1 || n > s->env->max_vcpus) {
			script_error(s, line, t[1].col,
				     "bad vCPU count '%s': expected 1 to %u", t[1].s,
				     s->env->max_vcpus);
			return false;
		}
		s->vcpus = n;
		return true;
	case OP_PASSTHROUGH:
		v = msrtrap_passthrough_parse(word);
		if (v < 0) {
			script_error(s, line, t[1].col,
				     "unknown pass-through set '%s': expected all or kvm-2022",
				     t[1].s);
			return false;
		}
		s->passthrough = (enum msrtrap_passthrough)v;
		return true;
	default:
		v = strcmp(word, "all") ? msrtrap_strategy_parse(word) :
					  STRATEGY_ALL;
		if (v < 0 && strcmp(word, "all")) {
			script_error(s, line, t[1].col,
				     "unknown strategy '%s': expected reapply-all, skip-intercepted, recompute, delta or all",
				     t[1].s);
			return false;
		}
		s->strategy = v;
		return true;
	}
}

static void parse_line(struct script *s, unsigned int line, char *text)
{
	struct tok t[MAX_TOKENS];
	const struct keyword *kw;
	char usage[96];
	unsigned int end, n = tokenize(text, t, &end);
	struct op op = { .line = line };
	const char *hint;
	bool ok = true;

	if (!n)
		return;
	kw = find_keyword(t[0].s);
	if (!kw) {
		hint = suggest_keyword(t[0].s);
		if (hint)
			script_error(s, line, t[0].col,
				     "unknown keyword '%s' (did you mean '%s'?)",
				     t[0].s, hint);
		else
			script_error(s, line, t[0].col, "unknown keyword '%s'",
				     t[0].s);
		return;
	}
	syntax(kw, usage, sizeof(usage));
	if (n - 1 < kw->nargs) {
		script_error(s, line, end,
			     "missing %s (%s)", kw->args[n - 1], usage);
		return;
	}
	if (n - 1 > kw->nargs) {
		script_error(s, line, t[kw->nargs + 1].col,
			     "unexpected '%s' (%s)", t[kw->nargs + 1].s, usage);
		return;
	}
	if (kw->kind < SETUP_OPS) {
		parse_setup(s, line, kw, t);
		return;
	}
	if (!s->first_op_line)
		s->first_op_line = line;
	op.kind = kw->kind;
	switch (kw->kind) {
	case OP_INTERCEPT:
		ok &= parse_vcpu(s, line, &t[1], true, &op.vcpu);
		if (parse_msrs(s, line, &t[2], &op.first, &op.last) &&
		    !representable(s->fmt, op.first, op.last)) {
			spans_text(s->fmt, usage, sizeof(usage));
			script_error(s, line, t[2].col,
				     "%s: not representable in a %s (it holds %s)",
				     t[2].s, format_title(s->fmt), usage);
			ok = false;
		}
		ok &= parse_access(s, line, &t[3], &op.access);
		ok &= parse_choice(s, line, &t[4], "on", "off", &op.on);
		break;
	case OP_EXPECT:
		ok &= parse_vcpu(s, line, &t[1], true, &op.vcpu);
		ok &= parse_msrs(s, line, &t[2], &op.first, &op.last);
		ok &= parse_access(s, line, &t[3], &op.access);
		ok &= parse_choice(s, line, &t[4], "intercept", "pass", &op.on);
		break;
	case OP_FILTER:
		ok = load_filter(s, line, &t[1], &op);
		break;
	case OP_SYNC:
		ok = parse_vcpu(s, line, &t[1], true, &op.vcpu);
		break;
	case OP_PRINT:
		ok = parse_vcpu(s, line, &t[1], false, &op.vcpu);
		break;
	case OP_SAVE:
		ok = parse_vcpu(s, line, &t[1], false, &op.vcpu);
		if (s->env->no_save) {
			script_error(s, line, t[2].col,
				     "save: writing files is disabled here");
			ok = false;
		}
		op.path = resolve(s, t[2].s);
		break;
	default:
		break;
	}
	if (!ok) {
		msrtrap_filter_free(op.filter);
		free(op.path);
		return;
	}
	if (s->nops == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 32;
		s->ops = realloc(s->ops, s->cap * sizeof(*s->ops));
		if (!s->ops)
			abort();
	}
	s->ops[s->nops++] = op;
}

static void script_free(struct script *s)
{
	for (size_t i = 0; i < s->nops; i++) {
		msrtrap_filter_free(s->ops[i].filter);
		free(s->ops[i].path);
	}
	free(s->ops);
	free(s->dir);
}

/*
 * Parse the whole script: len bytes of text, NUL-terminated one past len
 * and modified in place. EXIT_OK, or EXIT_BAD_INPUT after the errors.
 */
static int script_parse(struct script *s, const char *path, char *text,
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
	return s->errors ? EXIT_BAD_INPUT : EXIT_OK;
}

/* ---- running ---- */

struct sim {
	struct script *s;
	unsigned int nstrat;
	enum msrtrap_strategy strat[MSRTRAP_STRATEGY_COUNT];
	struct msrtrap_engine *vm[MSRTRAP_STRATEGY_COUNT];
	struct msrtrap_engine_vcpu **vcpu[MSRTRAP_STRATEGY_COUNT];
	size_t size;		/* bitmap bytes */
	json_t *events;		/* --json */
	unsigned int syncs, expects, expects_failed;
	bool disagreed, failed;
};

static const char *access_name(unsigned int access)
{
	return access == MSRTRAP_READ ? "read" :
	       access == MSRTRAP_WRITE ? "write" : "rw";
}

static const uint8_t *bitmap(const struct sim *m, unsigned int k, unsigned int v)
{
	return msrtrap_engine_vcpu_bitmap(m->vcpu[k][v]);
}

static void vcpu_range(const struct sim *m, int vcpu, unsigned int *lo,
		       unsigned int *hi)
{
	*lo = vcpu == VCPU_ALL ? 0 : (unsigned int)vcpu;
	*hi = vcpu == VCPU_ALL ? m->s->vcpus - 1 : (unsigned int)vcpu;
}

static json_t *vcpu_json(int vcpu)
{
	return vcpu == VCPU_ALL ? json_string("all") : json_integer(vcpu);
}

static void event(struct sim *m, const struct op *op, const char *kind,
		  json_t *fields)
{
	json_t *e;

	if (!m->events) {
		json_decref(fields);
		return;
	}
	e = json_pack("{s:I, s:s}", "line", (json_int_t)op->line, "event", kind);
	json_object_update(e, fields);
	json_decref(fields);
	json_array_append_new(m->events, e);
}

static int run_error(struct sim *m, const struct op *op, const char *what,
		     int err, const struct msrtrap_error *diag)
{
	char msg[256];

	if (diag && diag->where[0])
		snprintf(msg, sizeof(msg), "%s: %s: %s: %s", what,
			 input_errno_name(err), diag->where, diag->message);
	else if (diag && diag->message[0])
		snprintf(msg, sizeof(msg), "%s: %s: %s", what,
			 input_errno_name(err), diag->message);
	else
		snprintf(msg, sizeof(msg), "%s: %s", what, strerror(-err));
	fprintf(stderr, "%s:%u: error: %s\n", m->s->path, op->line, msg);
	event(m, op, "error", json_pack("{s:s}", "message", msg));
	m->failed = true;
	return EXIT_BAD_INPUT;
}

/*
 * The first MSR (in MSR order, read before write) whose bit differs
 * between two bitmaps; false when only bytes outside every MSR differ.
 */
static bool first_difference(enum msrtrap_format fmt, const void *a,
			     const void *b, uint32_t *msr, unsigned int *access)
{
	uint32_t first, last;

	for (unsigned int i = 0; msrtrap_format_span(fmt, i, &first, &last) == 0;
	     i++)
		for (uint64_t x = first; x <= last; x++)
			for (unsigned int acc = MSRTRAP_READ; acc <= MSRTRAP_WRITE;
			     acc++)
				if (msrtrap_raw_test(fmt, a, (uint32_t)x, acc) !=
				    msrtrap_raw_test(fmt, b, (uint32_t)x, acc)) {
					*msr = (uint32_t)x;
					*access = acc;
					return true;
				}
	return false;
}

static void report_disagreement(struct sim *m, const struct op *op,
				unsigned int v, unsigned int k)
{
	const uint8_t *a = bitmap(m, 0, v), *b = bitmap(m, k, v);
	const char *na = msrtrap_strategy_name(m->strat[0]);
	const char *nb = msrtrap_strategy_name(m->strat[k]);
	unsigned int access = 0;
	uint32_t msr = 0;
	size_t byte = 0;

	if (first_difference(m->s->fmt, a, b, &msr, &access)) {
		fprintf(stderr,
			"%s:%u: strategies disagree: %s and %s differ on vcpu %u at MSR 0x%x %s\n",
			m->s->path, op->line, na, nb, v, msr,
			access_name(access));
	} else {
		while (a[byte] == b[byte])
			byte++;
		fprintf(stderr,
			"%s:%u: strategies disagree: %s and %s differ on vcpu %u at byte 0x%zx, outside every MSR\n",
			m->s->path, op->line, na, nb, v, byte);
	}
	event(m, op, "disagree",
	      json_pack("{s:i, s:[s,s], s:I, s:s}", "vcpu", v, "strategies",
			na, nb, "msr", (json_int_t)msr, "access",
			access ? access_name(access) : "none"));
	m->disagreed = true;
}

/*
 * Do all strategies hold the same bitmap, byte for byte, for these
 * vCPUs? On the first difference report it and return false.
 */
static bool agree(struct sim *m, const struct op *op, int vcpu)
{
	unsigned int lo, hi;

	vcpu_range(m, vcpu, &lo, &hi);
	for (unsigned int v = lo; v <= hi; v++)
		for (unsigned int k = 1; k < m->nstrat; k++)
			if (memcmp(bitmap(m, 0, v), bitmap(m, k, v), m->size)) {
				report_disagreement(m, op, v, k);
				return false;
			}
	return true;
}

static int run_intercept(struct sim *m, const struct op *op)
{
	unsigned int lo, hi;
	int err;

	vcpu_range(m, op->vcpu, &lo, &hi);
	for (unsigned int k = 0; k < m->nstrat; k++)
		for (unsigned int v = lo; v <= hi; v++) {
			err = msrtrap_engine_vcpu_intercept(m->vcpu[k][v], op->first,
						     op->last, op->access, op->on);
			if (err < 0)
				return run_error(m, op, "intercept", err, NULL);
		}
	return EXIT_OK;
}

static int run_filter(struct sim *m, const struct op *op)
{
	struct msrtrap_error diag;
	int err;

	for (unsigned int k = 0; k < m->nstrat; k++) {
		memset(&diag, 0, sizeof(diag));
		err = msrtrap_engine_set_filter(m->vm[k], op->filter, &diag);
		if (err < 0)
			return run_error(m, op, op->path ? op->path : "filter none",
					 err, &diag);
	}
	return EXIT_OK;
}

static int run_sync(struct sim *m, const struct op *op)
{
	unsigned int lo, hi, refreshed = 0;
	int rc;

	vcpu_range(m, op->vcpu, &lo, &hi);
	for (unsigned int k = 0; k < m->nstrat; k++)
		for (unsigned int v = lo; v <= hi; v++) {
			rc = msrtrap_engine_vcpu_sync(m->vcpu[k][v]);
			if (rc < 0)
				return run_error(m, op, "sync", rc, NULL);
			if (k == 0)
				refreshed += (unsigned int)rc;
		}
	m->syncs++;
	event(m, op, "sync", json_pack("{s:o, s:i}", "vcpu", vcpu_json(op->vcpu),
				       "refreshed", refreshed));
	return agree(m, op, op->vcpu) ? EXIT_OK : EXIT_BAD_INPUT;
}

/*
 * The span holding msr (true), or else the next span above it in
 * [*lo, *hi] (false; *lo > *hi when there is none).
 */
static bool span_of(enum msrtrap_format fmt, uint32_t msr, uint32_t *lo,
		    uint32_t *hi)
{
	for (unsigned int i = 0; msrtrap_format_span(fmt, i, lo, hi) == 0; i++) {
		if (msr >= *lo && msr <= *hi)
			return true;
		if (msr < *lo)
			return false;
	}
	*lo = 1;
	*hi = 0;
	return false;
}

/*
 * The first (MSR, access) of [first, last] x access whose bit is not
 * `want` (true = intercept). Unrepresentable MSRs always intercept.
 * Returns false when every one is as wanted.
 */
static bool first_mismatch(enum msrtrap_format fmt, const void *map,
			   const struct op *op, uint32_t *msr,
			   unsigned int *access)
{
	uint64_t x = op->first;
	uint32_t lo, hi;

	while (x <= op->last) {
		if (!span_of(fmt, (uint32_t)x, &lo, &hi)) {
			if (!op->on) {
				*msr = (uint32_t)x;
				*access = op->access & MSRTRAP_READ ?
						  MSRTRAP_READ : MSRTRAP_WRITE;
				return true;
			}
			if (lo > hi)
				return false;
			x = lo;
			continue;
		}
		for (; x <= hi && x <= op->last; x++)
			for (unsigned int acc = MSRTRAP_READ; acc <= MSRTRAP_WRITE;
			     acc++) {
				if (!(op->access & acc))
					continue;
				if ((msrtrap_raw_test(fmt, map, (uint32_t)x, acc) > 0) !=
				    op->on) {
					*msr = (uint32_t)x;
					*access = acc;
					return true;
				}
			}
	}
	return false;
}

static void msr_label(uint32_t msr, char *buf, size_t size)
{
	const char *name = msrtrap_msr_name(msr);

	if (name)
		snprintf(buf, size, "%s", name);
	else
		snprintf(buf, size, "0x%x", msr);
}

static int run_expect(struct sim *m, const struct op *op)
{
	const char *want = op->on ? "intercept" : "pass";
	const char *got = op->on ? "pass" : "intercept";
	json_t *failures = json_array();
	unsigned int lo, hi;
	bool ok = true;

	m->expects++;
	vcpu_range(m, op->vcpu, &lo, &hi);
	for (unsigned int v = lo; v <= hi; v++) {
		uint32_t msr[MSRTRAP_STRATEGY_COUNT];
		unsigned int access[MSRTRAP_STRATEGY_COUNT];
		bool bad[MSRTRAP_STRATEGY_COUNT], done[MSRTRAP_STRATEGY_COUNT];

		for (unsigned int k = 0; k < m->nstrat; k++) {
			bad[k] = first_mismatch(m->s->fmt, bitmap(m, k, v), op,
						&msr[k], &access[k]);
			done[k] = !bad[k];
			if (bad[k]) {
				ok = false;
				json_array_append_new(failures,
					json_pack("{s:s, s:i, s:I, s:s, s:s}",
						  "strategy",
						  msrtrap_strategy_name(m->strat[k]),
						  "vcpu", v, "msr", (json_int_t)msr[k],
						  "access", access_name(access[k]),
						  "got", got));
			}
		}
		/* one line per distinct failure, naming its strategies */
		for (unsigned int k = 0; k < m->nstrat; k++) {
			char label[64], names[128];
			unsigned int count = 0;
			size_t used = 0;

			if (done[k])
				continue;
			names[0] = 0;
			for (unsigned int j = k; j < m->nstrat; j++) {
				if (done[j] || msr[j] != msr[k] ||
				    access[j] != access[k])
					continue;
				done[j] = true;
				used += (size_t)snprintf(names + used,
							 sizeof(names) - used, "%s%s",
							 count ? ", " : "",
							 msrtrap_strategy_name(m->strat[j]));
				count++;
			}
			msr_label(msr[k], label, sizeof(label));
			fprintf(stderr,
				"%s:%u: expect failed: vcpu %u %s %s: got %s, want %s (strateg%s %s)\n",
				m->s->path, op->line, v, label,
				access_name(access[k]), got, want,
				count == 1 ? "y" : "ies", names);
		}
	}
	if (!ok)
		m->expects_failed++;
	event(m, op, "expect",
	      json_pack("{s:o, s:I, s:I, s:s, s:s, s:b, s:o}", "vcpu",
			vcpu_json(op->vcpu), "first", (json_int_t)op->first,
			"last", (json_int_t)op->last, "access",
			access_name(op->access), "want", want, "ok", ok,
			"failures", failures));
	return EXIT_OK;
}

static int run_print(struct sim *m, const struct op *op)
{
	struct msrtrap_map *map;
	char label[512];
	int err;

	if (!agree(m, op, op->vcpu))
		return EXIT_BAD_INPUT;
	err = msrtrap_map_from_bytes(m->s->fmt, bitmap(m, 0, (unsigned int)op->vcpu),
				     m->size, &map);
	if (err)
		return run_error(m, op, "print", err, NULL);
	if (m->events) {
		event(m, op, "print", json_pack("{s:i, s:o}", "vcpu", op->vcpu,
						"map", decode_json(map)));
	} else {
		snprintf(label, sizeof(label), "%s:%u: vcpu %d", m->s->path,
			 op->line, op->vcpu);
		decode_print_text(label, map);
	}
	msrtrap_map_free(map);
	return EXIT_OK;
}

static int run_save(struct sim *m, const struct op *op)
{
	int err;

	if (!agree(m, op, op->vcpu))
		return EXIT_BAD_INPUT;
	/* complete or not at all, as compile -o */
	err = write_file_atomic(op->path, bitmap(m, 0, (unsigned int)op->vcpu),
				m->size);
	if (err)
		return run_error(m, op, op->path, err, NULL);
	event(m, op, "save", json_pack("{s:i, s:s}", "vcpu", op->vcpu, "file",
				       op->path));
	return EXIT_OK;
}

/* FNV-1a, 32 bits: a short fingerprint of bitmaps for the stats table. */
static uint32_t fnv1a(uint32_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

#define FNV_BASIS 2166136261u

static void stats_add(struct msrtrap_engine_vcpu_stats *sum,
		      const struct msrtrap_engine_vcpu_stats *st)
{
	sum->refreshes += st->refreshes;
	sum->lookups += st->lookups;
	sum->words_written += st->words_written;
	sum->bits_changed += st->bits_changed;
	sum->notifications += st->notifications;
	sum->warnings += st->warnings;
}

static void stats_row(const char *strategy, const char *vcpu,
		      const struct msrtrap_engine_vcpu_stats *st, uint32_t digest)
{
	printf("  %-17s %4s  %9llu  %7llu  %13llu  %12llu  %13llu  %8llu  %08x\n",
	       strategy, vcpu, (unsigned long long)st->refreshes,
	       (unsigned long long)st->lookups,
	       (unsigned long long)st->words_written,
	       (unsigned long long)st->bits_changed,
	       (unsigned long long)st->notifications,
	       (unsigned long long)st->warnings, digest);
}

static json_t *stats_json(const struct msrtrap_engine_vcpu_stats *st, uint32_t digest)
{
	char hex[16];

	snprintf(hex, sizeof(hex), "%08x", digest);
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:s}",
			 "refreshes", (json_int_t)st->refreshes,
			 "lookups", (json_int_t)st->lookups,
			 "words_written", (json_int_t)st->words_written,
			 "bits_changed", (json_int_t)st->bits_changed,
			 "notifications", (json_int_t)st->notifications,
			 "warnings", (json_int_t)st->warnings,
			 "bitmap_fnv1a", hex);
}

static int run_stats(struct sim *m, const struct op *op)
{
	json_t *per = m->events ? json_object() : NULL;

	if (!m->events) {
		printf("%s:%u: stats\n", m->s->path, op->line);
		printf("  %-17s %4s  %9s  %7s  %13s  %12s  %13s  %8s  %s\n", "strategy",
		       "vcpu", "refreshes", "lookups", "words written",
		       "bits changed", "notifications", "warnings", "bitmap");
	}
	for (unsigned int k = 0; k < m->nstrat; k++) {
		const char *name = msrtrap_strategy_name(m->strat[k]);
		struct msrtrap_engine_vcpu_stats sum = { 0 }, st = { .sz = sizeof(st) };
		uint32_t all = FNV_BASIS, one;
		json_t *vcpus = json_array();
		char num[16];

		for (unsigned int v = 0; v < m->s->vcpus; v++) {
			msrtrap_engine_vcpu_stats(m->vcpu[k][v], &st);
			stats_add(&sum, &st);
			one = fnv1a(FNV_BASIS, bitmap(m, k, v), m->size);
			all = fnv1a(all, bitmap(m, k, v), m->size);
			json_array_append_new(vcpus, stats_json(&st, one));
			if (!m->events && m->s->vcpus > 1) {
				snprintf(num, sizeof(num), "%u", v);
				stats_row(name, num, &st, one);
			}
		}
		if (m->events)
			json_object_set_new(per, name,
					    json_pack("{s:o, s:o}", "total",
						      stats_json(&sum, all),
						      "vcpus", vcpus));
		else {
			json_decref(vcpus);
			stats_row(name, "all", &sum, all);
		}
	}
	event(m, op, "stats", per ? json_pack("{s:o}", "strategies", per) :
				    json_object());
	return EXIT_OK;
}

static int run_op(struct sim *m, const struct op *op)
{
	switch (op->kind) {
	case OP_INTERCEPT:
		return run_intercept(m, op);
	case OP_FILTER:
		return run_filter(m, op);
	case OP_SYNC:
		return run_sync(m, op);
	case OP_EXPECT:
		return run_expect(m, op);
	case OP_PRINT:
		return run_print(m, op);
	case OP_SAVE:
		return run_save(m, op);
	case OP_STATS:
		return run_stats(m, op);
	default:
		return EXIT_OK;
	}
}

static int sim_setup(struct sim *m)
{
	MSRTRAP_OPTS(msrtrap_engine_vcpu_opts, vopts);
	int err;

	m->size = msrtrap_format_size(m->s->fmt);
	for (unsigned int k = 0; k < m->nstrat; k++) {
		MSRTRAP_OPTS(msrtrap_engine_opts, opts,
			     .format = m->s->fmt,
			     .strategy = m->strat[k],
			     .passthrough = m->s->passthrough,
			     .max_vcpus = m->s->vcpus);

		err = msrtrap_engine_new(&opts, &m->vm[k]);
		if (err)
			return fail(m->s->path, "cannot create the VM: %s",
				    strerror(-err));
		m->vcpu[k] = calloc(m->s->vcpus, sizeof(struct msrtrap_engine_vcpu *));
		if (!m->vcpu[k])
			abort();
		for (unsigned int v = 0; v < m->s->vcpus; v++) {
			err = msrtrap_engine_vcpu_new(m->vm[k], &vopts, &m->vcpu[k][v]);
			if (err)
				return fail(m->s->path, "cannot create vCPU %u: %s",
					    v, strerror(-err));
		}
	}
	return EXIT_OK;
}

static void sim_free(struct sim *m)
{
	for (unsigned int k = 0; k < m->nstrat; k++) {
		if (m->vcpu[k])
			for (unsigned int v = 0; v < m->s->vcpus; v++)
				msrtrap_engine_vcpu_free(m->vcpu[k][v]);
		free(m->vcpu[k]);
		msrtrap_engine_free(m->vm[k]);
	}
}

static void summary(const struct sim *m, bool ok)
{
	const struct script *s = m->s;
	json_t *doc, *strategies;

	if (m->events) {
		strategies = json_array();
		for (unsigned int k = 0; k < m->nstrat; k++)
			json_array_append_new(strategies,
				json_string(msrtrap_strategy_name(m->strat[k])));
		doc = json_pack("{s:s, s:s, s:i, s:s, s:o, s:O, s:i, s:{s:i, s:i}, s:b}",
				"script", s->path, "vendor",
				msrtrap_format_name(s->fmt), "vcpus", s->vcpus,
				"passthrough",
				msrtrap_passthrough_name(s->passthrough),
				"strategies", strategies, "events", m->events,
				"syncs", m->syncs, "expects", "total",
				m->expects, "failed", m->expects_failed, "ok", ok);
		print_json(doc);
		return;
	}
	if (m->disagreed || m->failed)
		return;
	printf("%s: %u sync%s, ", s->path, m->syncs, m->syncs == 1 ? "" : "s");
	if (m->nstrat > 1) {
		printf("bitmaps identical in all %u strategies (", m->nstrat);
		for (unsigned int k = 0; k < m->nstrat; k++)
			printf("%s%s", k ? ", " : "",
			       msrtrap_strategy_name(m->strat[k]));
		printf(")");
	} else {
		printf("strategy %s", msrtrap_strategy_name(m->strat[0]));
	}
	if (m->expects_failed)
		printf("; %u of %u expects failed\n", m->expects_failed,
		       m->expects);
	else
		printf("; %u expect%s passed\n", m->expects,
		       m->expects == 1 ? "" : "s");
}

/* Run a script held in memory (text[len] must be NUL; text is modified). */
static int sim_text(const char *path, char *text, size_t len, int strategy,
		    bool json, struct sim_env *env)
{
	struct script s;
	struct sim m = { .s = &s };
	int rc = script_parse(&s, path, text, len, strategy, env);

	if (rc) {
		script_free(&s);
		return rc;
	}
	if (s.strategy == STRATEGY_ALL) {
		for (unsigned int k = 0; k < MSRTRAP_STRATEGY_COUNT; k++)
			m.strat[m.nstrat++] = (enum msrtrap_strategy)k;
	} else {
		m.strat[m.nstrat++] = (enum msrtrap_strategy)s.strategy;
	}
	rc = sim_setup(&m);
	if (!rc) {
		if (json)
			m.events = json_array();
		for (size_t i = 0; i < s.nops && !rc; i++)
			rc = run_op(&m, &s.ops[i]);
		if (!rc && m.expects_failed)
			rc = EXIT_BAD_INPUT;
		summary(&m, !rc);
		json_decref(m.events);
	}
	env->disagreed = m.disagreed;
	env->engine_error = m.failed;
	sim_free(&m);
	script_free(&s);
	return rc;
}

static int sim(const char *path, int strategy, bool json)
{
	struct sim_env env = {
		.read_filter = read_file,
		.max_vcpus = MAX_VCPUS,
	};
	uint8_t *data;
	size_t len;
	int rc = read_file(path, &data, &len);

	if (rc)
		return fail(path, "cannot read: %s", strerror(-rc));
	rc = sim_text(path, (char *)data, len, strategy, json, &env);
	free(data);
	return rc;
}

int sim_run_text(const char *name, const char *text, size_t len, bool json,
		 struct sim_env *env)
{
	char *copy = malloc(len + 1);
	int rc;

	if (!copy)
		abort();
	memcpy(copy, text, len);
	copy[len] = 0;
	env->disagreed = env->engine_error = false;
	rc = sim_text(name, copy, len, STRATEGY_UNSET, json, env);
	free(copy);
	return rc;
}

int cmd_sim(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "strategy", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int strategy = STRATEGY_UNSET;
	char word[64];
	bool json = false;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:s:jh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			lower(optarg, word, sizeof(word));
			strategy = strcmp(word, "all") ?
					   msrtrap_strategy_parse(word) :
					   STRATEGY_ALL;
			if (strategy < 0 && strcmp(word, "all"))
				return fail("--strategy",
					    "unknown strategy '%s' (expected reapply-all, skip-intercepted, recompute, delta or all)",
					    optarg);
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(sim_usage, stdout);
			return EXIT_OK;
		default:
			return bad_option("sim", argv, c);
		}
	}
	if (argc - optind != 1)
		return usage_error("sim", "expected exactly one SCRIPT");
	return sim(argv[optind], strategy, json);
}

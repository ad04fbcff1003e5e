// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msrtrap sim's runner: every op of a parsed script (script.c) applied to
 * one VM per refresh strategy, and after every sync the check that all
 * strategies produce the same bitmaps (spec §4.4, invariants 33-40).
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
		struct msrtrap_engine_vcpu_stats sum = { 0 }, st;
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
int sim_text(const char *path, char *text, size_t len, int strategy,
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

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msrtrap sim's output: the runner's events (run.c) as text, or as the
 * one JSON document of `sim --json` (docs/sim.md), and the summary line.
 * Errors, failed expects and disagreements go to stderr in both modes.
 * sim_text() ties script.c, run.c and this file together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msrtrap/msrtrap.h>

#include "common/cli.h"
#include "sim/sim.h"
#include "util/strbuf.h"

struct report {
	const char *path;
	json_t *events;		/* --json; NULL: text */
};

static const char *access_name(unsigned int access)
{
	return msrtrap_access_name((enum msrtrap_access)access,
				   MSRTRAP_ACCESS_NAME);
}

static const char *strategy_name(const struct sim *m, unsigned int k)
{
	return msrtrap_strategy_name(m->strat[k]);
}

static json_t *vcpu_json(int vcpu)
{
	return vcpu == VCPU_ALL ? json_string("all") : json_integer(vcpu);
}

static void add_event(struct report *r, const struct op *op, const char *kind,
		      json_t *fields)
{
	json_t *e;

	if (!r->events) {
		json_decref(fields);
		return;
	}
	e = json_pack("{s:I, s:s}", "line", (json_int_t)op->line, "event", kind);
	json_object_update(e, fields);
	json_decref(fields);
	json_array_append_new(r->events, e);
}

static void msr_label(uint32_t msr, char *buf, size_t size)
{
	const char *name = msrtrap_msr_name(msr);

	if (name)
		snprintf(buf, size, "%s", name);
	else
		snprintf(buf, size, "0x%x", msr);
}

/*
 * One line per distinct failure of one vCPU (f[0..n), all strategies of
 * that vCPU), naming the strategies that share it.
 */
static void print_vcpu_failures(const struct report *r, const struct sim *m,
				const struct op *op,
				const struct sim_failure *f, size_t n)
{
	const char *want = op->on ? "intercept" : "pass";
	const char *got = op->on ? "pass" : "intercept";
	const char *what = op->kind == OP_EXPECT_L2 ? "expect-l2" : "expect";
	bool done[MSRTRAP_STRATEGY_COUNT] = { false };

	for (size_t i = 0; i < n; i++) {
		struct mt_strbuf names = MT_STRBUF_INIT;
		unsigned int count = 0;
		char label[64];

		if (done[i])
			continue;
		for (size_t j = i; j < n; j++) {
			if (done[j] || f[j].msr != f[i].msr ||
			    f[j].access != f[i].access)
				continue;
			done[j] = true;
			mt_strbuf_printf(&names, "%s%s", count ? ", " : "",
					 strategy_name(m, f[j].k));
			count++;
		}
		msr_label(f[i].msr, label, sizeof(label));
		fprintf(stderr,
			"%s:%u: %s failed: vcpu %u %s %s: got %s, want %s (strateg%s %s)\n",
			r->path, op->line, what, f[i].vcpu, label,
			access_name(f[i].access), got, want,
			count == 1 ? "y" : "ies", names.s ? names.s : "");
		mt_strbuf_fini(&names);
	}
}

/* A reflect line: one answer per vCPU, the same for every strategy. */
static void on_reflect(struct report *r, const struct sim_event *ev)
{
	const struct op *op = ev->op;
	json_t *failures = json_array();
	char label[64];

	msr_label(op->first, label, sizeof(label));
	for (size_t i = 0; i < ev->nfailures; i++) {
		fprintf(stderr, "%s:%u: reflect failed: vcpu %u %s %s: got %s, want %s\n",
			r->path, op->line, ev->failures[i].vcpu, label,
			access_name(op->access), op->on ? "no" : "yes",
			op->on ? "yes" : "no");
		json_array_append_new(failures,
				      json_pack("{s:i, s:b}", "vcpu", ev->failures[i].vcpu,
						"got", !op->on));
	}
	add_event(r, op, "reflect",
		  json_pack("{s:o, s:I, s:s, s:b, s:b, s:o}", "vcpu",
			    vcpu_json(op->vcpu), "msr", (json_int_t)op->first,
			    "access", access_name(op->access), "want", op->on,
			    "ok", !ev->nfailures, "failures", failures));
}

static void on_expect(struct report *r, const struct sim *m,
		      const struct sim_event *ev)
{
	const struct op *op = ev->op;
	const char *got = op->on ? "pass" : "intercept";
	json_t *failures;
	size_t i, j;

	if (op->kind == OP_REFLECT) {
		on_reflect(r, ev);
		return;
	}
	failures = json_array();

	for (i = 0; i < ev->nfailures; i++) {
		const struct sim_failure *f = &ev->failures[i];

		json_array_append_new(failures,
			json_pack("{s:s, s:i, s:I, s:s, s:s}",
				  "strategy", strategy_name(m, f->k),
				  "vcpu", f->vcpu, "msr", (json_int_t)f->msr,
				  "access", access_name(f->access),
				  "got", got));
	}
	for (i = 0; i < ev->nfailures; i = j) {
		for (j = i; j < ev->nfailures &&
			    ev->failures[j].vcpu == ev->failures[i].vcpu; j++)
			;
		print_vcpu_failures(r, m, op, &ev->failures[i], j - i);
	}
	add_event(r, op, op->kind == OP_EXPECT_L2 ? "expect-l2" : "expect",
		  json_pack("{s:o, s:I, s:I, s:s, s:s, s:b, s:o}", "vcpu",
			    vcpu_json(op->vcpu), "first", (json_int_t)op->first,
			    "last", (json_int_t)op->last, "access",
			    access_name(op->access), "want",
			    op->on ? "intercept" : "pass", "ok", !ev->nfailures,
			    "failures", failures));
}

static void on_print(struct report *r, const struct sim_event *ev)
{
	char label[512];

	if (r->events) {
		add_event(r, ev->op, "print",
			  json_pack("{s:i, s:o}", "vcpu", ev->op->vcpu, "map",
				    decode_json(ev->map)));
		return;
	}
	snprintf(label, sizeof(label), "%s:%u: vcpu %d", r->path, ev->op->line,
		 ev->op->vcpu);
	decode_print_text(label, ev->map);
}

static void stats_row(const char *strategy, const char *vcpu,
		      const struct sim_vcpu_stats *s)
{
	const struct msrtrap_engine_vcpu_stats *st = &s->st;

	printf("  %-17s %4s  %9llu  %7llu  %13llu  %12llu  %13llu  %8llu  %08x\n",
	       strategy, vcpu, (unsigned long long)st->refreshes,
	       (unsigned long long)st->lookups,
	       (unsigned long long)st->words_written,
	       (unsigned long long)st->bits_changed,
	       (unsigned long long)st->notifications,
	       (unsigned long long)st->warnings, s->digest);
}

static json_t *stats_json(const struct sim_vcpu_stats *s)
{
	const struct msrtrap_engine_vcpu_stats *st = &s->st;
	char hex[16];

	snprintf(hex, sizeof(hex), "%08x", s->digest);
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:s}",
			 "refreshes", (json_int_t)st->refreshes,
			 "lookups", (json_int_t)st->lookups,
			 "words_written", (json_int_t)st->words_written,
			 "bits_changed", (json_int_t)st->bits_changed,
			 "notifications", (json_int_t)st->notifications,
			 "warnings", (json_int_t)st->warnings,
			 "bitmap_fnv1a", hex);
}

static void stats_text(const struct report *r, const struct sim *m,
		       const struct sim_event *ev)
{
	unsigned int nv = m->s->vcpus;
	char num[16];

	printf("%s:%u: stats\n", r->path, ev->op->line);
	printf("  %-17s %4s  %9s  %7s  %13s  %12s  %13s  %8s  %s\n", "strategy",
	       "vcpu", "refreshes", "lookups", "words written",
	       "bits changed", "notifications", "warnings", "bitmap");
	for (unsigned int k = 0; k < m->nstrat; k++) {
		for (unsigned int v = 0; v < nv && nv > 1; v++) {
			snprintf(num, sizeof(num), "%u", v);
			stats_row(strategy_name(m, k), num,
				  &ev->stats[k * nv + v]);
		}
		stats_row(strategy_name(m, k), "all", &ev->totals[k]);
	}
}

static void on_stats(struct report *r, const struct sim *m,
		     const struct sim_event *ev)
{
	unsigned int nv = m->s->vcpus;
	json_t *per;

	if (!r->events) {
		stats_text(r, m, ev);
		return;
	}
	per = json_object();
	for (unsigned int k = 0; k < m->nstrat; k++) {
		const struct sim_vcpu_stats *row = &ev->stats[(size_t)k * nv];
		json_t *vcpus = json_array();

		for (unsigned int v = 0; v < nv; v++)
			json_array_append_new(vcpus, stats_json(&row[v]));
		json_object_set_new(per, strategy_name(m, k),
				    json_pack("{s:o, s:o}", "total",
					      stats_json(&ev->totals[k]),
					      "vcpus", vcpus));
	}
	add_event(r, ev->op, "stats", json_pack("{s:o}", "strategies", per));
}

static void on_disagree(struct report *r, const struct sim *m,
			const struct sim_event *ev)
{
	const char *na = strategy_name(m, 0), *nb = strategy_name(m, ev->k);

	if (ev->access)
		fprintf(stderr,
			"%s:%u: strategies disagree: %s and %s differ on vcpu %u at MSR 0x%x %s\n",
			r->path, ev->op->line, na, nb, ev->vcpu, ev->msr,
			access_name(ev->access));
	else
		fprintf(stderr,
			"%s:%u: strategies disagree: %s and %s differ on vcpu %u at byte 0x%zx, outside every MSR\n",
			r->path, ev->op->line, na, nb, ev->vcpu, ev->byte);
	add_event(r, ev->op, "disagree",
		  json_pack("{s:i, s:[s,s], s:I, s:s}", "vcpu", ev->vcpu,
			    "strategies", na, nb, "msr", (json_int_t)ev->msr,
			    "access", ev->access ? access_name(ev->access) :
						   "none"));
}

static void on_event(void *ctx, const struct sim *m, const struct sim_event *ev)
{
	struct report *r = ctx;

	switch (ev->kind) {
	case SIM_EV_SYNC:
		add_event(r, ev->op, "sync",
			  json_pack("{s:o, s:i}", "vcpu", vcpu_json(ev->op->vcpu),
				    "refreshed", ev->refreshed));
		break;
	case SIM_EV_EXPECT:
		on_expect(r, m, ev);
		break;
	case SIM_EV_PRINT:
		on_print(r, ev);
		break;
	case SIM_EV_SAVE:
		add_event(r, ev->op, "save",
			  json_pack("{s:i, s:s}", "vcpu", ev->op->vcpu, "file",
				    ev->op->path));
		break;
	case SIM_EV_STATS:
		on_stats(r, m, ev);
		break;
	case SIM_EV_DISAGREE:
		on_disagree(r, m, ev);
		break;
	case SIM_EV_ERROR:
		fprintf(stderr, "%s:%u: error: %s\n", r->path, ev->op->line,
			ev->message);
		add_event(r, ev->op, "error",
			  json_pack("{s:s}", "message", ev->message));
		break;
	case SIM_EV_FAIL:
		fail(r->path, "%s", ev->message);
		break;
	}
}

static void summary_json(const struct report *r, const struct sim *m, bool ok)
{
	const struct script *s = m->s;
	json_t *strategies = json_array();

	for (unsigned int k = 0; k < m->nstrat; k++)
		json_array_append_new(strategies,
				      json_string(strategy_name(m, k)));
	json_t *doc = json_pack("{s:s, s:s, s:i, s:s, s:o, s:O, s:i, s:{s:i, s:i}, s:b}",
				"script", s->path, "vendor",
				msrtrap_format_name(s->fmt), "vcpus", s->vcpus,
				"passthrough",
				msrtrap_passthrough_name(s->passthrough),
				"strategies", strategies, "events", r->events,
				"syncs", m->syncs, "expects", "total",
				m->expects, "failed", m->expects_failed, "ok", ok);

	/* only with a kernel line, so that older documents stay as they were */
	if (s->kernel)
		json_object_set_new(doc, "kernel",
				    json_string(msrtrap_kernel_name(s->kernel)));
	print_json(doc);
}

static void summary(const struct report *r, const struct sim *m, bool ok)
{
	if (r->events) {
		summary_json(r, m, ok);
		return;
	}
	if (m->disagreed || m->failed)
		return;
	printf("%s: %u sync%s, ", r->path, m->syncs, m->syncs == 1 ? "" : "s");
	if (m->nstrat > 1) {
		printf("bitmaps identical in all %u strategies (", m->nstrat);
		for (unsigned int k = 0; k < m->nstrat; k++)
			printf("%s%s", k ? ", " : "", strategy_name(m, k));
		printf(")");
	} else {
		printf("strategy %s", strategy_name(m, 0));
	}
	if (m->expects_failed)
		printf("; %u of %u expects failed\n", m->expects_failed,
		       m->expects);
	else
		printf("; %u expect%s passed\n", m->expects,
		       m->expects == 1 ? "" : "s");
}

int sim_text(const char *path, char *text, size_t len, int strategy,
	     bool json, struct sim_env *env)
{
	struct report r = { .path = path };
	struct script s;
	struct sim m = { .s = &s, .on_event = on_event, .ctx = &r };
	int rc = script_parse(&s, path, text, len, strategy, env);

	if (rc) {
		script_free(&s);
		return rc;
	}
	rc = sim_setup(&m);
	if (!rc) {
		if (json)
			r.events = json_array();
		rc = sim_run(&m);
		summary(&r, &m, !rc);
		json_decref(r.events);
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

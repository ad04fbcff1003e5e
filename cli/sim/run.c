// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msrtrap sim's runner: every op of a parsed script (script.c) applied to
 * one VM per refresh strategy, and after every sync the check that all
 * strategies produce the same bitmaps (spec §4.4, invariants 33-40).
 * Nothing is printed here: what the run has to say goes to m->on_event
 * (report.c prints it as text or JSON, the fuzz harness the same way).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <msrtrap/msrtrap.h>

#include "common/input.h"
#include "common/cli.h"
#include "sim/sim.h"
#include "util/vec.h"

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

static void emit(struct sim *m, struct sim_event *ev)
{
	m->on_event(m->ctx, m, ev);
}

/* The line of op failed with msg: the run stops there. */
static int run_fail(struct sim *m, const struct op *op, const char *msg)
{
	struct sim_event ev = {
		.kind = SIM_EV_ERROR, .op = op, .message = msg,
	};

	emit(m, &ev);
	m->failed = true;
	return EXIT_BAD_INPUT;
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
		snprintf(msg, sizeof(msg), "%s: %s", what,
			 write_strerror(err));
	return run_fail(m, op, msg);
}

static void report_disagreement(struct sim *m, const struct op *op,
				unsigned int v, unsigned int k)
{
	const uint8_t *a = bitmap(m, 0, v), *b = bitmap(m, k, v);
	struct sim_event ev = {
		.kind = SIM_EV_DISAGREE, .op = op, .vcpu = v, .k = k,
	};

	if (!raw_first_difference(m->s->fmt, a, b, &ev.msr, &ev.access))
		while (a[ev.byte] == b[ev.byte])
			ev.byte++;
	m->disagreed = true;
	emit(m, &ev);
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
	MSRTRAP_OPTS(msrtrap_error, diag);
	int err;

	for (unsigned int k = 0; k < m->nstrat; k++) {
		memset(&diag, 0, sizeof(diag));
		diag.sz = sizeof(diag);
		err = msrtrap_engine_set_filter(m->vm[k], op->filter, &diag);
		if (err < 0)
			return run_error(m, op, op->path ? op->path : "filter none",
					 err, &diag);
	}
	return EXIT_OK;
}

static int run_sync(struct sim *m, const struct op *op)
{
	struct sim_event ev = { .kind = SIM_EV_SYNC, .op = op };
	unsigned int lo, hi;
	int rc;

	vcpu_range(m, op->vcpu, &lo, &hi);
	for (unsigned int k = 0; k < m->nstrat; k++)
		for (unsigned int v = lo; v <= hi; v++) {
			rc = msrtrap_engine_vcpu_sync(m->vcpu[k][v]);
			if (rc < 0)
				return run_error(m, op, "sync", rc, NULL);
			if (k == 0)
				ev.refreshed += (unsigned int)rc;
		}
	m->syncs++;
	emit(m, &ev);
	return agree(m, op, op->vcpu) ? EXIT_OK : EXIT_BAD_INPUT;
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
		if (!format_span_of(fmt, (uint32_t)x, &lo, &hi)) {
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

/* The failures of one expect, expect-l2 or reflect line. */
struct failures {
	struct sim_failure *v;
	size_t n, cap;
};

static void failure_add(struct failures *fl, const struct sim_failure *f)
{
	if (mt_vec_reserve(&fl->v, &fl->cap, fl->n + 1))
		abort(); /* the CLI may die on OOM */
	fl->v[fl->n++] = *f;
}

/* Report the line (held, or its failures) and free them. */
static void expect_done(struct sim *m, const struct op *op,
			struct failures *fl)
{
	struct sim_event ev = { .kind = SIM_EV_EXPECT, .op = op,
				.failures = fl->v, .nfailures = fl->n };

	if (fl->n)
		m->expects_failed++;
	emit(m, &ev);
	free(fl->v);
}


/* nested VCPU L1FILE [CONTROL...] / nested VCPU off: the L1 side only */
static int run_nested(struct sim *m, const struct op *op)
{
	unsigned int lo, hi;

	vcpu_range(m, op->vcpu, &lo, &hi);
	for (unsigned int v = lo; v <= hi; v++)
		m->nested[v] = op->l1map ? op : NULL;
	return EXIT_OK;
}

/*
 * The map vCPU v of strategy k runs L2 with, into m->l2: merged from its
 * bitmap (L0's) and its nested line's L1 map and controls, as the
 * script's kernel merges; where KVM runs L2 without a merged map, the map
 * in effect (all-intercept on VMX, L0's on SVM).
 */
static int l2_map(struct sim *m, const struct op *op, unsigned int k,
		  unsigned int v)
{
	const struct op *n = m->nested[v];
	enum msrtrap_kernel kernel = m->s->kernel ? m->s->kernel : MSRTRAP_KERNEL_V6_19;
	int err = msrtrap_nested_merge(m->s->fmt, kernel, n->controls,
				       bitmap(m, k, v), n->l1map, m->l2);

	return err < 0 ? run_error(m, op, "nested merge", err, NULL) : EXIT_OK;
}

/*
 * expect and expect-l2: the vCPU's bitmap, or the map it runs L2 with;
 * the failures in vCPU order, strategy order within a vCPU.
 */
static int run_expect(struct sim *m, const struct op *op)
{
	struct failures fl = { NULL, 0, 0 };
	struct sim_failure f;
	unsigned int lo, hi;

	m->expects++;
	vcpu_range(m, op->vcpu, &lo, &hi);
	for (f.vcpu = lo; f.vcpu <= hi; f.vcpu++)
		for (f.k = 0; f.k < m->nstrat; f.k++) {
			const void *map = bitmap(m, f.k, f.vcpu);

			if (op->kind == OP_EXPECT_L2) {
				int rc = l2_map(m, op, f.k, f.vcpu);

				if (rc) {
					free(fl.v);
					return rc;
				}
				map = m->l2;
			}
			if (first_mismatch(m->s->fmt, map, op, &f.msr, &f.access))
				failure_add(&fl, &f);
		}
	expect_done(m, op, &fl);
	return EXIT_OK;
}

/* reflect: L1's map and controls decide, the same for every strategy */
static int run_reflect(struct sim *m, const struct op *op)
{
	struct failures fl = { NULL, 0, 0 };
	struct sim_failure f = { .k = 0, .msr = op->first, .access = op->access };
	unsigned int lo, hi;

	m->expects++;
	vcpu_range(m, op->vcpu, &lo, &hi);
	for (f.vcpu = lo; f.vcpu <= hi; f.vcpu++) {
		const struct op *nl = m->nested[f.vcpu];
		int r = msrtrap_nested_reflect(m->s->fmt, nl->controls, nl->l1map,
					       op->first, op->access);

		if (r < 0) {
			free(fl.v);
			return run_error(m, op, "nested reflect", r, NULL);
		}
		if (r != op->on)
			failure_add(&fl, &f);
	}
	expect_done(m, op, &fl);
	return EXIT_OK;
}

/* apic: the x2APIC update of every strategy's vCPU, as its kernel does */
static int run_apic(struct sim *m, const struct op *op)
{
	unsigned int lo, hi;

	vcpu_range(m, op->vcpu, &lo, &hi);
	for (unsigned int v = lo; v <= hi; v++)
		for (unsigned int k = 0; k < m->nstrat; k++) {
			int rc = msrtrap_engine_vcpu_set_apic(m->vcpu[k][v], op->controls);

			if (rc < 0)
				return run_error(m, op, "apic", rc, NULL);
		}
	return agree(m, op, op->vcpu) ? EXIT_OK : EXIT_BAD_INPUT;
}

static int run_print(struct sim *m, const struct op *op)
{
	struct sim_event ev = { .kind = SIM_EV_PRINT, .op = op };
	struct msrtrap_map *map;
	int err;

	if (!agree(m, op, op->vcpu))
		return EXIT_BAD_INPUT;
	err = msrtrap_map_from_bytes(m->s->fmt, bitmap(m, 0, (unsigned int)op->vcpu),
				     m->size, &map);
	if (err)
		return run_error(m, op, "print", err, NULL);
	ev.map = map;
	emit(m, &ev);
	msrtrap_map_free(map);
	return EXIT_OK;
}

/* Is path (already resolved, no symlink) root or inside it? */
static bool within(const char *root, const char *path)
{
	size_t n = strlen(root);

	if (!strcmp(root, "/"))
		return true;
	return !strncmp(path, root, n) && (!path[n] || path[n] == '/');
}

/* dir + "/" + name, malloc()ed. */
static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *s = malloc(n);

	if (!s)
		abort(); /* the CLI may die on OOM */
	snprintf(s, n, "%s/%s", strcmp(dir, "/") ? dir : "", name);
	return s;
}

/*
 * Where would write_output_file(path) write: inside the directory root
 * (resolved) or not? It follows symlinks, so each one is followed here
 * too, with the directory part resolved by realpath() at every step. 0
 * when inside (or when there is nothing to write to: the write fails on
 * its own), -EPERM when outside, -ELOOP past 40 links.
 */
static int confined(const char *root, const char *path)
{
	char *p = strdup(path);
	int err = -ELOOP;

	if (!p)
		abort();
	for (int hops = 0; hops < 40; hops++) {
		char *slash = strrchr(p, '/'), *dir, *full, target[PATH_MAX];
		const char *base = slash ? slash + 1 : p;
		struct stat st;
		ssize_t n;

		if (slash)
			*slash = 0;
		dir = realpath(slash ? (*p ? p : "/") : ".", NULL);
		if (!dir) {
			err = 0; /* no such directory: the write fails */
			break;
		}
		if (!within(root, dir)) {
			free(dir);
			err = -EPERM;
			break;
		}
		full = join(dir, base);
		if (!*base || lstat(full, &st) < 0 || !S_ISLNK(st.st_mode)) {
			/* "." or ".." name directories: resolve them too */
			char *r = realpath(full, NULL);

			err = r && !within(root, r) ? -EPERM : 0;
			free(r);
			free(full);
			free(dir);
			break;
		}
		n = readlink(full, target, sizeof(target) - 1);
		free(full);
		if (n < 0) {
			free(dir);
			err = 0; /* gone meanwhile: nothing to follow */
			break;
		}
		target[n] = 0;
		free(p);
		p = target[0] == '/' ? strdup(target) : join(dir, target);
		free(dir);
		if (!p)
			abort();
	}
	free(p);
	return err;
}

static int run_save(struct sim *m, const struct op *op)
{
	struct sim_event ev = { .kind = SIM_EV_SAVE, .op = op };
	int err;

	if (!agree(m, op, op->vcpu))
		return EXIT_BAD_INPUT;
	/*
	 * Only inside the script's tree unless --allow-paths (script.c has
	 * refused absolute and ".." paths): a symlink leading out is refused
	 * here, where the file system is as the write will find it.
	 */
	if (!m->s->env->allow_paths) {
		char *root = realpath(*m->s->dir ? m->s->dir : ".", NULL);

		err = root ? confined(root, op->path) : -errno;
		free(root);
		if (err == -EPERM) {
			char msg[256];

			snprintf(msg, sizeof(msg),
				 "%s: a symlink leads out of "
				 "the script's directory: not written (see "
				 "--allow-paths)",
				 clip(op->path));
			return run_fail(m, op, msg);
		}
		if (err)
			return run_error(m, op, op->path, err, NULL);
	}
	/* as compile -o INPUT: through whatever path, the script is lost */
	if (same_file(m->s->path, op->path)) {
		char msg[256];

		snprintf(msg, sizeof(msg), "%s: is the script: not overwritten",
			 op->path);
		return run_fail(m, op, msg);
	}
	/* complete or not at all (or written through), as compile -o */
	err = write_output_file(op->path, bitmap(m, 0, (unsigned int)op->vcpu),
				m->size);
	if (err)
		return run_error(m, op, op->path, err, NULL);
	emit(m, &ev);
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

static int run_stats(struct sim *m, const struct op *op)
{
	struct sim_vcpu_stats totals[MSRTRAP_STRATEGY_COUNT] = { 0 };
	struct sim_vcpu_stats *stats = calloc((size_t)m->nstrat * m->s->vcpus,
					      sizeof(*stats));
	struct sim_event ev = {
		.kind = SIM_EV_STATS, .op = op, .stats = stats,
		.totals = totals,
	};

	if (!stats)
		abort();
	for (unsigned int k = 0; k < m->nstrat; k++) {
		totals[k].digest = FNV_BASIS;
		for (unsigned int v = 0; v < m->s->vcpus; v++) {
			struct sim_vcpu_stats *one = &stats[k * m->s->vcpus + v];

			one->st.sz = sizeof(one->st);
			msrtrap_engine_vcpu_stats(m->vcpu[k][v], &one->st);
			stats_add(&totals[k].st, &one->st);
			one->digest = fnv1a(FNV_BASIS, bitmap(m, k, v), m->size);
			totals[k].digest = fnv1a(totals[k].digest,
						 bitmap(m, k, v), m->size);
		}
	}
	emit(m, &ev);
	free(stats);
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
	case OP_EXPECT_L2:
		return run_expect(m, op);
	case OP_PRINT:
		return run_print(m, op);
	case OP_SAVE:
		return run_save(m, op);
	case OP_STATS:
		return run_stats(m, op);
	case OP_NESTED:
		return run_nested(m, op);
	case OP_REFLECT:
		return run_reflect(m, op);
	case OP_APIC:
		return run_apic(m, op);
	default:
		return EXIT_OK;
	}
}

static int setup_failed(struct sim *m, const char *what, int err)
{
	struct sim_event ev = { .kind = SIM_EV_FAIL };
	char msg[128];

	snprintf(msg, sizeof(msg), "%s: %s", what, strerror(-err));
	ev.message = msg;
	emit(m, &ev);
	return EXIT_BAD_INPUT;
}

static void choose_strategies(struct sim *m)
{
	if (m->s->strategy == STRATEGY_ALL) {
		for (unsigned int k = 0; k < MSRTRAP_STRATEGY_COUNT; k++)
			m->strat[m->nstrat++] = (enum msrtrap_strategy)k;
	} else {
		m->strat[m->nstrat++] = (enum msrtrap_strategy)m->s->strategy;
	}
}

int sim_setup(struct sim *m)
{
	MSRTRAP_OPTS(msrtrap_engine_vcpu_opts, vopts);
	char what[64];
	int err;

	choose_strategies(m);
	m->size = msrtrap_format_size(m->s->fmt);
	m->nested = calloc(m->s->vcpus, sizeof(const struct op *));
	m->l2 = malloc(m->size);
	if (!m->nested || !m->l2)
		abort(); /* the CLI may die on OOM */
	for (unsigned int k = 0; k < m->nstrat; k++) {
		MSRTRAP_OPTS(msrtrap_engine_opts, opts,
			     .format = m->s->fmt,
			     .strategy = m->strat[k],
			     .passthrough = m->s->passthrough,
			     .max_vcpus = m->s->vcpus,
			     .kernel = m->s->kernel);

		err = msrtrap_engine_new(&opts, &m->vm[k]);
		if (err)
			return setup_failed(m, "cannot create the VM", err);
		m->vcpu[k] = calloc(m->s->vcpus, sizeof(struct msrtrap_engine_vcpu *));
		if (!m->vcpu[k])
			abort();
		for (unsigned int v = 0; v < m->s->vcpus; v++) {
			err = msrtrap_engine_vcpu_new(m->vm[k], &vopts, &m->vcpu[k][v]);
			if (!err)
				continue;
			snprintf(what, sizeof(what), "cannot create vCPU %u", v);
			return setup_failed(m, what, err);
		}
	}
	return EXIT_OK;
}

int sim_run(struct sim *m)
{
	int rc = EXIT_OK;

	for (size_t i = 0; i < m->s->nops && !rc; i++)
		rc = run_op(m, &m->s->ops[i]);
	if (!rc && m->expects_failed)
		rc = EXIT_BAD_INPUT;
	return rc;
}

void sim_free(struct sim *m)
{
	for (unsigned int k = 0; k < m->nstrat; k++) {
		if (m->vcpu[k])
			for (unsigned int v = 0; v < m->s->vcpus; v++)
				msrtrap_engine_vcpu_free(m->vcpu[k][v]);
		free(m->vcpu[k]);
		msrtrap_engine_free(m->vm[k]);
	}
	free(m->nested);
	free(m->l2);
}

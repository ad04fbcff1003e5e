// SPDX-License-Identifier: GPL-2.0-or-later
/* Live KVM for kvm-check and verify: the gate under a wall-clock timeout. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include <msrtrap/msrtrap.h>

#include "cli.h"

static volatile sig_atomic_t timed_out;
static unsigned int timeout_seconds;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
}

void kvm_timeout_start(unsigned int seconds)
{
	struct itimerval it;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: KVM_RUN returns EINTR */
	sigaction(SIGALRM, &sa, NULL);
	timed_out = 0;
	timeout_seconds = seconds;
	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = seconds;
	it.it_interval.tv_usec = 100000;
	setitimer(ITIMER_REAL, &it, NULL);
}

void kvm_timeout_stop(void)
{
	struct itimerval it;

	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
}

bool kvm_timed_out(void)
{
	return timed_out;
}

bool kvm_probe_cancelled(void *ctx)
{
	(void)ctx;
	return timed_out;
}

bool kvm_resource_error(int err)
{
	return err == -EMFILE || err == -ENFILE || err == -ENOMEM;
}

int kvm_open_gated(unsigned int seconds, struct msrtrap_kvm_vm **out,
		   char *reason, size_t size)
{
	MSRTRAP_OPTS(msrtrap_error, diag);
	struct msrtrap_kvm_vm *kvm = NULL;
	int err;

	kvm_timeout_start(seconds);
	err = msrtrap_kvm_open(&kvm, &diag);
	/*
	 * The self-test has no cancelled() to ask, but it can be run again
	 * from the start: only the timeout's SIGALRM ends it.
	 */
	while (!err) {
		err = msrtrap_kvm_selftest(kvm, &diag);
		if (err != -EINTR || kvm_timed_out())
			break;
		err = 0;
	}
	kvm_timeout_stop();
	if (err && kvm_timed_out())
		snprintf(reason, size, "timed out after %u s (%s: %s)", seconds,
			 diag.where, diag.message);
	else if (err)
		snprintf(reason, size, "%s: %s", diag.where, diag.message);
	if (err || !out) {
		msrtrap_kvm_close(kvm);
		kvm = NULL;
	}
	if (out)
		*out = kvm;
	return err;
}

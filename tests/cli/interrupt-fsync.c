// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * LD_PRELOAD shim for tests/cli/error-paths.sh: fsync() first sends the
 * process a SIGINT, as if Ctrl-C were pressed while msrtrap writes its
 * temporary output file, then syncs. A writer that lets the signal kill
 * it there leaves the temporary file behind.
 */
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

int fsync(int fd)
{
	kill(getpid(), SIGINT);
	return (int)syscall(SYS_fsync, fd);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* Helpers shared by the subcommands: errors, input, number parsing. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <msrtrap/msrtrap.h>

#include "cli.h"
#include "util/strbuf.h"

/*
 * Defined here, not in main.c, so that whatever links libmsrtrap-cli (the
 * fuzz harnesses) gets the messages of the real command.
 */
const char *progname = "msrtrap";

static bool utf8_continuation(char c)
{
	return ((unsigned char)c & 0xc0) == 0x80;
}

const char *clip_to(const char *s, size_t max)
{
	/* one message at a time: the CLI is single-threaded */
	static char slots[CLIP_SLOTS][CLIP_PATH_MAX + 1];
	static unsigned int next;
	size_t len = strlen(s), head, tail;
	char *buf;

	if (max > CLIP_PATH_MAX)
		max = CLIP_PATH_MAX;
	if (len <= max)
		return s;
	buf = slots[next++ % CLIP_SLOTS];
	/* the start says what it was, the end where it went wrong */
	head = (max - 3) / 2;
	tail = max - 3 - head;
	while (head && utf8_continuation(s[head]))
		head--;
	while (tail && utf8_continuation(s[len - tail]))
		tail--;
	snprintf(buf, sizeof(slots[0]), "%.*s...%s", (int)head, s,
		 s + len - tail);
	return buf;
}

const char *clip(const char *s)
{
	return clip_to(s, CLIP_MAX);
}

/* "msrtrap<sep><who>: <message>" on stderr, without the newline. */
static void vsay(const char *sep, const char *who, const char *fmt,
		 va_list ap) __attribute__((format(printf, 3, 0)));

static void vsay(const char *sep, const char *who, const char *fmt,
		 va_list ap)
{
	/* "-" as a file is stdin: named as the policy's diagnostics name it */
	if (!strcmp(who, "-"))
		who = "<stdin>";
	fprintf(stderr, "%s%s%s: ", progname, sep, clip_to(who, CLIP_PATH_MAX));
	vfprintf(stderr, fmt, ap);
}

int fail(const char *what, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(": ", what, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_BAD_INPUT;
}

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(" ", cmd, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see '%s %s --help')\n", progname, cmd);
	return EXIT_USAGE;
}

size_t read_file_limit = READ_FILE_LIMIT_DEFAULT;

int read_file(const char *path, uint8_t **data, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t cap = 8192, n = 0;
	uint8_t *buf;
	int err = 0;

	if (!f)
		return -errno;
	buf = aligned_alloc(8, cap);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n - 1, f);

		n += got;
		if (got == 0)
			break;
		/*
		 * One byte past the limit proves the file too large: stop
		 * there, so /dev/zero or a growing file costs limit bytes.
		 */
		if (n > read_file_limit) {
			err = -EFBIG;
			break;
		}
		if (n + 1 == cap) {
			uint8_t *bigger = aligned_alloc(8, cap * 2);

			if (bigger)
				memcpy(bigger, buf, n);
			free(buf);
			buf = bigger;
			cap *= 2;
		}
	}
	if (!buf)
		err = -ENOMEM;
	else if (err)
		; /* -EFBIG */
	else if (ferror(f))
		err = errno ? -errno : -EIO;
	if (f != stdin)
		fclose(f);
	if (err) {
		free(buf);
		return err;
	}
	buf[n] = 0;
	*data = buf;
	*len = n;
	return 0;
}

int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *data = buf;

	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * The name a path stands for once symbolic links are followed, for a
 * file that may not exist yet: a dangling link names the file to create
 * (as shell redirection does). Magic links (/proc/self/fd/N) do not get
 * here: they resolve to files that exist, which stat() already found.
 * Returns a malloc()ed path, or NULL with errno set.
 */
static char *follow_links(const char *path)
{
	char *cur = strdup(path);

	for (int hops = 0; cur && hops < 40; hops++) {
		char target[PATH_MAX], *next;
		const char *slash;
		struct stat st;
		ssize_t n;
		int dirlen;

		if (lstat(cur, &st) || !S_ISLNK(st.st_mode))
			return cur;
		n = readlink(cur, target, sizeof(target) - 1);
		if (n < 0) {
			free(cur);
			return NULL;
		}
		target[n] = 0;
		/* a relative target is relative to the link's directory */
		slash = strrchr(cur, '/');
		dirlen = 0;
		if (target[0] != '/' && slash)
			dirlen = (int)(slash - cur) + 1;
		next = malloc((size_t)dirlen + (size_t)n + 1);
		if (next)
			sprintf(next, "%.*s%s", dirlen, cur, target);
		free(cur);
		cur = next;
	}
	if (cur) {
		free(cur);
		errno = ELOOP;
	}
	return NULL;
}

/*
 * Not a regular file (a device, a FIFO, /dev/stdout): written through,
 * as shell redirection would. Replacing it would destroy the node.
 */
static int write_through(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	int err;

	if (fd < 0)
		return -errno;
	err = write_all(fd, data, len);
	if (close(fd) && !err)
		err = -errno;
	return err;
}

/* the bytes of BASE in the temporary file's name: ".BASE.XXXXXX" */
#define TMP_BASE_MAX (NAME_MAX - 8)

/*
 * A regular file (old: the one it replaces, or NULL): a temporary file
 * in path's directory, renamed over path once complete, so path is either
 * untouched or complete, never partial.
 */
static int replace_file(const char *path, const void *data, size_t len,
			const struct stat *old)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	char *tmp = malloc(strlen(path) + 16);
	sigset_t stop, saved;
	mode_t mask;
	int fd, err;

	if (!tmp)
		return -ENOMEM;
	/*
	 * While the temporary file exists, the signals that end a process
	 * from a terminal or a supervisor wait: one arriving then is
	 * delivered once the file is renamed or unlinked, so that Ctrl-C
	 * never leaves DIR/.BASE.XXXXXX behind (SIGKILL still can).
	 */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	sigaddset(&stop, SIGQUIT);
	sigprocmask(SIG_BLOCK, &stop, &saved);
	/*
	 * DIR/.BASE.XXXXXX: same directory, so rename() is atomic. BASE cut
	 * so that the name stays within NAME_MAX: OUT may have up to
	 * NAME_MAX bytes itself (the 8 added bytes made 248-255 fail).
	 */
	sprintf(tmp, "%.*s.%.*s.XXXXXX", (int)dirlen, path, TMP_BASE_MAX,
		path + dirlen);
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		free(tmp);
		sigprocmask(SIG_SETMASK, &saved, NULL);
		return err;
	}
	mask = umask(0);
	umask(mask);
	/* a full disk or RLIMIT_FSIZE fails here (EFBIG: main() ignores
	 * SIGXFSZ), and the temporary file goes */
	err = write_all(fd, data, len);
	/*
	 * The replacement keeps what the old file had: its owner (only root
	 * may give a file away; first, as chown clears set-id bits) and its
	 * mode. A new file gets 0666 & ~umask, as open(O_CREAT) would.
	 */
	if (!err && old && geteuid() == 0 &&
	    fchown(fd, old->st_uid, old->st_gid))
		err = -errno;
	if (!err && fchmod(fd, old ? old->st_mode & 07777 : 0666 & ~mask))
		err = -errno;
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	free(tmp);
	sigprocmask(SIG_SETMASK, &saved, NULL);
	return err;
}

int write_output_file(const char *path, const void *data, size_t len)
{
	struct stat st;
	bool exists = stat(path, &st) == 0;
	char *real;
	int err;

	if (!exists && errno != ENOENT)
		return -errno;
	if (exists && !S_ISREG(st.st_mode))
		return write_through(path, data, len);
	/*
	 * Replacing one name of a file with several would split them: the
	 * other names would keep the old contents. Writing in place would
	 * not be atomic. Refused; write_strerror() says how to get either.
	 */
	if (exists && st.st_nlink > 1)
		return -EMLINK;
	real = follow_links(path);
	if (!real)
		return -errno;
	err = replace_file(real, data, len, exists ? &st : NULL);
	free(real);
	return err;
}

const char *write_strerror(int err)
{
	if (err == -EMLINK)
		return "has other hard links: not replaced (write through "
		       "them with '>', or remove them)";
	return strerror(-err);
}

bool same_file(const char *input, const char *output)
{
	struct stat in, out;

	if (stat(output, &out) || !S_ISREG(out.st_mode))
		return false;
	if (strcmp(input, "-") ? stat(input, &in) : fstat(STDIN_FILENO, &in))
		return false;
	return in.st_dev == out.st_dev && in.st_ino == out.st_ino;
}

bool parse_u32(const char *s, uint32_t *out)
{
	unsigned long long v;
	char *end;
	int base = 10;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s)
			return false;
	}
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

const char *msr_name_why(const char *name, const char *what)
{
	/* one operand at a time: the CLI is single-threaded */
	static char buf[256];
	const char *hint = msrtrap_msr_lookup_hint(name);

	if (hint) {
		snprintf(buf, sizeof(buf), "ambiguous MSR name: %s", hint);
		return buf;
	}
	hint = msrtrap_msr_suggest(name);
	if (!hint)
		return what;
	snprintf(buf, sizeof(buf), "%s (did you mean '%s'?)", what, hint);
	return buf;
}

static bool parse_one(const char *s, uint32_t *out, const char **why)
{
	MSRTRAP_OPTS(msrtrap_msr_info, info);

	if (parse_u32(s, out))
		return true;
	if (*s >= '0' && *s <= '9') {
		*why = "not a 32-bit MSR number";
		return false;
	}
	if (msrtrap_msr_lookup(s, &info)) {
		*why = msr_name_why(s, "unknown MSR name");
		return false;
	}
	*out = info.index;
	return true;
}

bool parse_msr_operand(const char *s, uint32_t *first, uint32_t *last,
		       const char **why)
{
	const char *dash = strchr(s, '-');
	char lo[128];

	if (!dash)
		return parse_one(s, first, why) && (*last = *first, true);
	if ((size_t)(dash - s) >= sizeof(lo) || dash == s) {
		*why = "bad interval";
		return false;
	}
	memcpy(lo, s, (size_t)(dash - s));
	lo[dash - s] = 0;
	if (!parse_one(lo, first, why) || !parse_one(dash + 1, last, why))
		return false;
	if (*first > *last) {
		*why = "interval end is below its start";
		return false;
	}
	return true;
}

void print_json(json_t *value)
{
	char *text = json_dumps(value, JSON_COMPACT | JSON_PRESERVE_ORDER |
					       JSON_ENCODE_ANY);

	if (text) {
		fputs(text, stdout);
		fputc('\n', stdout);
		free(text);
	}
	json_decref(value);
}

void describe_interval_if(uint32_t first, uint32_t last, unsigned int max,
			  bool (*keep)(uint32_t msr, const void *ctx),
			  const void *ctx, char *buf, size_t size)
{
	struct mt_strbuf b = MT_STRBUF_INIT;
	size_t i = msrtrap_msr_lower_bound(first);
	unsigned int shown = 0, more = 0;
	MSRTRAP_OPTS(msrtrap_msr_info, info);

	for (; msrtrap_msr_at(i, &info) == 0 && info.index <= last; i++) {
		if (!info.canonical || (keep && !keep(info.index, ctx)))
			continue;
		if (shown == max) {
			more++;
			continue;
		}
		mt_strbuf_printf(&b, "%s%s", shown ? ", " : "", info.name);
		shown++;
	}
	if (more)
		mt_strbuf_printf(&b, " (+%u more)", more);
	/* cut at size, as the callers' fixed buffers always were */
	snprintf(buf, size, "%s", b.s ? b.s : "");
	mt_strbuf_fini(&b);
}

void describe_interval(uint32_t first, uint32_t last, unsigned int max,
		       char *buf, size_t size)
{
	describe_interval_if(first, last, max, NULL, NULL, buf, size);
}

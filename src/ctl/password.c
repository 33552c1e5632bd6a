#include "ctl/password.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "common/xmalloc.h"

static bool pw_alloc(struct password *pw)
{
	pw->len = 0;
	pw->s = sodium_malloc(PASSWORD_MAX + 2);
	if (pw->s == NULL)
		xoom();
	return true;
}

void password_free(struct password *pw)
{
	if (pw->s != NULL)
		sodium_free(pw->s);     /* wipes */
	pw->s = NULL;
	pw->len = 0;
}

/* A signal that arrived while the terminal's echo was off. */
static volatile sig_atomic_t pending_signal;

static void on_signal(int sig)
{
	pending_signal = sig;
}

/* One byte of fd: 1, 0 at end of input, -1 on error or a caught signal.
 * A signal may land just before read() would block, so it polls in short
 * steps and looks for one in between. */
static ssize_t read_byte(int fd, char *c)
{
	for (;;) {
		if (pending_signal) {
			errno = EINTR;
			return -1;
		}
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int pr = poll(&p, 1, 200);
		if (pr < 0 && errno != EINTR)
			return -1;
		if (pr <= 0)
			continue;
		ssize_t n = read(fd, c, 1);
		if (n >= 0 || errno != EINTR)
			return n;
	}
}

/* Reads one line from fd byte by byte, so nothing past the line is
 * consumed (the next password may follow on stdin) and no stdio buffer
 * keeps a copy. */
static bool read_line(int fd, struct password *pw, struct buf *err)
{
	pw_alloc(pw);
	bool toolong = false, nul = false;
	for (;;) {
		char c;
		ssize_t n = read_byte(fd, &c);
		if (n < 0) {
			buf_printf(err, "cannot read the password: %s", strerror(errno));
			password_free(pw);
			return false;
		}
		if (n == 0 || c == '\n')
			break;
		nul = nul || c == '\0';
		if (pw->len < PASSWORD_MAX + 1)
			pw->s[pw->len++] = c;
		else
			toolong = true;
	}
	if (pw->len > 0 && pw->s[pw->len - 1] == '\r')
		pw->len--;
	toolong = toolong || pw->len > PASSWORD_MAX;
	pw->s[pw->len] = '\0';
	const char *why = toolong ? "password longer than 1024 bytes" :
	    nul ? "password contains a NUL byte" :
	    pw->len == 0 ? "empty password" : NULL;
	if (why != NULL) {
		buf_addstr(err, why);
		password_free(pw);
		return false;
	}
	return true;
}

bool password_from_stdin(struct password *pw, struct buf *err)
{
	return read_line(STDIN_FILENO, pw, err);
}

bool password_from_file(const char *path, struct password *pw, struct buf *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		return false;
	}
	bool ok = read_line(fd, pw, err);
	close(fd);
	return ok;
}

static void say(int fd, const char *s)
{
	size_t n = strlen(s);
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define NSTOP (sizeof stop_signals / sizeof stop_signals[0])

/* While echo is off, a signal must not end the process before the
 * terminal is restored: it interrupts the read and is raised again after. */
static void catch_signals(struct sigaction old[NSTOP])
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;      /* no SA_RESTART: read() returns */
	sigemptyset(&sa.sa_mask);
	pending_signal = 0;
	for (size_t i = 0; i < NSTOP; i++)
		sigaction(stop_signals[i], &sa, &old[i]);
}

static void release_signals(const struct sigaction old[NSTOP])
{
	for (size_t i = 0; i < NSTOP; i++)
		sigaction(stop_signals[i], &old[i], NULL);
	if (pending_signal)
		raise(pending_signal);
}

static bool ask(int fd, const char *prompt, struct password *pw, struct buf *err)
{
	struct termios old, quiet;
	struct sigaction oldsa[NSTOP];
	bool have_termios = tcgetattr(fd, &old) == 0;
	catch_signals(oldsa);
	/* Echo off before the prompt: what is typed after it must not show,
	 * and nothing typed after it may be flushed. */
	if (have_termios) {
		quiet = old;
		quiet.c_lflag &= (tcflag_t)~(ECHO | ECHOE | ECHOK | ECHONL);
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	say(fd, prompt);
	bool ok = read_line(fd, pw, err);
	if (have_termios)
		tcsetattr(fd, TCSANOW, &old);
	say(fd, "\n");
	release_signals(oldsa);
	return ok;
}

bool password_from_tty(const char *prompt, bool confirm, struct password *pw,
    struct buf *err)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		buf_addstr(err, "no terminal to ask for the password "
		    "(use --password-stdin)");
		return false;
	}
	bool ok = ask(fd, prompt, pw, err);
	if (ok && confirm) {
		struct password again = { NULL, 0 };
		ok = ask(fd, "Retype the password: ", &again, err);
		if (ok && (again.len != pw->len ||
		    sodium_memcmp(again.s, pw->s, pw->len) != 0)) {
			buf_addstr(err, "passwords do not match");
			ok = false;
		}
		password_free(&again);
		if (!ok)
			password_free(pw);
	}
	close(fd);
	return ok;
}

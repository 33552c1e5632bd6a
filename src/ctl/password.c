#include "ctl/password.h"

#include <errno.h>
#include <fcntl.h>
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

/* Reads one line from fd byte by byte, so nothing past the line is
 * consumed (the next password may follow on stdin) and no stdio buffer
 * keeps a copy. */
static bool read_line(int fd, struct password *pw, struct buf *err)
{
	pw_alloc(pw);
	bool toolong = false, nul = false;
	for (;;) {
		char c;
		ssize_t n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
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

static bool ask(int fd, const char *prompt, struct password *pw, struct buf *err)
{
	struct termios old, quiet;
	bool have_termios = tcgetattr(fd, &old) == 0;
	say(fd, prompt);
	if (have_termios) {
		quiet = old;
		quiet.c_lflag &= (tcflag_t)~(ECHO | ECHOE | ECHOK | ECHONL);
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	bool ok = read_line(fd, pw, err);
	if (have_termios)
		tcsetattr(fd, TCSAFLUSH, &old);
	say(fd, "\n");
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

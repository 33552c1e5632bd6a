#include "ctl/ctl.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/buf.h"
#include "common/config.h"
#include "common/fileutil.h"

__attribute__((format(printf, 1, 0)))
static void vreport(const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT;
	buf_vprintf(&b, fmt, ap);
	fprintf(stderr, "mailboxctl: %s\n", buf_cstr(&b));
	buf_free(&b);
}

int ctl_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
	return 1;
}

int ctl_usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
	return 2;
}

struct config *ctl_load_config(struct ctl *ctl)
{
	struct buf err = BUF_INIT;
	struct config *cfg = config_load(config_choose_path(ctl->conf_arg), &err);
	if (cfg == NULL)
		ctl_fail("%s", buf_cstr(&err));
	buf_free(&err);
	return cfg;
}

long ctl_daemon_pid(const struct config *cfg)
{
	struct buf path = BUF_INIT, text = BUF_INIT, err = BUF_INIT;
	config_state_path(cfg, "mailboxd.pid", &path);
	long pid = file_read_all(path.data, 64, &text, &err) ?
	    strtol(buf_cstr(&text), NULL, 10) : 0;
	if (pid <= 1 || kill((pid_t)pid, 0) != 0)
		pid = 0;
	buf_free(&path);
	buf_free(&text);
	buf_free(&err);
	return pid;
}

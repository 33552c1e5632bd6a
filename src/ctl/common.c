#include "ctl/ctl.h"

#include <stdarg.h>
#include <stdio.h>

#include "common/buf.h"
#include "common/config.h"

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

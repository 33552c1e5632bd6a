#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "common/buf.h"

static const char *log_ident = "archmailbox";
static int log_stderr = 1;
static enum log_level log_level = LOG_LVL_INFO;

void log_open(const char *ident, int to_stderr)
{
	log_ident = ident;
	log_stderr = to_stderr;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void log_set_level(enum log_level lvl)
{
	log_level = lvl;
}

bool log_set_level_name(const char *name)
{
	static const char *names[] = { "error", "warning", "info", "debug" };
	for (int i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0) {
			log_level = (enum log_level)i;
			return true;
		}
	return false;
}

static int syslog_prio(enum log_level lvl)
{
	switch (lvl) {
	case LOG_LVL_ERR:  return LOG_ERR;
	case LOG_LVL_WARN: return LOG_WARNING;
	case LOG_LVL_INFO: return LOG_INFO;
	default:           return LOG_DEBUG;
	}
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	if (lvl > log_level)
		return;
	struct buf line = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&line, fmt, ap);
	va_end(ap);
	/* One record per line: a control character in logged peer data must
	 * not forge a second log line. */
	for (size_t i = 0; i < line.len; i++)
		if ((unsigned char)line.data[i] < 0x20)
			line.data[i] = '?';
	if (log_stderr) {
		static const char *names[] = { "error", "warning", "info", "debug" };
		fprintf(stderr, "%s: %s: %s\n", log_ident, names[lvl], buf_cstr(&line));
	} else {
		syslog(syslog_prio(lvl), "%s", buf_cstr(&line));
	}
	buf_free(&line);
}

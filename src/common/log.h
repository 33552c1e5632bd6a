/* Logging to stderr (foreground, tools) or syslog facility mail (daemon).
 * Never pass a password, key or message body to these. */
#ifndef AMB_LOG_H
#define AMB_LOG_H
#include <stdbool.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_open(const char *ident, int to_stderr);
void log_set_level(enum log_level lvl);
/* "error", "warning", "info" or "debug"; false for anything else. */
bool log_set_level_name(const char *name);
void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define log_err(...)   log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif

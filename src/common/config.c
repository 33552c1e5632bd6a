/* mailbox.conf reader and the in-place editor behind `mailboxctl config set`. */
#include "common/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config_table.h"
#include "common/fileutil.h"
#include "common/str.h"
#include "common/xmalloc.h"

#define CONFIG_MAX_BYTES (1 << 20)

struct config {
	char *path;
	char *values[64];       /* indexed like config_settings; NULL: default */
	int lines[64];
};


const char *config_choose_path(const char *arg)
{
	if (arg != NULL)
		return arg;
	const char *env = getenv("MAILBOX_CONF");
	return env != NULL && *env ? env : CONFIG_DEFAULT_PATH;
}

/* Splits "key = value" in place. Returns 0 for a setting, 1 for a blank or
 * comment line, -1 for a malformed line. */
static int split_line(char *line, char **key, char **value)
{
	str_trim(line);
	if (line[0] == '\0' || line[0] == '#')
		return 1;
	char *eq = strchr(line, '=');
	if (eq == NULL)
		return -1;
	*eq = '\0';
	*key = str_trim(line);
	*value = str_trim(eq + 1);
	return **key != '\0' ? 0 : -1;
}

static unsigned setting_index(const struct config_setting *s)
{
	return (unsigned)(s - config_settings);
}

static bool load_line(struct config *cfg, char *line, int lineno, struct buf *err)
{
	char *key, *value;
	int kind = split_line(line, &key, &value);
	if (kind == 1)
		return true;
	if (kind < 0) {
		buf_printf(err, "%s:%d: expected 'key = value'", cfg->path, lineno);
		return false;
	}
	const struct config_setting *s = config_find(key);
	if (s == NULL) {
		buf_printf(err, "%s:%d: unknown setting '%s'", cfg->path, lineno, key);
		return false;
	}
	unsigned i = setting_index(s);
	if (cfg->values[i] != NULL) {
		buf_printf(err, "%s:%d: '%s' is already set on line %d", cfg->path,
		    lineno, key, cfg->lines[i]);
		return false;
	}
	struct buf why = BUF_INIT;
	bool ok = config_check_value(s, value, &why);
	if (ok) {
		cfg->values[i] = xstrdup(value);
		cfg->lines[i] = lineno;
	} else {
		buf_printf(err, "%s:%d: %s", cfg->path, lineno, buf_cstr(&why));
	}
	buf_free(&why);
	return ok;
}

static bool parse_text(struct config *cfg, char *text, struct buf *err)
{
	int lineno = 0;
	char *save = NULL;
	/* strtok_r would merge empty lines and shift the numbering. */
	for (char *line = text; line != NULL; line = save) {
		char *nl = strchr(line, '\n');
		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		if (!load_line(cfg, line, lineno, err))
			return false;
	}
	return true;
}

struct config *config_parse(const char *name, const char *text, size_t len,
    struct buf *err)
{
	if (memchr(text, '\0', len) != NULL) {
		buf_printf(err, "%s: not a text file (contains NUL bytes)", name);
		return NULL;
	}
	if (config_nsettings > sizeof ((struct config *)0)->values / sizeof(char *))
		abort();        /* the table outgrew struct config */
	struct config *cfg = xcalloc(1, sizeof *cfg);
	cfg->path = xstrdup(name);
	char *copy = xstrndup(text, len);
	bool ok = parse_text(cfg, copy, err);
	free(copy);
	if (!ok) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

struct config *config_load(const char *path, struct buf *err)
{
	struct buf text = BUF_INIT;
	struct config *cfg = NULL;
	if (file_read_all(path, CONFIG_MAX_BYTES, &text, err))
		cfg = config_parse(path, buf_cstr(&text), text.len, err);
	buf_free(&text);
	return cfg;
}

void config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	for (unsigned i = 0; i < config_nsettings; i++)
		free(cfg->values[i]);
	free(cfg->path);
	free(cfg);
}

const char *config_file(const struct config *cfg)
{
	return cfg->path;
}

static const struct config_setting *must_find(const char *key)
{
	const struct config_setting *s = config_find(key);
	if (s == NULL) {
		fprintf(stderr, "internal error: unknown setting '%s'\n", key);
		abort();
	}
	return s;
}

const char *config_str(const struct config *cfg, const char *key)
{
	const struct config_setting *s = must_find(key);
	const char *v = cfg->values[setting_index(s)];
	return v != NULL ? v : s->def;
}

unsigned long long config_size(const struct config *cfg, const char *key)
{
	unsigned long long v = 0;
	str_parse_size(config_str(cfg, key), &v);
	return v;
}

long long config_int(const struct config *cfg, const char *key)
{
	return strtoll(config_str(cfg, key), NULL, 10);
}

bool config_bool(const struct config *cfg, const char *key)
{
	bool v = false;
	config_parse_bool(config_str(cfg, key), &v);
	return v;
}

long long config_score(const struct config *cfg, const char *key)
{
	long long v = 0;
	config_parse_score(config_str(cfg, key), &v);
	return v;
}

void config_state_path(const struct config *cfg, const char *rel, struct buf *out)
{
	if (rel[0] == '/') {
		buf_addstr(out, rel);
		return;
	}
	buf_printf(out, "%s/%s", config_str(cfg, "state_dir"), rel);
}

bool config_validate(const char *key, const char *value, struct buf *err)
{
	const struct config_setting *s = config_find(key);
	if (s == NULL) {
		buf_printf(err, "unknown setting '%s'", key);
		return false;
	}
	return config_check_value(s, value, err);
}

/* Replaces the line that sets key (keeping the other lines byte for byte),
 * or appends one. */
static void rewrite_setting(const char *text, size_t len, const char *key,
    const char *value, struct buf *out)
{
	bool done = false;
	for (size_t pos = 0; pos < len; ) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) + 1 : len;
		char *line = xstrndup(text + pos, end - pos);
		char *k, *v;
		if (split_line(line, &k, &v) == 0 && strcmp(k, key) == 0) {
			if (!done)
				buf_printf(out, "%s = %s\n", key, value);
			done = true;
		} else {
			buf_add(out, text + pos, end - pos);
		}
		free(line);
		pos = end;
	}
	if (!done) {
		if (out->len > 0 && out->data[out->len - 1] != '\n')
			buf_addch(out, '\n');
		buf_printf(out, "%s = %s\n", key, value);
	}
}

bool config_set(const char *path, const char *key, const char *value,
    struct buf *err)
{
	if (!config_validate(key, value, err))
		return false;
	struct config *cfg = config_load(path, err);
	if (cfg == NULL)
		return false;
	config_free(cfg);
	struct buf text = BUF_INIT, out = BUF_INIT;
	bool ok = file_read_all(path, CONFIG_MAX_BYTES, &text, err);
	if (ok) {
		rewrite_setting(buf_cstr(&text), text.len, key, value, &out);
		ok = file_write_atomic(path, out.data, out.len, -1, err);
	}
	buf_free(&text);
	buf_free(&out);
	return ok;
}

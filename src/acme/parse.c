#include "acme/parse.h"

#include <string.h>

#include <jansson.h>

#include "common/str.h"

#define PROBLEM_PREFIX "urn:ietf:params:acme:error:"

static json_t *load(const char *json, size_t len, struct buf *err)
{
	json_error_t e;
	json_t *j = len > 1024 * 1024 ? NULL :
	    json_loadb(json, len, JSON_REJECT_DUPLICATES, &e);
	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	if (j == NULL && err != NULL)
		buf_addstr(err, "the ACME server's answer is not a JSON object");
	return j;
}

/* Printable ASCII only, so nothing odd reaches a log line or terminal. */
static void add_clean(struct buf *out, const char *s, size_t max)
{
	for (size_t i = 0; s[i] && i < max; i++) {
		unsigned char c = (unsigned char)s[i];
		buf_addch(out, c >= 0x20 && c < 0x7f ? (char)c : '?');
	}
}

static const char *get_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool copy_url(char *dst, const char *src)
{
	return src != NULL && (str_has_prefix(src, "https://") ||
	    str_has_prefix(src, "http://")) && strlen(src) < ACME_URL_MAX &&
	    strpbrk(src, " \t\r\n\"") == NULL && str_copy(dst, ACME_URL_MAX, src);
}

static void problem_text(json_t *p, struct buf *out, int depth)
{
	const char *type = get_str(p, "type");
	const char *detail = get_str(p, "detail");
	if (type == NULL)
		type = "about:blank";
	if (str_has_prefix(type, PROBLEM_PREFIX))
		type += strlen(PROBLEM_PREFIX);
	add_clean(out, type, 200);
	if (detail != NULL) {
		buf_addstr(out, ": ");
		add_clean(out, detail, 1000);
	}
	json_t *subs = json_object_get(p, "subproblems");
	size_t i;
	json_t *sub;
	if (depth == 0 && json_is_array(subs))
		json_array_foreach(subs, i, sub) {
			if (i >= 5 || !json_is_object(sub))
				break;
			buf_addstr(out, "; ");
			problem_text(sub, out, 1);
		}
}

bool acme_parse_problem(const char *json, size_t len, struct buf *out)
{
	json_t *j = load(json, len, NULL);
	if (j == NULL)
		return false;
	problem_text(j, out, 0);
	json_decref(j);
	return true;
}

bool acme_problem_is(const char *problem, const char *type)
{
	size_t n = strlen(type);
	return strncmp(problem, type, n) == 0 && (problem[n] == ':' || !problem[n]);
}

bool acme_parse_directory(const char *json, size_t len,
    struct acme_directory *d, struct buf *err)
{
	json_t *j = load(json, len, err);
	if (j == NULL)
		return false;
	bool ok = copy_url(d->new_nonce, get_str(j, "newNonce")) &&
	    copy_url(d->new_account, get_str(j, "newAccount")) &&
	    copy_url(d->new_order, get_str(j, "newOrder"));
	if (!ok)
		buf_addstr(err, "this is not an ACME directory (no newNonce, "
		    "newAccount and newOrder URLs)");
	json_decref(j);
	return ok;
}

static enum acme_status status_of(json_t *o)
{
	static const char *const names[] = { "pending", "ready", "processing",
		"valid", "invalid" };
	const char *s = get_str(o, "status");
	for (unsigned i = 0; s && i < sizeof names / sizeof names[0]; i++)
		if (strcmp(s, names[i]) == 0)
			return (enum acme_status)i;
	return ACME_OTHER;
}

bool acme_parse_order(const char *json, size_t len, struct acme_order *o,
    struct buf *err)
{
	json_t *j = load(json, len, err);
	if (j == NULL)
		return false;
	buf_reset(&o->error);
	o->status = status_of(j);
	o->nauthz = 0;
	o->certificate[0] = '\0';
	json_t *list = json_object_get(j, "authorizations"), *v;
	size_t i;
	bool ok = json_is_array(list) && json_array_size(list) <= ACME_MAX_NAMES &&
	    copy_url(o->finalize, get_str(j, "finalize"));
	if (ok)
		json_array_foreach(list, i, v)
			ok = ok && copy_url(o->authz[o->nauthz++], json_string_value(v));
	const char *cert = get_str(j, "certificate");
	if (ok && cert != NULL)
		ok = copy_url(o->certificate, cert);
	if (json_is_object(json_object_get(j, "error")))
		problem_text(json_object_get(j, "error"), &o->error, 0);
	if (!ok)
		buf_addstr(err, "the ACME server sent a malformed order");
	json_decref(j);
	return ok;
}

static bool valid_token(const char *t)
{
	size_t n = t ? strlen(t) : 0;
	return n > 0 && n < ACME_TOKEN_MAX &&
	    strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	        "0123456789-_") == n;
}

static bool valid_name(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n > 0 && n < 254 && s[0] != '.' && s[0] != '-' && strstr(s, "..") == NULL &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-.") == n;
}

static bool parse_challenge(json_t *c, struct acme_authz *a)
{
	const char *type = get_str(c, "type");
	struct acme_challenge *ch = NULL;
	if (type != NULL && strcmp(type, "http-01") == 0)
		ch = &a->http01;
	else if (type != NULL && strcmp(type, "tls-alpn-01") == 0)
		ch = &a->tlsalpn01;
	if (ch == NULL)
		return true;    /* dns-01 and unknown types are not ours */
	const char *token = get_str(c, "token");
	if (!copy_url(ch->url, get_str(c, "url")) || !valid_token(token))
		return false;
	str_copy(ch->token, sizeof ch->token, token);
	ch->status = status_of(c);
	if (json_is_object(json_object_get(c, "error")) && a->error.len == 0)
		problem_text(json_object_get(c, "error"), &a->error, 0);
	return true;
}

bool acme_parse_authz(const char *json, size_t len, struct acme_authz *a,
    struct buf *err)
{
	json_t *j = load(json, len, err);
	if (j == NULL)
		return false;
	buf_reset(&a->error);
	a->status = status_of(j);
	a->http01.url[0] = a->tlsalpn01.url[0] = '\0';
	json_t *id = json_object_get(j, "identifier");
	const char *type = get_str(id, "type"), *name = get_str(id, "value");
	json_t *list = json_object_get(j, "challenges"), *c;
	size_t i;
	bool ok = type && strcmp(type, "dns") == 0 && valid_name(name) &&
	    json_is_array(list) && str_copy(a->name, sizeof a->name, name);
	a->wildcard = json_is_true(json_object_get(j, "wildcard"));
	if (ok)
		json_array_foreach(list, i, c)
			ok = ok && json_is_object(c) && parse_challenge(c, a);
	if (!ok)
		buf_addstr(err, "the ACME server sent a malformed authorization");
	json_decref(j);
	return ok;
}

#include "acme/http.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "common/str.h"
#include "common/xmalloc.h"

struct acme_http {
	CURL *curl;
	char *ca_file;
};

struct acme_http *acme_http_new(const char *ca_file)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct acme_http *h = xmalloc(sizeof *h);
	h->curl = curl_easy_init();
	h->ca_file = ca_file ? xstrdup(ca_file) : NULL;
	if (h->curl == NULL) {
		acme_http_free(h);
		return NULL;
	}
	return h;
}

void acme_http_free(struct acme_http *h)
{
	if (h == NULL)
		return;
	curl_easy_cleanup(h->curl);
	free(h->ca_file);
	free(h);
	curl_global_cleanup();   /* counted: pairs with acme_http_new's init */
}

/* The value of "Name: value", trimmed: 1 when the line is that header
 * with a usable value, -1 when its value is unusable, 0 for others. */
static int header_value(const char *line, size_t len, const char *name,
    char *out, size_t outsz)
{
	size_t n = strlen(name);
	if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
		return 0;
	const char *v = line + n + 1;
	size_t vlen = len - n - 1;
	while (vlen > 0 && (*v == ' ' || *v == '\t'))
		v++, vlen--;
	while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' ||
	    v[vlen - 1] == ' '))
		vlen--;
	if (vlen >= outsz || memchr(v, '\0', vlen) != NULL)
		return -1;
	memcpy(out, v, vlen);
	out[vlen] = '\0';
	return 1;
}

void acme_http_header(struct acme_resp *r, const char *line, size_t len)
{
	char v[ACME_URL_MAX];
	if (header_value(line, len, "Replay-Nonce", v, sizeof v) > 0) {
		if (strlen(v) < sizeof r->nonce && strspn(v, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == strlen(v))
			str_copy(r->nonce, sizeof r->nonce, v);
	} else if (header_value(line, len, "Location", v, sizeof v) > 0) {
		str_copy(r->location, sizeof r->location, v);
	} else if (header_value(line, len, "Content-Type", v, sizeof v) > 0) {
		r->problem = strncasecmp(v, "application/problem+json", 24) == 0;
	} else if (header_value(line, len, "Retry-After", v, sizeof v) > 0) {
		char *end;
		long s = strtol(v, &end, 10);
		r->retry_after = *end == '\0' && s > 0 ? s : 0;
	}
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	acme_http_header(arg, p, size * n);
	return size * n;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct acme_resp *r = arg;
	if (r->body.len + size * n > ACME_BODY_MAX)
		return 0;     /* makes curl fail the transfer */
	buf_add(&r->body, p, size * n);
	return size * n;
}

static void explain(CURLcode rc, const char *detail, const char *url,
    struct buf *err)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
		buf_printf(err, "cannot resolve the ACME server's name in %s", url);
		break;
	case CURLE_COULDNT_CONNECT:
		buf_printf(err, "cannot connect to the ACME server at %s: %s", url, detail);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CACERT_BADFILE:
		buf_printf(err, "TLS with the ACME server at %s failed (%s); a private "
		    "server needs --directory-ca", url, detail);
		break;
	case CURLE_WRITE_ERROR:
		buf_printf(err, "the ACME server's answer from %s is too large", url);
		break;
	default:
		buf_printf(err, "request to %s failed: %s", url, detail);
	}
}

static void reset_resp(struct acme_resp *r)
{
	r->status = 0;
	buf_reset(&r->body);
	r->nonce[0] = r->location[0] = '\0';
	r->problem = false;
	r->retry_after = 0;
}

bool acme_http_do(struct acme_http *h, const char *url, const char *body,
    bool head, struct acme_resp *r, struct buf *err)
{
	char detail[CURL_ERROR_SIZE] = "";
	CURL *c = h->curl;
	struct curl_slist *hdrs = NULL;
	reset_resp(r);
	curl_easy_reset(c);
	if (body != NULL)
		hdrs = curl_slist_append(hdrs, "Content-Type: application/jose+json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_USERAGENT, "archmailbox-acme/1");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, detail);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	if (h->ca_file != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file);
	if (head)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	CURLcode rc = curl_easy_perform(c);
	curl_slist_free_all(hdrs);
	if (rc != CURLE_OK) {
		explain(rc, detail[0] ? detail : curl_easy_strerror(rc), url, err);
		return false;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	return true;
}

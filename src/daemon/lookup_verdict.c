/* The end-of-DATA verdict on inbound mail, in the lookup process, which
 * holds the resolver: smtp lends it a read descriptor of the queue file
 * (MSG_VERDICT); SPF, DKIM and DMARC run on it side by side (authcheck.h)
 * with libunbound answering, VERDICT_DNS_SECONDS at most; then the
 * configured filters (lookup_filter.c); then the policy answers smtp
 * with the SMTP reply, the header lines to add, the spam score and
 * whether the message goes to Junk. */
#include "daemon/roles.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>

#include "common/config.h"
#include "common/dns.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "filter/dnsbl.h"
#include "mail/header.h"
#include "daemon/lookup_int.h"
#include "daemon/lookup_verdict.h"
#include "daemon/verdict_policy.h"

#define VERDICT_DNS_SECONDS 20
/* smtp refuses inbound header sections over 1 MiB; a little slack for
 * our Received field. */
#define VERDICT_HEAD_MAX (1024 * 1024 + 4096)
#define READ_CHUNK (256 * 1024)

static struct dns *vdns;
static struct vjob *jobs;

bool lookup_verdict_setup(const struct config *cfg, struct buf *err)
{
	dmarc_org_init();
	vdns = dns_new(child_base(), config_str(cfg, "resolver"), NULL, err);
	return vdns != NULL;
}

struct dns *lookup_dns(void)
{
	return vdns;
}

void lookup_verdict_shutdown(void)
{
	dns_free(vdns);        /* no callback runs after this */
	vdns = NULL;
	while (jobs != NULL)
		vjob_free(jobs);
}

void vjob_free(struct vjob *j)
{
	if (j->prev)
		j->prev->next = j->next;
	else if (jobs == j)
		jobs = j->next;
	if (j->next)
		j->next->prev = j->prev;
	if (j->fd >= 0)
		close(j->fd);
	if (j->reader)
		event_free(j->reader);
	if (j->deadline)
		event_free(j->deadline);
	authcheck_free(j->ac);
	for (size_t i = 0; i < j->nrcpts; i++)
		free(j->rcpts[i]);
	free(j->rcpts);
	free(j->qid);
	free(j->client);
	free(j->helo);
	free(j->sender);
	free(j->dnsbl);
	buf_free(&j->headers);
	buf_free(&j->filter_headers);
	buf_free(&j->dnsbl_hits);
	buf_free(&j->hdr);
	lookup_filter_free(j);
	free(j);
}

/* ---- the answer ---- */

/* The job has answered; it goes once no DNS callback can still come. */
static void retire(struct vjob *j)
{
	j->answered = true;
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
	if (j->dns_out == 0)
		vjob_free(j);
}

static void reply(struct vjob *j, uint32_t code, const char *enh,
    const char *text)
{
	struct buf hdrs = BUF_INIT, extra = BUF_INIT;
	buf_add(&hdrs, j->headers.data, j->headers.len);
	buf_add(&hdrs, j->filter_headers.data, j->filter_headers.len);
	ipc_w_str(&extra, buf_cstr(&hdrs));
	ipc_w_u32(&extra, (uint32_t)j->score);
	ipc_w_u8(&extra, j->junk);
	reply_verdict(PROC_SMTP, MSG_VERDICT_RESULT, j->id, code, enh, text, &extra);
	log_info("%s: verdict client=%s spf=%s dkim=%s dmarc=%s%s%s score=%.1f%s -> %u",
	    j->qid, j->client, spf_result_name(j->auth.spf),
	    j->auth.dkim_pass ? "pass" : j->auth.ndkim ? "fail" : "none",
	    dmarc_result_name(j->auth.dmarc.result),
	    j->dnsbl_hits.len ? " dnsbl=" : "", buf_cstr(&j->dnsbl_hits),
	    j->score / 1000.0, j->junk ? " junk" : "", code);
	buf_free(&hdrs);
	buf_free(&extra);
	retire(j);
}

/* The lists that named the client at RCPT and that we still ask (smtp
 * only passes on what lookup told it): their points, and a header. */
static int dnsbl_points(struct vjob *j, const struct config *cfg)
{
	size_t n = dnsbl_hits(config_str(cfg, "dnsbl_zones"), j->dnsbl,
	    &j->dnsbl_hits);
	if (n > 0)
		hdr_append_folded(&j->filter_headers, "X-Archmailbox-DNSBL",
		    j->dnsbl_hits.data);
	return (int)n * (int)config_score(cfg, "dnsbl_score");
}

/* The policy, once every check has spoken. */
void vjob_decide(struct vjob *j)
{
	const struct config *cfg = child_config();
	struct verdict_in in = { .auth = &j->auth, .gtube = j->gtube.found,
		.filter_scored = j->filter_scored, .filter_score = j->filter_score,
		.filter_junk = j->filter_junk, .filter_code = j->filter_code,
		.filter_enh = j->filter_enh, .filter_text = j->filter_text,
		.dnsbl_points = dnsbl_points(j, cfg),
		.junk_at = (int)config_score(cfg, "spam_junk_score"),
		.reject_at = (int)config_score(cfg, "spam_reject_score") };
	struct verdict_out out;
	verdict_policy(&in, &out);
	j->score = out.score;
	j->junk = out.junk;
	reply(j, out.code, out.enh, out.text);
}

/* ---- SPF, DKIM, DMARC ---- */

struct vq {
	struct vjob *j;
	unsigned token;
	int type;
};

static void maybe_done(struct vjob *j);

static void on_dns(void *arg, const struct dns_answer *a);

static void ask_all(struct vjob *j)
{
	struct authcheck_query q;
	while (authcheck_next_query(j->ac, &q)) {
		struct vq *x = xcalloc(1, sizeof *x);
		*x = (struct vq){ j, q.token, authcheck_dns_type(q.type) };
		if (dns_query(vdns, q.name, x->type, on_dns, x)) {
			j->dns_out++;
		} else {
			free(x);
			authcheck_answer(j->ac, q.token, AUTHDNS_TEMPFAIL, NULL, 0);
		}
	}
}

static void on_dns(void *arg, const struct dns_answer *a)
{
	struct vq *x = arg;
	struct vjob *j = x->j;
	j->dns_out--;
	if (j->answered) {
		if (j->dns_out == 0)
			vjob_free(j);
	} else if (!j->auth_done) {
		struct authdns_answer ans;
		authdns_answer_from(&ans, x->type, a);
		authcheck_answer(j->ac, x->token, ans.rc, ans.rr, ans.n);
		authdns_answer_free(&ans);
		ask_all(j);
		maybe_done(j);
	}
	free(x);
}

static void maybe_done(struct vjob *j)
{
	if (j->auth_done || !j->body_done ||
	    (authcheck_busy(j->ac) && !j->timed_out))
		return;
	j->auth_done = true;
	event_del(j->deadline);
	authcheck_finish(j->ac, randombytes_uniform(100), &j->auth, &j->headers);
	lookup_filter_start(j);      /* calls vjob_decide when done */
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct vjob *j = arg;
	log_warn("%s: DNS checks took over %d s: temperror", j->qid,
	    VERDICT_DNS_SECONDS);
	j->timed_out = true;
	maybe_done(j);
}

/* One piece of the body per turn of the loop, so a big message does not
 * hold up logins and lookups. */
static void on_read(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct vjob *j = arg;
	static char chunk[READ_CHUNK];
	ssize_t n = pread(j->fd, chunk, sizeof chunk, (off_t)j->off);
	if (n > 0) {
		authcheck_body(j->ac, chunk, (size_t)n);
		gtube_feed(&j->gtube, chunk, (size_t)n);
		j->off += (uint64_t)n;
		event_active(j->reader, EV_READ, 0);
		return;
	}
	if (n < 0)
		log_err("%s: reading the queue file: %m", j->qid);
	j->body_done = true;
	maybe_done(j);
}

/* The header section into j->hdr; j->off is where the body starts. */
static void read_header(struct vjob *j)
{
	struct hdr_scan hs;
	char chunk[16384];
	hdr_scan_init(&hs, VERDICT_HEAD_MAX);
	enum hdr_scan_rc rc = HDR_SCAN_MORE;
	while (rc == HDR_SCAN_MORE) {
		ssize_t n = pread(j->fd, chunk, sizeof chunk, (off_t)j->hdr.len);
		if (n <= 0) {
			rc = hdr_scan_eof(&hs);
			break;
		}
		size_t used;
		rc = hdr_scan_feed(&hs, chunk, (size_t)n, &used);
		buf_add(&j->hdr, chunk, used);
	}
	j->off = j->hdr.len;
}

static bool read_request(struct vjob *j, const struct ipc_msg *m)
{
	struct ipc_reader r;
	const char *qid, *client, *helo, *sender, *dnsbl;
	uint32_t n;
	ipc_reader_init(&r, m);
	if (!ipc_r_str(&r, &qid) || !ipc_r_str(&r, &client) ||
	    !ipc_r_str(&r, &helo) || !ipc_r_str(&r, &sender) ||
	    !ipc_r_str(&r, &dnsbl) || !ipc_r_u32(&r, &n) ||
	    n > VERDICT_MAX_RCPTS)
		return false;
	j->qid = xstrdup(qid);
	j->client = xstrdup(client);
	j->helo = xstrdup(helo);
	j->sender = xstrdup(sender);
	j->dnsbl = xstrdup(dnsbl);
	j->rcpts = xcalloc(n ? n : 1, sizeof *j->rcpts);
	for (uint32_t i = 0; i < n; i++) {
		const char *rc;
		if (!ipc_r_str(&r, &rc))
			return false;
		j->rcpts[j->nrcpts++] = xstrdup(rc);
	}
	return ipc_r_done(&r);
}

void lookup_on_verdict(const struct ipc_msg *m)
{
	struct vjob *j = xcalloc(1, sizeof *j);
	j->id = m->id;
	j->fd = m->fd;
	j->next = jobs;
	if (jobs)
		jobs->prev = j;
	jobs = j;
	struct stat st;
	if (m->fd < 0 || !read_request(j, m) || fstat(j->fd, &st) != 0) {
		log_err("lookup: malformed VERDICT");
		reply_verdict(PROC_SMTP, MSG_VERDICT_RESULT, m->id, 451, "4.3.0",
		    "Temporary local problem", NULL);
		vjob_free(j);
		return;
	}
	j->size = (uint64_t)st.st_size;
	gtube_init(&j->gtube);
	read_header(j);
	struct authcheck_params p = { j->client, j->helo, j->sender,
		config_str(child_config(), "hostname"), buf_cstr(&j->hdr),
		j->hdr.len, (long long)time(NULL) };
	j->ac = authcheck_new(&p);
	j->reader = event_new(child_base(), -1, 0, on_read, j);
	j->deadline = evtimer_new(child_base(), on_deadline, j);
	struct timeval tv = { VERDICT_DNS_SECONDS, 0 };
	evtimer_add(j->deadline, &tv);
	ask_all(j);
	event_active(j->reader, EV_READ, 0);
}

/* Client reputation at RCPT time, for mail from the outside to a valid
 * local recipient: DNS block lists (dnsbl_zones, each answer kept
 * DNSBL_TTL seconds; with dnsbl_action = reject a listed client gets 554
 * 5.7.1, else the lists naming it go back to smtp with the RCPT_RESULT,
 * for the end-of-DATA score) and greylisting (451 4.7.1 for a new
 * client/sender/recipient triplet). The RCPT_RESULT goes out when both
 * have spoken. */
#include "daemon/roles.h"

#include <arpa/inet.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/config.h"
#include "common/dns.h"
#include "common/fileutil.h"
#include "common/log.h"
#include "common/runas.h"
#include "common/str.h"
#include "common/xmalloc.h"
#include "filter/dnsbl.h"
#include "store/greylist.h"
#include "daemon/lookup_int.h"

#define DNSBL_TTL       600
#define DNSBL_SECONDS   10     /* then unanswered lists count as clean */
#define DNSBL_CACHE     256

struct bl_seen {
	char ip[INET6_ADDRSTRLEN];
	time_t at;
	char *listed;              /* the lists naming it, "a, b", or "" */
};

static struct bl_seen seen[DNSBL_CACHE];
static size_t seen_next;
static struct greylist *greylist;
static struct pjob *pjobs;

struct pjob {
	struct pjob *prev, *next;
	uint64_t id;
	char *client, *sender, *rcpt;
	struct rcpt_reply r;
	unsigned dns_out;
	bool done;                 /* answered; waits for DNS to drain */
	struct event *timer;
	struct buf listed;         /* the lists naming the client, "a, b" */
};

struct blq {
	struct pjob *j;
	char zone[DNSBL_NAME_MAX + 1];
};

bool lookup_policy_setup(const struct config *cfg, struct buf *err)
{
	/* The greylist database's directory belongs to lookup's user. */
	struct buf dir = BUF_INIT;
	config_state_path(cfg, "greylist", &dir);
	bool ok = file_mkdir(dir.data, 0700, err);
	if (ok && geteuid() == 0) {
		struct passwd *pw = getpwnam(runas_user(cfg, ROLE_LOOKUP));
		ok = pw != NULL && chown(dir.data, pw->pw_uid, pw->pw_gid) == 0;
		if (!ok)
			buf_printf(err, "%s: cannot give it to the lookup user", dir.data);
	}
	buf_free(&dir);
	return ok;
}

static void pjob_free(struct pjob *j)
{
	if (j->prev)
		j->prev->next = j->next;
	else
		pjobs = j->next;
	if (j->next)
		j->next->prev = j->prev;
	if (j->timer)
		event_free(j->timer);
	buf_free(&j->r.extra);
	buf_free(&j->listed);
	free(j->client);
	free(j->sender);
	free(j->rcpt);
	free(j);
}

void lookup_policy_shutdown(void)
{
	while (pjobs != NULL)
		pjob_free(pjobs);
	greylist_close(greylist);
	greylist = NULL;
	for (size_t i = 0; i < DNSBL_CACHE; i++) {
		free(seen[i].listed);
		seen[i] = (struct bl_seen){ 0 };
	}
}

static const struct bl_seen *seen_lookup(const char *ip)
{
	time_t now = time(NULL);
	for (size_t i = 0; i < DNSBL_CACHE; i++)
		if (strcmp(seen[i].ip, ip) == 0 && now - seen[i].at < DNSBL_TTL)
			return &seen[i];
	return NULL;
}

static void seen_add(const char *ip, const char *listed)
{
	struct bl_seen *s = &seen[seen_next++ % DNSBL_CACHE];
	str_copy(s->ip, sizeof s->ip, ip);
	free(s->listed);
	s->listed = xstrdup(listed);
	s->at = time(NULL);
}

/* An accepted RCPT carries the lists naming the client (proc.h). */
static void answer(struct pjob *j, uint32_t code, const char *enh,
    const char *text)
{
	if (code == 250)
		ipc_w_str(&j->r.extra, buf_cstr(&j->listed));
	reply_verdict(PROC_SMTP, MSG_RCPT_RESULT, j->id, code, enh, text,
	    code == 250 ? &j->r.extra : NULL);
	j->done = true;
	if (j->dns_out == 0)
		pjob_free(j);
}

static bool greylisted(struct pjob *j)
{
	const struct config *cfg = child_config();
	if (!config_bool(cfg, "greylisting"))
		return false;
	struct buf err = BUF_INIT;
	if (greylist == NULL) {
		struct buf path = BUF_INIT;
		config_state_path(cfg, GREYLIST_FILE, &path);
		greylist = greylist_open(path.data, &err);
		buf_free(&path);
	}
	enum greylist_verdict v = greylist == NULL ? GREYLIST_ERROR :
	    greylist_check(greylist, j->client, j->sender, j->rcpt, time(NULL),
	    config_int(cfg, "greylist_delay"),
	    config_int(cfg, "greylist_expiry") * 86400);
	if (v == GREYLIST_ERROR)
		log_err("lookup: greylisting skipped: %s", err.len ? err.data :
		    "database error");
	buf_free(&err);
	return v == GREYLIST_DEFER;
}

/* Every list has answered (or the time is up). */
static void lists_done(struct pjob *j)
{
	if (j->done)
		return;
	if (j->timer)
		event_del(j->timer);
	bool reject = strcmp(config_str(child_config(), "dnsbl_action"),
	    "reject") == 0;
	if (j->listed.len > 0)
		log_info("lookup: client %s listed at %s%s", j->client,
		    j->listed.data, reject ? "" : " (scored)");
	if (j->listed.len > 0 && reject) {
		char text[300];
		snprintf(text, sizeof text, "Client host [%s] blocked using %s",
		    j->client, j->listed.data);
		answer(j, 554, "5.7.1", text);
	} else if (greylisted(j)) {
		log_info("lookup: greylisted %s from <%s> to <%s>", j->client,
		    j->sender, j->rcpt);
		answer(j, 451, "4.7.1", "Greylisted, please try again later");
	} else {
		answer(j, j->r.code, j->r.enh, j->r.text);
	}
}

static void on_list(void *arg, const struct dns_answer *a)
{
	struct blq *q = arg;
	struct pjob *j = q->j;
	j->dns_out--;
	bool hit = false;
	for (size_t i = 0; a->status == DNS_OK && i < a->n; i++)
		hit = hit || (a->len[i] == 4 && dnsbl_listed(a->rdata[i]));
	if (hit && !j->done)
		buf_printf(&j->listed, "%s%s", j->listed.len ? ", " : "", q->zone);
	free(q);
	if (j->done) {
		if (j->dns_out == 0)
			pjob_free(j);
		return;
	}
	if (j->dns_out == 0) {
		seen_add(j->client, buf_cstr(&j->listed));
		lists_done(j);
	}
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct pjob *j = arg;
	log_warn("lookup: block lists did not answer for %s in %d s", j->client,
	    DNSBL_SECONDS);
	lists_done(j);
}

/* Asks every list about the client; false if none could be asked. */
static bool ask_lists(struct pjob *j, const char *zones)
{
	char *copy = xstrdup(zones), *save = NULL;
	unsigned n = 0;
	for (char *z = strtok_r(copy, " ,\t", &save); z && n < DNSBL_MAX_ZONES;
	    z = strtok_r(NULL, " ,\t", &save), n++) {
		char name[DNSBL_NAME_MAX + 2];
		if (!dnsbl_query_name(j->client, z, name, sizeof name))
			continue;
		struct blq *q = xcalloc(1, sizeof *q);
		q->j = j;
		str_copy(q->zone, sizeof q->zone, z);
		if (dns_query(lookup_dns(), name, DNS_T_A, on_list, q))
			j->dns_out++;
		else
			free(q);
	}
	free(copy);
	return j->dns_out > 0;
}

void lookup_policy_rcpt(uint64_t id, const char *client, const char *sender,
    const char *rcpt, struct rcpt_reply *r)
{
	struct pjob *j = xcalloc(1, sizeof *j);
	j->id = id;
	j->client = xstrdup(client);
	j->sender = xstrdup(sender);
	j->rcpt = xstrdup(rcpt);
	j->r = *r;
	r->extra = (struct buf)BUF_INIT;
	j->next = pjobs;
	if (pjobs)
		pjobs->prev = j;
	pjobs = j;
	const char *zones = config_str(child_config(), "dnsbl_zones");
	const struct bl_seen *s = *zones ? seen_lookup(client) : NULL;
	if (s != NULL)
		buf_addstr(&j->listed, s->listed);
	if (*zones == '\0' || s != NULL || !ask_lists(j, zones)) {
		lists_done(j);
		return;
	}
	j->timer = evtimer_new(child_base(), on_timeout, j);
	struct timeval tv = { DNSBL_SECONDS, 0 };
	evtimer_add(j->timer, &tv);
}

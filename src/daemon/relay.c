/* relay process: outbound SMTP. Holds no file and runs unprivileged in
 * an empty chroot. The queue hands it the recipients of one message in
 * one domain (MSG_RELAY, with the message's descriptor); mail our users
 * submitted is first signed by the signer process; then the domain's
 * hosts are tried (relay_route.c) over SMTP (relay_conn.c), and the queue
 * gets one result per recipient (MSG_RELAY_RESULT). */
#include "daemon/roles.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ssl.h>
#include <sodium.h>

#include "common/config.h"
#include "common/dns.h"
#include "common/fileutil.h"
#include "common/log.h"
#include "common/str.h"
#include "common/tls.h"
#include "common/xmalloc.h"
#include "daemon/relay_int.h"
#include "mail/address.h"
#include "smtp/envelope.h"

struct relay_globals relay_g;

static struct {
	struct rjob *jobs;
	uint64_t next_req;
	struct buf chroot;
	bool stopping;
} r;

struct rjob *relay_jobs(void)
{
	return r.jobs;
}

static void job_free(struct rjob *j)
{
	for (struct rjob **pp = &r.jobs; *pp; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	relay_conn_free(j->conn);
	if (!r.stopping)
		reuse_release_followers(j);
	if (j->fd >= 0)
		close(j->fd);
	for (size_t i = 0; i < j->n; i++)
		free(j->rcpts ? j->rcpts[i] : NULL);
	free(j->rcpts);
	free(j->idx);
	free(j->id);
	free(j->sender);
	buf_free(&j->sig);
	buf_free(&j->last_error);
	free(j->sts);
	free(j);
}

void relay_finish(struct rjob *j, const uint8_t *outcome,
    const char *const *reply, const char *relay)
{
	struct buf p = BUF_INIT;
	ipc_w_str(&p, relay);
	ipc_w_u32(&p, (uint32_t)j->n);
	for (size_t i = 0; i < j->n; i++) {
		char text[RELAY_REPLY_MAX];
		str_copy(text, sizeof text, reply[i]);   /* cut if longer */
		ipc_w_u32(&p, j->idx[i]);
		ipc_w_u8(&p, outcome[i]);
		ipc_w_str(&p, text);
	}
	struct ipc_chan *ch = child_peer(PROC_QUEUE);
	if (ch != NULL)
		ipc_send_buf(ch, MSG_RELAY_RESULT, j->queue_req, -1, &p);
	buf_free(&p);
	job_free(j);
}

void relay_finish_all(struct rjob *j, enum deliver_outcome outcome,
    const char *reply, const char *relay)
{
	uint8_t *o = xcalloc(j->n ? j->n : 1, 1);
	const char **rs = xcalloc(j->n ? j->n : 1, sizeof *rs);
	for (size_t i = 0; i < j->n; i++) {
		o[i] = (uint8_t)outcome;
		rs[i] = reply;
	}
	relay_finish(j, o, rs, relay);
	free(o);
	free(rs);
}

/* The part after the last '@' of addr, in A-labels, into out. */
static bool domain_of(const char *addr, char *out, size_t len)
{
	const char *at = strrchr(addr, '@');
	struct buf a = BUF_INIT, err = BUF_INIT;
	bool ok = at != NULL && addr_domain_ascii(at + 1, &a, &err) &&
	    str_copy(out, len, a.data);
	buf_free(&a);
	buf_free(&err);
	return ok;
}

/* MSG_RELAY: fd; str id, str sender, u32 flags, u32 n,
 * n * (u32 index, str address). */
static bool parse_job(const struct ipc_msg *m, struct rjob *j)
{
	struct ipc_reader rd;
	const char *id, *sender, *rcpt;
	uint32_t n;
	ipc_reader_init(&rd, m);
	if (!ipc_r_str(&rd, &id) || !ipc_r_str(&rd, &sender) ||
	    !ipc_r_u32(&rd, &j->flags) || !ipc_r_u32(&rd, &n) || n == 0 ||
	    n > RELAY_MAX_RCPTS)
		return false;
	j->id = xstrdup(id);
	j->sender = xstrdup(sender);
	j->idx = xcalloc(n, sizeof *j->idx);
	j->rcpts = xcalloc(n, sizeof *j->rcpts);
	for (; j->n < n; j->n++) {
		if (!ipc_r_u32(&rd, &j->idx[j->n]) || !ipc_r_str(&rd, &rcpt))
			return false;
		j->rcpts[j->n] = xstrdup(rcpt);
	}
	return ipc_r_done(&rd) && domain_of(j->rcpts[0], j->domain,
	    sizeof j->domain);
}

/* The domain whose keys sign j: the sender's. The notices of the null
 * sender (bounces from MAILER-DAEMON@hostname, vacation replies from a
 * user) are first signed for their From header's domain (the signer
 * reads it: asked with ""), then, if it has no keys, for the host
 * name's. */
static bool sign_domain(struct rjob *j)
{
	if (j->sender[0] == '\0') {
		j->sign_domain[0] = '\0';
		j->sign_by_from = true;
		return true;
	}
	return domain_of(j->sender, j->sign_domain, sizeof j->sign_domain);
}

static bool sign_with_hostname(struct rjob *j)
{
	struct buf from = BUF_INIT;
	buf_printf(&from, "@%s", config_str(child_config(), "hostname"));
	bool named = domain_of(from.data, j->sign_domain, sizeof j->sign_domain);
	buf_free(&from);
	return named;
}

/* A notice of the null sender whose host name has no keys tries its
 * parent domains (mx.example.com, then example.com: aligned with the
 * From for DMARC), down to two labels. */
static bool sign_with_parent(struct rjob *j)
{
	const char *dot = strchr(j->sign_domain, '.');
	if (j->sender[0] != '\0' || dot == NULL || strchr(dot + 1, '.') == NULL)
		return false;
	memmove(j->sign_domain, dot + 1, strlen(dot + 1) + 1);
	return true;
}

static void ask_signer(struct rjob *j)
{
	struct ipc_chan *ch = child_peer(PROC_SIGNER);
	int fd = dup(j->fd);
	if (ch == NULL || fd < 0 || (j->sign_domain[0] == '\0' && !j->sign_by_from)) {
		if (fd >= 0)
			close(fd);
		relay_finish_all(j, DELIVER_TEMPFAIL,
		    "451 4.3.0 DKIM signer unavailable", "");
		return;
	}
	struct buf p = BUF_INIT;
	ipc_w_str(&p, j->sign_domain);
	j->sign_req = ++r.next_req;
	ipc_send_buf(ch, MSG_SIGN, j->sign_req, fd, &p);
	buf_free(&p);
}

static void on_relay(const struct ipc_msg *m)
{
	struct rjob *j = xcalloc(1, sizeof *j);
	j->queue_req = m->id;
	j->fd = m->fd;
	j->next = r.jobs;
	r.jobs = j;
	if (j->fd < 0 || !parse_job(m, j)) {
		log_err("relay: malformed RELAY request");
		relay_finish_all(j, DELIVER_TEMPFAIL,
		    "451 4.3.0 malformed relay request", "");
	} else if (j->flags & ENV_F_SUBMISSION) {
		if (!sign_domain(j))
			j->sign_domain[0] = '\0';    /* ask_signer fails the job */
		ask_signer(j);
	} else {
		relay_route_start(j);
	}
}

/* MSG_SIGN_RESULT: u8 ok, str fields. */
static void on_signed(const struct ipc_msg *m)
{
	struct ipc_reader rd;
	uint8_t ok;
	const char *fields;
	struct rjob *j = r.jobs;
	while (j != NULL && j->sign_req != m->id)
		j = j->next;
	if (j == NULL)
		return;
	j->sign_req = 0;
	ipc_reader_init(&rd, m);
	if (!ipc_r_u8(&rd, &ok) || !ipc_r_str(&rd, &fields) || !ipc_r_done(&rd) ||
	    !ok) {
		relay_finish_all(j, DELIVER_TEMPFAIL,
		    "451 4.3.0 DKIM signing failed", "");
		return;
	}
	if (fields[0] == '\0' && j->sign_by_from) {
		j->sign_by_from = false;
		if (sign_with_hostname(j)) {
			ask_signer(j);
			return;
		}
	} else if (fields[0] == '\0' && sign_with_parent(j)) {
		ask_signer(j);
		return;
	}
	buf_set(&j->sig, fields);
	relay_route_start(j);
}

static void message(enum proc_role from, const struct ipc_msg *m)
{
	if (from == PROC_QUEUE && m->type == MSG_RELAY) {
		on_relay(m);       /* the job owns the fd */
		return;
	}
	if (m->fd >= 0)
		close(m->fd);
	if (from == PROC_SIGNER && m->type == MSG_SIGN_RESULT)
		on_signed(m);
	else
		log_warn("relay: unexpected message %u from %s", m->type,
		    proc_name(from));
}

/* Jobs waiting for a signer that died are tried again later. */
static void peer_down(enum proc_role peer)
{
	if (peer != PROC_SIGNER)
		return;
	struct rjob *j = r.jobs, *next;
	for (; j != NULL; j = next) {
		next = j->next;
		if (j->sign_req != 0)
			relay_finish_all(j, DELIVER_TEMPFAIL,
			    "451 4.3.0 DKIM signer restarted", "");
	}
}

/* The smarthost's credentials, read as root before the chroot: the
 * password file's first line. */
static bool read_credentials(const struct config *cfg, struct buf *err)
{
	const char *user = config_str(cfg, "relay_auth_user");
	const char *file = config_str(cfg, "relay_auth_password_file");
	struct buf pass = BUF_INIT;
	if (user[0] == '\0')
		return true;
	if (file[0] == '\0') {
		buf_printf(err, "relay_auth_user needs relay_auth_password_file");
		return false;
	}
	bool ok = file_read_all(file, 1024, &pass, err);
	if (ok) {
		pass.len = strcspn(buf_cstr(&pass), "\r\n");
		pass.data[pass.len] = '\0';
		relay_g.auth_user = xstrdup(user);
		relay_g.auth_pass = xstrdup(pass.data);
	}
	buf_free(&pass);    /* wipes */
	return ok;
}

static void free_credentials(void)
{
	if (relay_g.auth_pass != NULL)
		sodium_memzero(relay_g.auth_pass, strlen(relay_g.auth_pass));
	free(relay_g.auth_pass);
	free(relay_g.auth_user);
	relay_g.auth_user = relay_g.auth_pass = NULL;
}

static const char *chroot_dir(const struct config *cfg)
{
	(void)cfg;
	return geteuid() == 0 ? r.chroot.data : NULL;
}

/* Everything that reads files (resolv.conf, the trust anchor, OpenSSL's
 * configuration, the CA certificates) happens here, before the chroot. */
static bool setup(const struct config *cfg, struct buf *err)
{
	config_state_path(cfg, "empty", &r.chroot);
	if (geteuid() == 0 && !file_mkdir(r.chroot.data, 0755, err))
		return false;
	relay_g.dns = dns_new(child_base(), config_str(cfg, "resolver"),
	    config_str(cfg, "dnssec_trust_anchor"), err);
	if (relay_g.dns == NULL)
		return false;
	relay_g.tls = SSL_CTX_new(TLS_client_method());
	if (relay_g.tls == NULL) {
		buf_printf(err, "TLS: %s", tls_last_error());
		return false;
	}
	/* Opportunistic TLS (RFC 7435): any certificate is better than
	 * plain text; DANE and MTA-STS are what make it authenticated. */
	SSL_CTX_set_verify(relay_g.tls, SSL_VERIFY_NONE, NULL);
	if (SSL_CTX_dane_enable(relay_g.tls) <= 0) {
		buf_printf(err, "DANE: %s", tls_last_error());
		return false;
	}
	return read_credentials(cfg, err) && relay_sts_setup(cfg, err);
}

static void start(void) {}

static void shutdown_relay(void)
{
	/* The queue tries again whatever it has no answer for. */
	r.stopping = true;
	dns_free(relay_g.dns);
	relay_conn_free_all();
	while (r.jobs != NULL)
		job_free(r.jobs);
	relay_sts_free();
	free_credentials();
	SSL_CTX_free(relay_g.tls);
	buf_free(&r.chroot);
	child_exit(0);
}

const struct role_ops relay_role = {
	.role = PROC_RELAY, .setup = setup, .chroot_dir = chroot_dir,
	.start = start, .message = message, .peer_down = peer_down,
	.shutdown = shutdown_relay,
};

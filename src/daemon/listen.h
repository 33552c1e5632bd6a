/* Listening sockets the master binds (as root) and hands to children. */
#ifndef AMB_LISTEN_H
#define AMB_LISTEN_H
#include <stdbool.h>

#include "common/buf.h"

struct config;

enum service { SVC_SMTP, SVC_SUBMISSION, SVC_SUBMISSIONS, SVC_IMAP, SVC_IMAPS,
	SVC_ACME_TLS, SVC_ACME_HTTP, SVC_COUNT };

struct listener {
	enum service svc;
	char addr[64];
	int fd;
};

struct listeners {
	struct listener *v;
	int n;
};

const char *service_name(enum service svc);
/* Binds every address of the listed services' *_listen settings. */
bool listeners_bind(const struct config *cfg, const enum service *svcs,
    int nsvcs, struct listeners *out, struct buf *err);
/* Adds 0.0.0.0 and [::] on acme_tls_port and acme_http_port (0: none).
 * Mail service does not depend on them: what cannot bind is logged. */
void listeners_bind_acme(const struct config *cfg, struct listeners *out);
void listeners_close(struct listeners *ls);

#endif

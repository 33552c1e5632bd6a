/* Inside imap-login: what the IMAP and the ManageSieve (imaplogin_sieve.c)
 * sides of the pre-login process share. */
#ifndef AMB_IMAPLOGIN_INT_H
#define AMB_IMAPLOGIN_INT_H
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "common/buf.h"
#include "daemon/listen.h"

struct bufferevent;
struct event;
struct imap_parser;
struct msv_parser;

struct login {
	struct login *prev, *next;
	struct bufferevent *bev;          /* the client */
	struct bufferevent *peer;         /* the user's imap process, once in */
	struct event *reaper;
	struct imap_parser *parser;
	struct msv_parser *msv;           /* ManageSieve's, instead */
	enum service svc;
	char client[64];
	bool tls, closing, drop, waiting, sasl;
	time_t close_by;
	unsigned reap_tries;     /* net_reap_delay */
	char *tag;                        /* of LOGIN/AUTHENTICATE under way */
	int proxy_fd;                     /* our end of the session socket */
	uint64_t req;
	struct buf out;
};

/* imaplogin.c */
void login_flush(struct login *l);
/* Ends the connection once the last reply is out (flush) or at once. */
void login_end(struct login *l, bool flush);
/* Sends the credentials to lookup with the session's socket; the answer
 * comes to login_result. tag is IMAP's ("" for ManageSieve). */
bool login_send(struct login *l, const char *tag, const char *user,
    const char *pw);
/* Wraps the connection in TLS (after the reply that says so is out). */
bool login_start_tls(struct login *l);
/* Relays bytes between client and session from now on. */
void login_start_relay(struct login *l);
/* SASL PLAIN's response (base64 of authzid NUL authcid NUL password):
 * 0 and user, pw pointing into raw (wipe it), 1 not base64 or "*"
 * (cancelled), 2 not a valid PLAIN response. */
int login_plain_split(const char *b64, size_t len, unsigned char raw[1024],
    const char **user, const char **pw);

/* imaplogin_sieve.c */
void msv_login_greet(struct login *l);
void msv_login_pump(struct login *l);
void msv_login_tls_done(struct login *l);
void msv_login_result(struct login *l, uint8_t result);
void msv_login_bye(struct login *l, const char *text);

#endif

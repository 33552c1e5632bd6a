/* What the network-facing processes (smtp, imap-login) share: listening
 * sockets from the master, the certificate it sends, client addresses,
 * turning away a client, STARTTLS on a bufferevent, and knowing when the
 * last reply has left. */
#ifndef AMB_NETCONN_H
#define AMB_NETCONN_H
#include <stdbool.h>
#include <stddef.h>

#include <event2/listener.h>
#include <openssl/ssl.h>

#include "common/ipc.h"
#include "daemon/listen.h"

struct bufferevent;
struct sockaddr;

/* MSG_LISTENER: a listener calling cb with the service as its argument;
 * NULL (logged, fd closed) if the message is bad. */
struct evconnlistener *net_listener(const struct ipc_msg *m,
    evconnlistener_cb cb, enum service *svc);
/* MSG_TLS: replaces *ctx when the certificate loads; sessions under TLS
 * keep the context they started with (OpenSSL counts references). */
void net_tls_update(const struct ipc_msg *m, SSL_CTX **ctx, const char *who);
/* The client's address as text. */
void net_client_text(const struct sockaddr *sa, char *out, size_t len);
/* Turns off Nagle's algorithm on a client connection. */
void net_nodelay(int fd);
/* Sends one line (best effort, never blocks) and closes fd. */
void net_refuse(int fd, const char *line);
/* A TLS server bufferevent for fd (implicit TLS), or on top of bev
 * (STARTTLS: what the client sent after the command is dropped first).
 * NULL if TLS cannot start; bev is then still the caller's. */
struct bufferevent *net_tls_accept(SSL_CTX *ctx, int fd);
struct bufferevent *net_tls_wrap(SSL_CTX *ctx, struct bufferevent *bev);
/* Bytes queued for the client, counting what a TLS filter has passed on
 * to the socket's own bufferevent. */
size_t net_pending_output(struct bufferevent *bev);
/* When a closing connection looks again whether its last reply is out:
 * 1 ms, then doubling up to 64 ms (*tries counts the looks). The reply
 * usually leaves in the next turn of the loop, and a client waits for
 * our close after QUIT or LOGOUT. */
struct timeval net_reap_delay(unsigned *tries);
/* "TLSv1.3 with cipher ..." of a TLS bufferevent. */
void net_tls_describe(struct bufferevent *bev, char *out, size_t len);

#endif

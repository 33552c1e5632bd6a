/* Messages between the server's processes: typed and length-checked, one
 * SOCK_SEQPACKET datagram each, optionally carrying a file descriptor.
 * Payloads are built with ipc_w_* and read back with ipc_r_*, which check
 * every length against what arrived. */
#ifndef AMB_IPC_H
#define AMB_IPC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define IPC_HDR_LEN      16
#define IPC_MAX_PAYLOAD  (64 * 1024)

struct ipc_msg {
	uint32_t type;
	uint64_t id;                 /* correlates requests and replies */
	int fd;                      /* received descriptor, or -1 */
	const unsigned char *data;   /* payload */
	size_t len;
};

/* Builds a payload. */
void ipc_w_u8(struct buf *b, uint8_t v);
void ipc_w_u32(struct buf *b, uint32_t v);
void ipc_w_u64(struct buf *b, uint64_t v);
void ipc_w_bytes(struct buf *b, const void *p, size_t len);
void ipc_w_str(struct buf *b, const char *s);   /* NULL is sent as "" */

/* Reads a payload; after the first failure every call fails. */
struct ipc_reader {
	const unsigned char *p;
	size_t len, off;
	bool bad;
};
void ipc_reader_init(struct ipc_reader *r, const struct ipc_msg *m);
bool ipc_r_u8(struct ipc_reader *r, uint8_t *v);
bool ipc_r_u32(struct ipc_reader *r, uint32_t *v);
bool ipc_r_u64(struct ipc_reader *r, uint64_t *v);
/* Points into the message; valid while it is. */
bool ipc_r_bytes(struct ipc_reader *r, const unsigned char **p, size_t *len);
/* A NUL-free string; points into the message. */
bool ipc_r_str(struct ipc_reader *r, const char **s);
/* True when everything was read and nothing failed. */
bool ipc_r_done(const struct ipc_reader *r);

/* Frame codec, independent of sockets (and fuzzed). */
void ipc_frame(struct buf *out, uint32_t type, uint64_t id, const void *p,
    size_t len);
bool ipc_unframe(const unsigned char *p, size_t len, struct ipc_msg *m);

/* A channel: one end of a socketpair driven by a libevent base. */
struct event_base;
struct ipc_chan;
/* msg is NULL when the peer has gone or sent garbage; the channel is then
 * dead and should be freed. The handler owns msg->fd. */
typedef void ipc_handler(struct ipc_chan *ch, const struct ipc_msg *msg,
    void *arg);

struct ipc_chan *ipc_chan_new(struct event_base *base, int fd, const char *name,
    ipc_handler *fn, void *arg);
void ipc_chan_free(struct ipc_chan *ch);
/* Frees it from the event loop: safe inside the channel's own handler. */
void ipc_chan_free_later(struct ipc_chan *ch);
/* Frees at once every channel still waiting for ipc_chan_free_later's
 * deferred free (before the event base goes, at exit). */
void ipc_chan_free_doomed(void);
const char *ipc_chan_name(const struct ipc_chan *ch);
/* Queues a message; fd (or -1) is passed and then closed here. Returns
 * false if the channel is dead. */
bool ipc_send(struct ipc_chan *ch, uint32_t type, uint64_t id, int fd,
    const void *payload, size_t len);
bool ipc_send_buf(struct ipc_chan *ch, uint32_t type, uint64_t id, int fd,
    const struct buf *payload);
/* Blocking send and receive for simple tools and tests (no event loop). */
bool ipc_send_sync(int sock, uint32_t type, uint64_t id, int fd,
    const void *payload, size_t len);
/* Receives one message into storage (>= IPC_HDR_LEN + IPC_MAX_PAYLOAD). */
bool ipc_recv_sync(int sock, unsigned char *storage, size_t cap,
    struct ipc_msg *m);
/* A socketpair suited for channels (SOCK_SEQPACKET, close-on-exec). */
bool ipc_socketpair(int fds[2]);

#endif

#include "t.h"

#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/ipc.h"

static struct ipc_msg msg_of(const struct buf *b)
{
	struct ipc_msg m = { .type = 1, .id = 2, .fd = -1,
	    .data = (const unsigned char *)b->data, .len = b->len };
	return m;
}

TEST(ipc_payload_roundtrip)
{
	struct buf b = BUF_INIT;
	ipc_w_u8(&b, 7);
	ipc_w_u32(&b, 0xdeadbeef);
	ipc_w_u64(&b, UINT64_MAX - 1);
	ipc_w_str(&b, "user@example.test");
	ipc_w_str(&b, NULL);
	ipc_w_bytes(&b, "\0\1\2", 3);
	struct ipc_msg m = msg_of(&b);
	struct ipc_reader r;
	ipc_reader_init(&r, &m);
	uint8_t u8; uint32_t u32; uint64_t u64;
	const char *s1, *s2;
	const unsigned char *p;
	size_t n;
	CHECK(ipc_r_u8(&r, &u8) && u8 == 7);
	CHECK(ipc_r_u32(&r, &u32) && u32 == 0xdeadbeef);
	CHECK(ipc_r_u64(&r, &u64) && u64 == UINT64_MAX - 1);
	CHECK(ipc_r_str(&r, &s1));
	CHECK_STR(s1, "user@example.test");
	CHECK(ipc_r_str(&r, &s2));
	CHECK_STR(s2, "");
	CHECK(ipc_r_bytes(&r, &p, &n) && n == 3 && p[2] == 2);
	CHECK(ipc_r_done(&r));
	CHECK(!ipc_r_u8(&r, &u8));
	CHECK(!ipc_r_done(&r));
	buf_free(&b);
}

TEST(ipc_reader_refuses_hostile_payloads)
{
	struct buf b = BUF_INIT;
	struct ipc_reader r;
	struct ipc_msg m;
	const char *s;
	ipc_w_u32(&b, 1000);            /* claims 1000 bytes, has 3 */
	buf_add(&b, "abc", 3);
	m = msg_of(&b);
	ipc_reader_init(&r, &m);
	CHECK(!ipc_r_str(&r, &s));
	buf_reset(&b);
	ipc_w_bytes(&b, "ab\0c", 5);    /* interior NUL */
	m = msg_of(&b);
	ipc_reader_init(&r, &m);
	CHECK(!ipc_r_str(&r, &s));
	buf_reset(&b);
	ipc_w_bytes(&b, "abc", 3);      /* no terminator */
	m = msg_of(&b);
	ipc_reader_init(&r, &m);
	CHECK(!ipc_r_str(&r, &s));
	buf_reset(&b);
	ipc_w_u32(&b, 0xffffffff);      /* length overflow */
	m = msg_of(&b);
	ipc_reader_init(&r, &m);
	const unsigned char *p;
	size_t n;
	CHECK(!ipc_r_bytes(&r, &p, &n));
	buf_free(&b);
}

TEST(ipc_frames_are_checked)
{
	struct buf f = BUF_INIT;
	struct ipc_msg m;
	ipc_frame(&f, 9, 42, "xyz", 3);
	CHECK(ipc_unframe((const unsigned char *)f.data, f.len, &m));
	CHECK(m.type == 9 && m.id == 42 && m.len == 3 && m.fd == -1);
	CHECK(!ipc_unframe((const unsigned char *)f.data, f.len - 1, &m));
	CHECK(!ipc_unframe((const unsigned char *)f.data, 5, &m));
	f.data[4] = (char)0xff;          /* length field disagrees */
	CHECK(!ipc_unframe((const unsigned char *)f.data, f.len, &m));
	buf_free(&f);
}

struct loop_state {
	struct event_base *base;
	int got;
	int fd_ok;
	int dead;
};

static void on_msg(struct ipc_chan *ch, const struct ipc_msg *m, void *arg)
{
	struct loop_state *st = arg;
	(void)ch;
	if (m == NULL) {
		st->dead++;
		event_base_loopbreak(st->base);
		return;
	}
	st->got++;
	if (m->fd >= 0) {
		char c = 0;
		st->fd_ok = pread(m->fd, &c, 1, 0) == 1 && c == 'Q';
		close(m->fd);
	}
	if (st->got == 200)
		event_base_loopbreak(st->base);
}

TEST(ipc_channel_passes_messages_and_descriptors)
{
	int sv[2];
	CHECK(ipc_socketpair(sv));
	struct loop_state st = { .base = event_base_new() };
	struct ipc_chan *rx = ipc_chan_new(st.base, sv[0], "rx", on_msg, &st);
	struct ipc_chan *tx = ipc_chan_new(st.base, sv[1], "tx", on_msg, &st);
	char path[512];
	snprintf(path, sizeof path, "%s/f", t_tmpdir());
	int fd = open(path, O_CREAT | O_RDWR, 0600);
	CHECK(write(fd, "Q", 1) == 1);
	CHECK(ipc_send(tx, 1, 1, fd, "hello", 5));
	/* More than a socket buffer holds, so some wait for EV_WRITE. */
	static char big[IPC_MAX_PAYLOAD];
	for (int i = 1; i < 200; i++)
		CHECK(ipc_send(tx, 2, (uint64_t)i, -1, big, sizeof big));
	CHECK(!ipc_send(tx, 3, 0, -1, big, sizeof big + 1));
	event_base_dispatch(st.base);
	CHECK(st.got == 200);
	CHECK(st.fd_ok);
	ipc_chan_free(tx);
	event_base_dispatch(st.base);
	CHECK(st.dead == 1);
	ipc_chan_free(rx);
	event_base_free(st.base);
}

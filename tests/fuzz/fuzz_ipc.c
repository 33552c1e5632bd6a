/* libFuzzer target: IPC frame decoding and payload readers. */
#include <stddef.h>
#include <stdint.h>

#include "common/ipc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipc_msg m;
	if (!ipc_unframe(data, size, &m)) {
		/* Also read the raw bytes as a payload. */
		m.data = data;
		m.len = size;
	}
	struct ipc_reader r;
	ipc_reader_init(&r, &m);
	for (int i = 0; i < 64 && !r.bad; i++) {
		uint8_t sel;
		if (!ipc_r_u8(&r, &sel))
			break;
		const char *s;
		const unsigned char *p;
		size_t n;
		uint64_t v;
		switch (sel % 3) {
		case 0: (void)ipc_r_str(&r, &s); break;
		case 1: (void)ipc_r_bytes(&r, &p, &n); break;
		default: (void)ipc_r_u64(&r, &v); break;
		}
	}
	(void)ipc_r_done(&r);
	return 0;
}

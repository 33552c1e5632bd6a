#include "smtp/queue_id.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

void queue_id_new(uint64_t now, char out[QUEUE_ID_SIZE])
{
	uint64_t rnd = 0;
	randombytes_buf(&rnd, sizeof rnd);
	const uint64_t mask = (UINT64_C(1) << 40) - 1;
	snprintf(out, QUEUE_ID_SIZE, "%010llx%010llx",
	    (unsigned long long)(now & mask), (unsigned long long)(rnd & mask));
}

bool queue_id_valid(const char *s)
{
	if (s == NULL)
		return false;
	for (size_t i = 0; i < QUEUE_ID_LEN; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return s[QUEUE_ID_LEN] == '\0';
}

uint64_t queue_id_time(const char *id)
{
	uint64_t v = 0;
	for (size_t i = 0; i < 10; i++) {
		char c = id[i];
		v = (v << 4) | (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
	}
	return v;
}

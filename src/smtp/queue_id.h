/* Queue ids: 20 lowercase hex digits, the first 10 the arrival time in
 * seconds (40 bits, good until year 36812) and the last 10 random (40
 * bits), so ids sort by arrival and collide only by astronomic chance.
 * They become file names, so every id read from a directory or from IPC
 * goes through queue_id_valid before use. */
#ifndef AMB_QUEUE_ID_H
#define AMB_QUEUE_ID_H
#include <stdbool.h>
#include <stdint.h>

#define QUEUE_ID_LEN  20
#define QUEUE_ID_SIZE (QUEUE_ID_LEN + 1)

/* Writes a fresh id for time `now` into out. */
void queue_id_new(uint64_t now, char out[QUEUE_ID_SIZE]);
/* Exactly QUEUE_ID_LEN characters of [0-9a-f], NUL-terminated. */
bool queue_id_valid(const char *s);
/* The arrival time encoded in a valid id. */
uint64_t queue_id_time(const char *id);

#endif

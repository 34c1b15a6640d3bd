/* uuid: 128-bit universally unique identifiers (RFC 4122 version 4), the
 * identity of every OVSDB row (RFC 7047 §3.1 <uuid>). */
#ifndef SEAM_UUID_H
#define SEAM_UUID_H 1

#include <stdbool.h>
#include <stdint.h>

struct uuid {
    uint32_t parts[4];          /* parts[0] holds the first 8 hex digits. */
};

#define UUID_LEN 36             /* Characters in the text form. */
#define UUID_FMT "%08x-%04x-%04x-%04x-%04x%08x"
#define UUID_ARGS(U)                          \
    (U)->parts[0],                            \
    (U)->parts[1] >> 16, (U)->parts[1] & 0xffff, \
    (U)->parts[2] >> 16, (U)->parts[2] & 0xffff, \
    (U)->parts[3]

/* A fresh random (version 4) UUID; seeded once from getrandom(2). */
void uuid_generate(struct uuid *);
void uuid_zero(struct uuid *);
bool uuid_is_zero(const struct uuid *);
/* Parses the 36-character text form; false if 's' is not exactly that. */
bool uuid_from_string(struct uuid *, const char *s);
/* Writes the 36 characters of the text form (no NUL) to 'out'. */
void uuid_format(const struct uuid *, char out[UUID_LEN]);
/* Writes the text form and a NUL into 'buf' (UUID_LEN + 1 bytes). */
void uuid_to_string(const struct uuid *, char buf[UUID_LEN + 1]);
/* Is 's' a syntactically valid identifier of RFC 7047 §3.1 <id>? */
bool ovsdb_id_is_valid(const char *s);

static inline bool
uuid_equals(const struct uuid *a, const struct uuid *b)
{
    return a->parts[0] == b->parts[0] && a->parts[1] == b->parts[1]
        && a->parts[2] == b->parts[2] && a->parts[3] == b->parts[3];
}

static inline uint32_t
uuid_hash(const struct uuid *u)
{
    return u->parts[0];         /* Already random. */
}

int uuid_compare_3way(const struct uuid *, const struct uuid *);

#endif /* uuid.h */

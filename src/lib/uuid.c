/* uuid: see uuid.h. */
#include "uuid.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include "util.h"

/* xoshiro256** seeded from the kernel: fast, and unique enough for row
 * identities; the seed is per process. */
static uint64_t state[4];
static bool seeded;

static inline uint64_t
rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t
next64(void)
{
    uint64_t result = rotl(state[1] * 5, 7) * 9;
    uint64_t t = state[1] << 17;
    state[2] ^= state[0];
    state[3] ^= state[1];
    state[1] ^= state[2];
    state[0] ^= state[3];
    state[2] ^= t;
    state[3] = rotl(state[3], 45);
    return result;
}

static void
seed(void)
{
    if (getrandom(state, sizeof state, 0) != sizeof state) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        state[0] = ts.tv_nsec ^ ((uint64_t) getpid() << 32);
        state[1] = ts.tv_sec;
        state[2] = 0x9e3779b97f4a7c15ULL;
        state[3] = (uintptr_t) &ts;
    }
    seeded = true;
}

void
uuid_generate(struct uuid *u)
{
    if (!seeded) {
        seed();
    }
    uint64_t a = next64(), b = next64();
    u->parts[0] = a >> 32;
    u->parts[1] = ((uint32_t) a & 0xffff0fff) | 0x00004000;  /* Version 4. */
    u->parts[2] = ((b >> 32) & 0x3fffffff) | 0x80000000;      /* Variant. */
    u->parts[3] = (uint32_t) b;
}

void uuid_zero(struct uuid *u) { memset(u, 0, sizeof *u); }

bool
uuid_is_zero(const struct uuid *u)
{
    return !(u->parts[0] | u->parts[1] | u->parts[2] | u->parts[3]);
}

static int
hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

bool
uuid_from_string(struct uuid *u, const char *s)
{
    static const int dash[] = { 8, 13, 18, 23 };
    uint32_t parts[4] = { 0, 0, 0, 0 };
    int nibble = 0;

    for (int i = 0; i < UUID_LEN; i++) {
        if (i == dash[0] || i == dash[1] || i == dash[2] || i == dash[3]) {
            if (s[i] != '-') {
                return false;
            }
            continue;
        }
        int v = hexval((unsigned char) s[i]);
        if (v < 0) {
            return false;
        }
        parts[nibble / 8] = (parts[nibble / 8] << 4) | v;
        nibble++;
    }
    if (s[UUID_LEN] != '\0') {
        return false;
    }
    memcpy(u->parts, parts, sizeof parts);
    return true;
}

/* Two lowercase hex digits per byte value. */
static const char hex_pairs[] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
    "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

static char *
put_hex16(char *out, uint32_t x)
{
    memcpy(out, &hex_pairs[((x >> 8) & 0xff) * 2], 2);
    memcpy(out + 2, &hex_pairs[(x & 0xff) * 2], 2);
    return out + 4;
}

void
uuid_format(const struct uuid *u, char out[UUID_LEN])
{
    char *p = out;
    p = put_hex16(p, u->parts[0] >> 16);
    p = put_hex16(p, u->parts[0]);
    *p++ = '-';
    p = put_hex16(p, u->parts[1] >> 16);
    *p++ = '-';
    p = put_hex16(p, u->parts[1]);
    *p++ = '-';
    p = put_hex16(p, u->parts[2] >> 16);
    *p++ = '-';
    p = put_hex16(p, u->parts[2]);
    p = put_hex16(p, u->parts[3] >> 16);
    put_hex16(p, u->parts[3]);
}

void
uuid_to_string(const struct uuid *u, char buf[UUID_LEN + 1])
{
    uuid_format(u, buf);
    buf[UUID_LEN] = '\0';
}

int
uuid_compare_3way(const struct uuid *a, const struct uuid *b)
{
    for (int i = 0; i < 4; i++) {
        if (a->parts[i] != b->parts[i]) {
            return a->parts[i] < b->parts[i] ? -1 : 1;
        }
    }
    return 0;
}

bool
ovsdb_id_is_valid(const char *s)
{
    if (!isalpha((unsigned char) *s) && *s != '_') {
        return false;
    }
    for (s++; *s; s++) {
        if (!isalnum((unsigned char) *s) && *s != '_') {
            return false;
        }
    }
    return true;
}

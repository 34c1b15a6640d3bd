/* jsonparse: see jsonparse.h. */
#include "ovsdb/jsonparse.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lib/util.h"
#include "lib/uuid.h"
#include "ovsdb/jsonarena.h"

struct parser {
    const unsigned char *p;         /* Next byte. */
    const unsigned char *start;
    const unsigned char *end;
    unsigned int depth, max_depth;
    char *error;                    /* First error, or NULL. */
    char *scratch;                  /* Unescaped strings are built here. */
    size_t scratch_size;
    unsigned int defer;             /* JSONPARSE_DEFER_*. */
    bool params_next;               /* The next value is "params". */
    bool discard;                   /* Validate only: build nothing. */
    unsigned int deferred;          /* JSONPARSE_DEFER_* that happened. */
};

static json_t *parse_value(struct parser *);

static void PRINTF_FMT(2, 3)
fail(struct parser *ps, const char *fmt, ...)
{
    if (!ps->error) {
        va_list args;
        va_start(args, fmt);
        char *msg = xvasprintf(fmt, args);
        va_end(args);
        ps->error = xasprintf("%s at byte %zu", msg, (size_t) (ps->p - ps->start));
        free(msg);
    }
}

static inline void
skip_space(struct parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r'
                               || *ps->p == '\t')) {
        ps->p++;
    }
}

/* Length of the valid UTF-8 sequence at 'p' (at most 'n' bytes available),
 * or 0 if it is not valid (overlong forms, surrogates and code points above
 * U+10FFFF are invalid, as RFC 3629 says). */
static size_t
utf8_length(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    size_t len;
    uint32_t cp;

    if (c < 0x80) {
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
        || (len == 4 && (cp < 0x10000 || cp > 0x10ffff))) {
        return 0;
    }
    return len;
}

static int
hex4(const unsigned char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int c = p[i];
        int d = c >= '0' && c <= '9' ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) {
            return -1;
        }
        v = (v << 4) | d;
    }
    return v;
}

static size_t
put_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = cp;
        return 1;
    } else if (cp < 0x800) {
        out[0] = 0xc0 | (cp >> 6);
        out[1] = 0x80 | (cp & 0x3f);
        return 2;
    } else if (cp < 0x10000) {
        out[0] = 0xe0 | (cp >> 12);
        out[1] = 0x80 | ((cp >> 6) & 0x3f);
        out[2] = 0x80 | (cp & 0x3f);
        return 3;
    }
    out[0] = 0xf0 | (cp >> 18);
    out[1] = 0x80 | ((cp >> 12) & 0x3f);
    out[2] = 0x80 | ((cp >> 6) & 0x3f);
    out[3] = 0x80 | (cp & 0x3f);
    return 4;
}

/* Parses the string at 'ps->p' (just after the opening quote).  Stores its
 * bytes in '*sp' and '*lenp': a pointer into the input when it has no
 * escapes, else into 'ps->scratch'.  Returns false on error. */
static bool
parse_string(struct parser *ps, const char **sp, size_t *lenp)
{
    const unsigned char *q = ps->p;

    /* Fast path: plain ASCII and valid UTF-8 up to the closing quote. */
    while (q < ps->end) {
        unsigned char c = *q;
        if (c == '"') {
            *sp = (const char *) ps->p;
            *lenp = q - ps->p;
            ps->p = q + 1;
            return true;
        } else if (c == '\\') {
            break;
        } else if (c < 0x20) {
            ps->p = q;
            fail(ps, "control character 0x%02x in string", c);
            return false;
        } else if (c < 0x80) {
            q++;
        } else {
            size_t n = utf8_length(q, ps->end - q);
            if (!n) {
                ps->p = q;
                fail(ps, "invalid UTF-8 in string");
                return false;
            }
            q += n;
        }
    }
    if (q >= ps->end) {
        ps->p = q;
        fail(ps, "unterminated string");
        return false;
    }

    /* Slow path: copy with escapes resolved. */
    size_t max = ps->end - ps->p;
    if (ps->scratch_size < max) {
        ps->scratch = xrealloc(ps->scratch, max);
        ps->scratch_size = max;
    }
    size_t n = q - ps->p;
    memcpy(ps->scratch, ps->p, n);
    while (q < ps->end) {
        unsigned char c = *q;
        if (c == '"') {
            *sp = ps->scratch;
            *lenp = n;
            ps->p = q + 1;
            return true;
        } else if (c == '\\') {
            if (q + 1 >= ps->end) {
                break;
            }
            unsigned char e = q[1];
            q += 2;
            switch (e) {
            case '"': ps->scratch[n++] = '"'; break;
            case '\\': ps->scratch[n++] = '\\'; break;
            case '/': ps->scratch[n++] = '/'; break;
            case 'b': ps->scratch[n++] = '\b'; break;
            case 'f': ps->scratch[n++] = '\f'; break;
            case 'n': ps->scratch[n++] = '\n'; break;
            case 'r': ps->scratch[n++] = '\r'; break;
            case 't': ps->scratch[n++] = '\t'; break;
            case 'u': {
                int u = ps->end - q >= 4 ? hex4(q) : -1;
                if (u < 0) {
                    ps->p = q;
                    fail(ps, "invalid \\u escape");
                    return false;
                }
                q += 4;
                uint32_t cp = u;
                if (u >= 0xd800 && u <= 0xdbff) {
                    int lo = (ps->end - q >= 6 && q[0] == '\\' && q[1] == 'u')
                             ? hex4(q + 2) : -1;
                    if (lo < 0xdc00 || lo > 0xdfff) {
                        ps->p = q;
                        fail(ps, "invalid Unicode surrogate pair");
                        return false;
                    }
                    q += 6;
                    cp = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
                } else if (u >= 0xdc00 && u <= 0xdfff) {
                    ps->p = q;
                    fail(ps, "invalid Unicode surrogate");
                    return false;
                } else if (u == 0) {
                    ps->p = q;
                    fail(ps, "\\u0000 is not allowed");
                    return false;
                }
                n += put_utf8(ps->scratch + n, cp);
                break;
            }
            default:
                ps->p = q - 1;
                fail(ps, "invalid escape");
                return false;
            }
        } else if (c < 0x20) {
            ps->p = q;
            fail(ps, "control character 0x%02x in string", c);
            return false;
        } else {
            size_t len = c < 0x80 ? 1 : utf8_length(q, ps->end - q);
            if (!len) {
                ps->p = q;
                fail(ps, "invalid UTF-8 in string");
                return false;
            }
            memcpy(ps->scratch + n, q, len);
            n += len;
            q += len;
        }
    }
    ps->p = q;
    fail(ps, "unterminated string");
    return false;
}

static json_t *
parse_number(struct parser *ps)
{
    const unsigned char *q = ps->p;
    bool is_real = false;

    if (q < ps->end && *q == '-') {
        q++;
    }
    if (q >= ps->end || *q < '0' || *q > '9') {
        fail(ps, "invalid number");
        return NULL;
    }
    if (*q == '0') {
        q++;
    } else {
        while (q < ps->end && *q >= '0' && *q <= '9') {
            q++;
        }
    }
    if (q < ps->end && *q == '.') {
        is_real = true;
        q++;
        if (q >= ps->end || *q < '0' || *q > '9') {
            fail(ps, "invalid number");
            return NULL;
        }
        while (q < ps->end && *q >= '0' && *q <= '9') {
            q++;
        }
    }
    if (q < ps->end && (*q == 'e' || *q == 'E')) {
        is_real = true;
        q++;
        if (q < ps->end && (*q == '+' || *q == '-')) {
            q++;
        }
        if (q >= ps->end || *q < '0' || *q > '9') {
            fail(ps, "invalid number");
            return NULL;
        }
        while (q < ps->end && *q >= '0' && *q <= '9') {
            q++;
        }
    }

    char buf[64];
    size_t n = q - ps->p;
    char *text = n < sizeof buf ? buf : xmalloc(n + 1);
    memcpy(text, ps->p, n);
    text[n] = '\0';
    json_t *json = NULL;
    char *end;
    errno = 0;
    if (!is_real) {
        long long v = strtoll(text, &end, 10);
        if (errno != ERANGE) {
            json = ps->discard ? json_null() : json_integer(v);
        } else {
            /* As ovsdb-server's parser does (jansson refuses): an integer
             * beyond 64 bits is read as a real (and may overflow as one). */
            errno = 0;
            is_real = true;
        }
    }
    if (is_real) {
        double d = strtod(text, &end);
        if (errno == ERANGE && (d > 1 || d < -1)) {
            fail(ps, "real number overflow");
        } else {
            json = ps->discard ? json_null() : json_real(d);
        }
    }
    if (text != buf) {
        free(text);
    }
    ps->p = q;
    return json;
}

static bool
match_word(struct parser *ps, const char *word, size_t len)
{
    if ((size_t) (ps->end - ps->p) >= len && !memcmp(ps->p, word, len)) {
        ps->p += len;
        return true;
    }
    fail(ps, "invalid token");
    return false;
}

/* Validates the value at 'ps->p' and returns a string holding its text
 * (see jsonparse_request()), or NULL on error. */
static json_t *
parse_deferred(struct parser *ps)
{
    skip_space(ps);
    const unsigned char *start = ps->p;
    ps->discard = true;
    json_t *value = parse_value(ps);
    ps->discard = false;
    return value ? json_stringn_nocheck((const char *) start, ps->p - start) : NULL;
}

/* Is 's' (UUID_LEN bytes) a UUID in its text form? */
static bool
is_uuid(const char *s)
{
    for (size_t i = 0; i < UUID_LEN; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        char c = s[i];
        if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
                                || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}

static json_t *
parse_container(struct parser *ps, bool is_object)
{
    if (++ps->depth > ps->max_depth) {
        fail(ps, "maximum nesting depth %u exceeded", ps->max_depth);
        return NULL;
    }
    char close = is_object ? '}' : ']';
    bool is_params = ps->params_next && !is_object;
    ps->params_next = false;
    size_t n_elems = 0;
    /* While discarding, every value is the json_null() singleton. */
    json_t *json = ps->discard ? json_null() : is_object ? json_object() : json_array();
    ps->p++;                    /* The '{' or '['. */
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        ps->depth--;
        return json;
    }
    for (;;) {
        if (is_object) {
            const char *key;
            size_t key_len;
            skip_space(ps);
            if (ps->p >= ps->end || *ps->p != '"') {
                fail(ps, "string or '}' expected");
                goto error;
            }
            ps->p++;
            if (!parse_string(ps, &key, &key_len)) {
                goto error;
            }
            /* The key may live in 'scratch', which the value may reuse. */
            char small[64];
            char *key_copy = key_len < sizeof small ? small : xmalloc(key_len + 1);
            memcpy(key_copy, key, key_len);
            key_copy[key_len] = '\0';
            skip_space(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                fail(ps, "':' expected");
                if (key_copy != small) {
                    free(key_copy);
                }
                goto error;
            }
            ps->p++;
            ps->params_next = ((ps->defer & JSONPARSE_DEFER_PARAMS) && ps->depth == 1
                               && key_len == 6 && !memcmp(key_copy, "params", 6));
            json_t *value;
            skip_space(ps);
            if ((ps->defer & JSONPARSE_DEFER_ROWS) && !ps->discard && ps->depth >= 3
                && key_len == UUID_LEN && ps->p < ps->end && *ps->p == '{'
                && is_uuid(key_copy)) {
                /* On the heap, so that each can be freed once applied. */
                struct jsonarena *arena = jsonarena_suspend();
                value = parse_deferred(ps);
                jsonarena_resume(arena);
                ps->deferred |= value ? JSONPARSE_DEFER_ROWS : 0;
            } else {
                value = parse_value(ps);
            }
            ps->params_next = false;
            if (value && !ps->discard) {
                json_object_setn_new_nocheck(json, key_copy, key_len, value);
            }
            if (key_copy != small) {
                free(key_copy);
            }
            if (!value) {
                goto error;
            }
        } else {
            json_t *value;
            if (is_params && n_elems > 0) {
                value = parse_deferred(ps);
                ps->deferred |= value ? JSONPARSE_DEFER_PARAMS : 0;
            } else {
                value = parse_value(ps);
            }
            if (!value) {
                goto error;
            }
            n_elems++;
            if (!ps->discard) {
                json_array_append_new(json, value);
            }
        }
        skip_space(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            ps->depth--;
            return json;
        }
        fail(ps, is_object ? "',' or '}' expected" : "',' or ']' expected");
        goto error;
    }
error:
    json_decref(json);
    return NULL;
}

static json_t *
parse_value(struct parser *ps)
{
    skip_space(ps);
    if (ps->p >= ps->end) {
        fail(ps, "unexpected end of input");
        return NULL;
    }
    switch (*ps->p) {
    case '{':
        return parse_container(ps, true);
    case '[':
        return parse_container(ps, false);
    case '"': {
        const char *s;
        size_t len;
        ps->p++;
        if (!parse_string(ps, &s, &len)) {
            return NULL;
        }
        return ps->discard ? json_null() : json_stringn_nocheck(s, len);
    }
    case 't':
        return match_word(ps, "true", 4) ? json_true() : NULL;
    case 'f':
        return match_word(ps, "false", 5) ? json_false() : NULL;
    case 'n':
        return match_word(ps, "null", 4) ? json_null() : NULL;
    default:
        return parse_number(ps);
    }
}

static json_t *
parse_text(const char *buf, size_t len, unsigned int max_depth, unsigned int defer,
           unsigned int *deferredp, char **errorp)
{
    struct parser ps = {
        .p = (const unsigned char *) buf,
        .start = (const unsigned char *) buf,
        .end = (const unsigned char *) buf + len,
        .max_depth = max_depth ? max_depth : 1000,
        .defer = defer,
    };
    json_t *json = parse_value(&ps);
    if (json) {
        skip_space(&ps);
        if (ps.p != ps.end) {
            fail(&ps, "garbage after the value");
            json_decref(json);
            json = NULL;
        }
    }
    free(ps.scratch);
    *errorp = json ? NULL : ps.error;
    if (json) {
        free(ps.error);
    }
    if (deferredp) {
        *deferredp = json ? ps.deferred : 0;
    }
    return json;
}

json_t *
jsonparse(const char *buf, size_t len, unsigned int max_depth, char **errorp)
{
    return parse_text(buf, len, max_depth, 0, NULL, errorp);
}

json_t *
jsonparse_deferred(const char *buf, size_t len, unsigned int max_depth,
                   unsigned int defer, unsigned int *deferredp, char **errorp)
{
    return parse_text(buf, len, max_depth, defer, deferredp, errorp);
}

/* libFuzzer target: seamd's REST core (controller/api.h), sans I/O.
 *
 * Input: one or more requests separated by a NUL byte, each
 * "METHOD PATH[?QUERY]\n" then the body (METHOD is GET, POST, PUT or
 * DELETE; anything else is sent as it is).  Each request runs against an
 * in-memory seam_nb database; the operations it returns are executed on
 * it, then api_finish() answers.  Checks, beyond the sanitizers':
 *   - every reply is an HTTP status 200..599 with a JSON body, and every
 *     4xx/5xx body is {"NeutronError": {"type", "message", "detail"}};
 *   - a request the API accepted is never refused by the database
 *     (validation happens at the boundary, so a transaction that fails
 *     means a check is missing), and a refused request wrote nothing.
 * Requests may name "ID" in the path: it becomes the id of the last row
 * created, so that member paths reach real rows. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "controller/api.h"
#include "lib/util.h"
#include "ovsdb/db.h"
#include "ovsdb/error.h"
#include "ovsdb/execution.h"
#include "ovsdb/schema.h"

#define FUZZ_MAX_INPUT (64 * 1024)
#define MAX_ROWS 1000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ovsdb_schema *schema;
static struct ovsdb_db *db;
static struct api_config cfg;
static char last_id[64] = "00000000-0000-0000-0000-000000000000";

static void
init(void)
{
    const char *srcdir = getenv("SEAM_SRCDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/schemas/seam_nb.ovsschema", srcdir ? srcdir : ".");
    struct ovsdb_error *error = ovsdb_schema_from_file(path, &schema);
    if (error) {
        fprintf(stderr, "%s: %s (set SEAM_SRCDIR)\n", path, ovsdb_error_to_string(error));
        abort();
    }
    db = ovsdb_db_create(ovsdb_schema_clone(schema));
    api_config_init(&cfg);
    cfg.vni_ranges[0] = (struct api_range) { 5000, 5003 };
    cfg.physnets = xcalloc(2, sizeof *cfg.physnets);
    cfg.physnets[0] = (struct api_physnet) { xstrdup("physnet1"), true, { 2900, 2902 } };
    cfg.physnets[1] = (struct api_physnet) { xstrdup("physnet2"), false, { 0, 0 } };
    cfg.n_physnets = 2;
}

static void
check_reply(const struct api_result *res)
{
    if (res->status < 200 || res->status > 599) {
        abort();
    }
    if (res->status >= 400) {
        json_t *e = json_object_get(res->body, "NeutronError");
        if (!json_is_string(json_object_get(e, "type"))
            || !json_is_string(json_object_get(e, "message"))
            || !json_is_string(json_object_get(e, "detail"))) {
            abort();
        }
    } else if (res->status != 204 && !json_is_object(res->body)) {
        abort();
    }
}

static void
one_request(const char *text, size_t n)
{
    const char *nl = memchr(text, '\n', n);
    size_t line_len = nl ? (size_t) (nl - text) : n;
    char *line = xstrndup(text, line_len);
    const char *body = nl ? nl + 1 : "";
    size_t body_size = nl ? n - line_len - 1 : 0;

    char *sp = strchr(line, ' ');
    char *target = sp ? sp + 1 : (char *) "/";
    if (sp) {
        *sp = '\0';
    }
    /* "ID" in the path names the last row created. */
    char path[1024];
    size_t o = 0;
    for (const char *p = target; *p && o < sizeof path - 64; p++) {
        if (!strncmp(p, "ID", 2)) {
            o += snprintf(path + o, sizeof path - o, "%s", last_id);
            p++;
        } else {
            path[o++] = *p;
        }
    }
    path[o] = '\0';
    char *q = strchr(path, '?');
    if (q) {
        *q++ = '\0';
    }
    struct api_request req = {
        .method = line, .path = path, .query = q, .body = body,
        .body_size = body_size, .base_url = "http://fuzz", .now_ms = 1700000000000LL,
    };
    struct api_result res;
    size_t rows_before = ovsdb_db_count_rows(db);
    api_handle(&cfg, db, &req, &res);
    if (res.ops) {
        long long timeout;
        json_t *result = NULL;
        if (!ovsdb_execute(db, NULL, res.ops, 0, &timeout, &result)) {
            abort();            /* No "wait" is ever sent. */
        }
        const char *error = NULL;
        size_t i;
        json_t *r;
        json_array_foreach (result, i, r) {
            if (json_object_get(r, "error")) {
                error = json_string_value(json_object_get(r, "error"));
                fprintf(stderr, "refused by the database: %s\n",
                        json_dumps(result, JSON_COMPACT));
                abort();
            }
        }
        api_finish(db, &res, error);
        if (res.status == 201) {
            const char *key;
            json_t *v;
            json_object_foreach (res.body, key, v) {
                const char *id = json_string_value(json_object_get(v, "id"));
                if (id) {
                    snprintf(last_id, sizeof last_id, "%s", id);
                }
            }
        }
        json_decref(result);
    } else if (ovsdb_db_count_rows(db) != rows_before) {
        abort();
    }
    check_reply(&res);
    api_result_destroy(&res);
    free(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT) {
        return 0;
    }
    if (!db) {
        init();
    }
    const char *in = (const char *) data;
    while (size > 0) {
        const char *end = memchr(in, '\0', size);
        size_t n = end ? (size_t) (end - in) : size;
        one_request(in, n);
        in += n + (end != NULL);
        size -= n + (end != NULL);
    }
    if (ovsdb_db_count_rows(db) > MAX_ROWS) {
        ovsdb_db_destroy(db);
        db = ovsdb_db_create(ovsdb_schema_clone(schema));
    }
    return 0;
}

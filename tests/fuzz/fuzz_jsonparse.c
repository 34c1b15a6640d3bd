/* libFuzzer target: seam's JSON parser against jansson's on the same bytes.
 * Both must agree on whether the input is one valid JSON value, and on the
 * value; a disagreement aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "ovsdb/jsonparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Replaces each string of 'json' (deferred values, by the caller's word)
 * by the value its text parses to. */
static json_t *
undefer(json_t *json)
{
    if (json_is_string(json)) {
        char *error = NULL;
        json_t *v = jsonparse(json_string_value(json), json_string_length(json), 64, &error);
        free(error);
        return v;
    }
    return json_incref(json);
}

/* jsonparse_deferred() accepts what jsonparse() accepts, with the same
 * error, and its deferred texts parse back to jsonparse()'s values. */
static void
check_deferred(const char *data, size_t size, const json_t *full, const char *full_error)
{
    char *error = NULL;
    unsigned int deferred = 0;
    json_t *json = jsonparse_deferred(data, size, 64,
                                      JSONPARSE_DEFER_PARAMS | JSONPARSE_DEFER_ROWS,
                                      &deferred, &error);
    if (!json != !full || (!json && strcmp(error, full_error))) {
        abort();
    }
    if (json && (deferred & JSONPARSE_DEFER_PARAMS)) {
        const json_t *params = json_object_get(json, "params");
        const json_t *full_params = json_object_get(full, "params");
        for (size_t i = 1; i < json_array_size(params); i++) {
            json_t *v = undefer(json_array_get(params, i));
            if (!v || !json_equal(v, json_array_get(full_params, i))) {
                abort();
            }
            json_decref(v);
        }
    }
    json_decref(json);
    free(error);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024) {
        return 0;
    }
    /* A NUL byte is never valid JSON, but jansson's number lexer lets one
     * through right after a number ("[1\0]"): there only seam's parser is
     * right, so such inputs are parsed (for crashes) but not compared. */
    if (memchr(data, '\0', size)) {
        char *err = NULL;
        json_t *j = jsonparse((const char *) data, size, 64, &err);
        if (j) {
            abort();
        }
        free(err);
        return 0;
    }
    char *error = NULL;
    json_error_t jerr;
    json_t *ours = jsonparse((const char *) data, size, 64, &error);
    json_t *theirs = json_loadb((const char *) data, size, JSON_DECODE_ANY, &jerr);
    if (ours && theirs && !json_equal(ours, theirs)) {
        abort();
    }
    if (ours && !theirs && !strstr(jerr.text, "too big")) {
        /* Only a huge integer (a real for seam, as for ovsdb-server) may
         * part them this way. */
        abort();
    }
    if (!ours && theirs && !(error && strstr(error, "depth"))) {
        abort();
    }
    check_deferred((const char *) data, size, ours, error);
    json_decref(ours);
    json_decref(theirs);
    free(error);
    return 0;
}

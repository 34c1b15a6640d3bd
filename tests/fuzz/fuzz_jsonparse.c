/* libFuzzer target: seam's JSON parser against jansson's on the same bytes.
 * Both must agree on whether the input is one valid JSON value, and on the
 * value; a disagreement aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "ovsdb/jsonparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
    json_decref(ours);
    json_decref(theirs);
    free(error);
    return 0;
}

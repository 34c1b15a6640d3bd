/* Unit tests for src/ovsdb/types.c and src/ovsdb/datum.c.
 *
 * Table-driven: every rejection names the input, the exact error tag and
 * details ovsdb-server 3.1 returns for it (checked against the real server
 * with ovsdb-tool create / ovsdb-client transact), and checks that the
 * output argument was left empty. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "lib/testlib.h"
#include "ovsdb/datum.h"
#include "ovsdb/error.h"
#include "ovsdb/types.h"

static void
assert_error(struct ovsdb_error *error, const char *tag, const char *details,
             const char *what)
{
    if (!tag) {
        if (error) {
            char *s = ovsdb_error_to_string(error);
            fail_msg("%s: unexpected error: %s", what, s);
        }
        return;
    }
    if (!error) {
        fail_msg("%s: expected error \"%s: %s\", got success", what, tag,
                 details);
    }
    if (strcmp(ovsdb_error_get_tag(error), tag)
        || (details && strcmp(ovsdb_error_get_details(error), details))) {
        char *s = ovsdb_error_to_string(error);
        fail_msg("%s: got \"%s\", expected \"%s: %s\"", what, s, tag, details);
    }
    ovsdb_error_destroy(error);
}

static void
type_from_text(struct ovsdb_type *type, const char *text)
{
    json_t *j = testlib_parse(text);
    struct ovsdb_error *error = ovsdb_type_from_json(type, j);
    assert_error(error, NULL, NULL, text);
    json_decref(j);
}

/* Types. */

struct type_case {
    const char *json;
    const char *tag;            /* NULL if valid. */
    const char *details;
    const char *normalized;     /* to_json, if valid; NULL if same as json. */
};

static const struct type_case type_cases[] = {
    { "\"integer\"", NULL, NULL, NULL },
    { "\"real\"", NULL, NULL, NULL },
    { "\"boolean\"", NULL, NULL, NULL },
    { "\"string\"", NULL, NULL, NULL },
    { "\"uuid\"", NULL, NULL, NULL },
    { "{\"key\":\"string\"}", NULL, NULL, "\"string\"" },
    { "{\"key\":{\"type\":\"string\"}}", NULL, NULL, "\"string\"" },
    { "{\"key\":\"string\",\"min\":1,\"max\":1}", NULL, NULL, "\"string\"" },
    { "{\"key\":\"string\",\"min\":0}", NULL, NULL, NULL },
    { "{\"key\":\"integer\",\"min\":0,\"max\":\"unlimited\"}", NULL, NULL,
      NULL },
    { "{\"key\":\"integer\",\"max\":4294967294}", NULL, NULL, NULL },
    { "{\"key\":\"string\",\"value\":\"integer\",\"min\":0,"
      "\"max\":\"unlimited\"}", NULL, NULL, NULL },
    { "{\"key\":{\"type\":\"integer\",\"minInteger\":0,\"maxInteger\":10}}",
      NULL, NULL, NULL },
    { "{\"key\":{\"type\":\"integer\",\"minInteger\":1.0}}", NULL, NULL,
      "{\"key\":{\"type\":\"integer\",\"minInteger\":1}}" },
    { "{\"key\":{\"type\":\"real\",\"minReal\":0.5,\"maxReal\":1.5}}",
      NULL, NULL, NULL },
    { "{\"key\":{\"type\":\"real\",\"minReal\":1}}", NULL, NULL, NULL },
    { "{\"key\":{\"type\":\"string\",\"minLength\":2,\"maxLength\":3}}",
      NULL, NULL, NULL },
    { "{\"key\":{\"type\":\"string\",\"maxLength\":4294967295}}", NULL, NULL,
      "\"string\"" },
    { "{\"key\":{\"type\":\"string\",\"enum\":[\"set\",[\"b\",\"a\"]]}}",
      NULL, NULL,
      "{\"key\":{\"type\":\"string\",\"enum\":[\"set\",[\"a\",\"b\"]]}}" },
    { "{\"key\":{\"type\":\"string\",\"enum\":[\"set\",[\"x\"]]}}", NULL, NULL,
      "{\"key\":{\"type\":\"string\",\"enum\":\"x\"}}" },
    { "{\"key\":{\"type\":\"integer\",\"enum\":[\"set\",[2,1]]}}", NULL, NULL,
      "{\"key\":{\"type\":\"integer\",\"enum\":[\"set\",[1,2]]}}" },
    { "{\"key\":{\"type\":\"uuid\",\"refTable\":\"T\"},\"min\":0}", NULL,
      NULL, NULL },
    { "{\"key\":{\"type\":\"uuid\",\"refTable\":\"T\",\"refType\":\"strong\"}}",
      NULL, NULL, "{\"key\":{\"type\":\"uuid\",\"refTable\":\"T\"}}" },
    { "{\"key\":{\"type\":\"uuid\",\"refTable\":\"T\",\"refType\":\"weak\"}}",
      NULL, NULL, NULL },

    /* Rejections: wording of Open vSwitch 3.1's ovsdb-tool. */
    { "\"int\"", "syntax error", "\"int\" is not an atomic-type", NULL },
    { "\"void\"", "syntax error", "\"void\" is not an atomic-type", NULL },
    { "1", "syntax error", "ovsdb type expected", NULL },
    { "[]", "syntax error", "ovsdb type expected", NULL },
    { "{}", "syntax error",
      "Parsing ovsdb type failed: Required 'key' member is missing.", NULL },
    { "{\"value\":\"integer\"}", "syntax error",
      "Parsing ovsdb type failed: Required 'key' member is missing.", NULL },
    { "{\"key\":\"integer\",\"foo\":1}", "syntax error",
      "Parsing ovsdb type failed: Member 'foo' is present but not allowed "
      "here.", NULL },
    { "{\"key\":\"integer\",\"foo\":1,\"bar\":2}", "syntax error",
      "Parsing ovsdb type failed: Member 'foo' and 1 other member are "
      "present but not allowed here.", NULL },
    { "{\"key\":\"integer\",\"min\":2}", "syntax error",
      "ovsdb type fails constraint checks", NULL },
    { "{\"key\":\"integer\",\"max\":0}", "syntax error",
      "ovsdb type fails constraint checks", NULL },
    { "{\"key\":\"integer\",\"min\":-1}", "syntax error",
      "bad min or max value", NULL },
    { "{\"key\":\"integer\",\"min\":1,\"max\":\"lots\"}", "syntax error",
      "bad min or max value", NULL },
    { "{\"key\":\"integer\",\"max\":4294967295}", "syntax error",
      "bad min or max value", NULL },
    { "{\"key\":\"integer\",\"min\":\"0\"}", "syntax error",
      "Parsing ovsdb type failed: Type mismatch for member 'min'.", NULL },
    { "{\"key\":\"integer\",\"value\":\"void\"}", "syntax error",
      "\"void\" is not an atomic-type", NULL },
    { "{\"key\":{\"minInteger\":1}}", "syntax error",
      "Parsing ovsdb type failed: Required 'type' member is missing.", NULL },
    { "{\"key\":{\"type\":1}}", "syntax error",
      "Parsing ovsdb type failed: Type mismatch for member 'type'.", NULL },
    { "{\"key\":{\"type\":\"integer\",\"minInteger\":5,\"maxInteger\":4}}",
      "syntax error", "minInteger exceeds maxInteger", NULL },
    { "{\"key\":{\"type\":\"integer\",\"minInteger\":1.5}}", "syntax error",
      "Parsing ovsdb type failed: Type mismatch for member 'minInteger'.",
      NULL },
    { "{\"key\":{\"type\":\"real\",\"minReal\":5,\"maxReal\":4}}",
      "syntax error", "minReal exceeds maxReal", NULL },
    { "{\"key\":{\"type\":\"real\",\"minReal\":\"x\"}}", "syntax error",
      "Parsing ovsdb type failed: Type mismatch for member 'minReal'.",
      NULL },
    { "{\"key\":{\"type\":\"string\",\"minLength\":5,\"maxLength\":4}}",
      "syntax error", "minLength exceeds maxLength", NULL },
    { "{\"key\":{\"type\":\"string\",\"minLength\":-1}}", "syntax error",
      "minLength out of valid range 0 to 4294967295", NULL },
    { "{\"key\":{\"type\":\"string\",\"maxLength\":4294967296}}",
      "syntax error", "maxLength out of valid range 0 to 4294967295", NULL },
    { "{\"key\":{\"type\":\"boolean\",\"foo\":1}}", "syntax error",
      "Parsing ovsdb type failed: Member 'foo' is present but not allowed "
      "here.", NULL },
    { "{\"key\":{\"type\":\"integer\",\"refTable\":\"A\"}}", "syntax error",
      "Parsing ovsdb type failed: Member 'refTable' is present but not "
      "allowed here.", NULL },
    { "{\"key\":{\"type\":\"uuid\",\"refType\":\"weak\"}}", "syntax error",
      "Parsing ovsdb type failed: Member 'refType' is present but not "
      "allowed here.", NULL },
    { "{\"key\":{\"type\":\"uuid\",\"refTable\":\"1A\"}}", "syntax error",
      "Parsing ovsdb type failed: Type mismatch for member 'refTable'.",
      NULL },
    { "{\"key\":{\"type\":\"uuid\",\"refTable\":\"A\",\"refType\":\"medium\"}}",
      "syntax error", "refType must be \"strong\" or \"weak\" (not "
      "\"medium\")", NULL },
    { "{\"key\":{\"type\":\"integer\",\"enum\":[\"set\",[1,1]]}}",
      "ovsdb error", "set contains duplicate", NULL },
    { "{\"key\":{\"type\":\"integer\",\"enum\":[\"set\",[]]}}",
      "syntax error", "set must have 1 to 4294967295 members but 0 are "
      "present", NULL },
    { "{\"key\":{\"type\":\"integer\",\"enum\":\"a\"}}", "syntax error",
      "expected integer", NULL },
    { "{\"key\":{\"type\":\"integer\",\"enum\":1,\"minInteger\":0}}",
      "syntax error", "Parsing ovsdb type failed: Member 'minInteger' is "
      "present but not allowed here.", NULL },
    { "{\"key\":{\"type\":\"string\",\"enum\":[\"set\",[\"a\"]],"
      "\"maxLength\":3}}", "syntax error", "Parsing ovsdb type failed: "
      "Member 'maxLength' is present but not allowed here.", NULL },
};

static void
test_type_cases(void **state)
{
    for (size_t i = 0; i < ARRAY_SIZE(type_cases); i++) {
        const struct type_case *c = &type_cases[i];
        struct ovsdb_type type;
        json_t *j = testlib_parse(c->json);

        struct ovsdb_error *error = ovsdb_type_from_json(&type, j);
        assert_error(error, c->tag, c->details, c->json);
        if (c->tag) {
            /* Nothing owned is left behind on error. */
            assert_null(type.key.enum_);
            assert_int_equal(type.key.type, OVSDB_TYPE_VOID);
        } else {
            json_t *out = ovsdb_type_to_json(&type);
            testlib_assert_json_text(out, c->normalized ? c->normalized
                                                        : c->json);

            /* A clone writes the same JSON. */
            struct ovsdb_type copy;
            ovsdb_type_clone(&copy, &type);
            json_t *out2 = ovsdb_type_to_json(&copy);
            assert_true(testlib_json_same(out, out2));
            json_decref(out2);
            ovsdb_type_destroy(&copy);
            json_decref(out);
        }
        ovsdb_type_destroy(&type);
        json_decref(j);
    }
}

static void
test_type_predicates(void **state)
{
    struct ovsdb_type t;

    type_from_text(&t, "\"integer\"");
    assert_true(ovsdb_type_is_scalar(&t));
    assert_false(ovsdb_type_is_set(&t));
    ovsdb_type_destroy(&t);

    type_from_text(&t, "{\"key\":\"integer\",\"min\":0}");
    assert_true(ovsdb_type_is_optional(&t));
    assert_true(ovsdb_type_is_set(&t));
    ovsdb_type_destroy(&t);

    type_from_text(&t, "{\"key\":\"string\",\"value\":\"string\"}");
    assert_true(ovsdb_type_is_map(&t));
    assert_false(ovsdb_type_is_set(&t));
    ovsdb_type_destroy(&t);

    type_from_text(&t, "{\"key\":{\"type\":\"uuid\",\"refTable\":\"A\","
                   "\"refType\":\"weak\"}}");
    assert_true(ovsdb_base_type_is_weak_ref(&t.key));
    assert_false(ovsdb_base_type_is_strong_ref(&t.key));
    assert_string_equal(t.key.uuid.ref_table_name, "A");
    ovsdb_type_destroy(&t);

    enum ovsdb_atomic_type at;
    assert_true(ovsdb_atomic_type_from_string("real", &at));
    assert_int_equal(at, OVSDB_TYPE_REAL);
    assert_false(ovsdb_atomic_type_from_string("void", &at));
    assert_string_equal(ovsdb_atomic_type_to_string(OVSDB_TYPE_UUID), "uuid");
}

/* Datums. */

struct datum_case {
    const char *type;
    const char *value;
    const char *tag;            /* NULL if valid. */
    const char *details;
    const char *out;            /* to_json if valid; NULL if same as value. */
};

#define T_RANGE "{\"key\":{\"type\":\"integer\",\"minInteger\":0," \
                "\"maxInteger\":10}}"
#define T_SET02 "{\"key\":\"integer\",\"min\":0,\"max\":2}"
#define T_SMAP "{\"key\":\"string\",\"value\":\"integer\",\"min\":0," \
               "\"max\":\"unlimited\"}"
#define T_ENUM "{\"key\":{\"type\":\"string\",\"enum\":[\"set\",[\"a\",\"b\"]]}}"
#define T_OPTREF "{\"key\":{\"type\":\"uuid\",\"refTable\":\"B\"},\"min\":0," \
                 "\"max\":1}"
#define U1 "11111111-1111-1111-1111-111111111111"
#define U2 "22222222-2222-2222-2222-222222222222"

static const struct datum_case datum_cases[] = {
    { "\"integer\"", "5", NULL, NULL, NULL },
    { "\"integer\"", "1.0", NULL, NULL, "1" },
    { "\"integer\"", "1e1", NULL, NULL, "10" },
    { "\"integer\"", "[\"set\",[7]]", NULL, NULL, "7" },
    { "\"real\"", "1", NULL, NULL, "1.0" },
    { "\"real\"", "2.5", NULL, NULL, NULL },
    { "\"boolean\"", "true", NULL, NULL, NULL },
    { "\"string\"", "\"h\\u00e9\"", NULL, NULL, NULL },
    { "\"uuid\"", "[\"uuid\",\"" U1 "\"]", NULL, NULL, NULL },
    { T_RANGE, "10", NULL, NULL, NULL },
    { T_SET02, "[\"set\",[]]", NULL, NULL, NULL },
    { T_SET02, "[\"set\",[2,1]]", NULL, NULL, "[\"set\",[1,2]]" },
    { T_SET02, "[\"set\",[2]]", NULL, NULL, "2" },
    { T_SET02, "2", NULL, NULL, NULL },
    { T_SMAP, "[\"map\",[[\"b\",1],[\"a\",2]]]", NULL, NULL,
      "[\"map\",[[\"a\",2],[\"b\",1]]]" },
    { T_SMAP, "[\"map\",[]]", NULL, NULL, NULL },
    { T_ENUM, "\"b\"", NULL, NULL, NULL },
    { T_OPTREF, "[\"set\",[[\"uuid\",\"" U2 "\"]]]", NULL, NULL,
      "[\"uuid\",\"" U2 "\"]" },
    { "{\"key\":{\"type\":\"string\",\"maxLength\":3}}", "\"\\u00e4\\u00f6\\u00fc\"",
      NULL, NULL, NULL },

    /* Rejections, as ovsdb-server 3.1 reports them to "transact". */
    { T_RANGE, "11", "constraint violation",
      "11 is not in the valid range 0 to 10 (inclusive)", NULL },
    { T_RANGE, "-1", "constraint violation",
      "-1 is not in the valid range 0 to 10 (inclusive)", NULL },
    { "{\"key\":{\"type\":\"integer\",\"minInteger\":5}}", "1",
      "constraint violation", "1 is less than minimum allowed value 5", NULL },
    { "{\"key\":{\"type\":\"integer\",\"maxInteger\":5}}", "9",
      "constraint violation", "9 is greater than maximum allowed value 5",
      NULL },
    { "{\"key\":{\"type\":\"real\",\"minReal\":0.5,\"maxReal\":1.5}}", "2",
      "constraint violation", "2 is not in the valid range 0.5 to 1.5 "
      "(inclusive)", NULL },
    { "{\"key\":{\"type\":\"real\",\"minReal\":0.5,\"maxReal\":1.5}}", "0.1",
      "constraint violation", "0.1 is not in the valid range 0.5 to 1.5 "
      "(inclusive)", NULL },
    { "{\"key\":{\"type\":\"real\",\"minReal\":0.5}}", "0.25",
      "constraint violation", "0.25 is less than minimum allowed value 0.5",
      NULL },
    { "{\"key\":{\"type\":\"real\",\"maxReal\":0.5}}", "1",
      "constraint violation", "1 is greater than maximum allowed value 0.5",
      NULL },
    { "{\"key\":{\"type\":\"string\",\"minLength\":2,\"maxLength\":3}}",
      "\"a\"", "constraint violation",
      "\"a\" length 1 is less than minimum allowed length 2", NULL },
    { "{\"key\":{\"type\":\"string\",\"minLength\":2,\"maxLength\":3}}",
      "\"abcd\"", "constraint violation",
      "\"abcd\" length 4 is greater than maximum allowed length 3", NULL },
    { "{\"key\":{\"type\":\"string\",\"maxLength\":3}}",
      "\"\\u00e4\\u00f6\\u00fc\\u00df\"", "constraint violation",
      "\"\xc3\xa4\xc3\xb6\xc3\xbc\xc3\x9f\" length 4 is greater than maximum "
      "allowed length 3", NULL },
    { T_ENUM, "\"c\"", "constraint violation",
      "c is not one of the allowed values ([a, b])", NULL },
    { T_ENUM, "\"a b\"", "constraint violation",
      "\"a b\" is not one of the allowed values ([a, b])", NULL },
    { "{\"key\":{\"type\":\"integer\",\"enum\":[\"set\",[1,2]]}}", "3",
      "constraint violation", "3 is not one of the allowed values ([1, 2])",
      NULL },
    { "{\"key\":{\"type\":\"string\",\"enum\":\"x\"}}", "\"y\"",
      "constraint violation", "y is not one of the allowed values ([x])",
      NULL },
    { T_SET02, "[\"set\",[1,2,3]]", "syntax error",
      "set must have 0 to 2 members but 3 are present", NULL },
    { T_SET02, "[\"set\",[1,1]]", "ovsdb error", "set contains duplicate",
      NULL },
    { T_SET02, "[\"set\",[1,11,\"x\"]]", "syntax error",
      "set must have 0 to 2 members but 3 are present", NULL },
    { T_SET02, "[\"set\",{}]", "syntax error",
      "expected [\"set\", <array>]", NULL },
    { T_SET02, "[\"map\",[]]", "syntax error", "expected integer", NULL },
    { T_SMAP, "[\"map\",[[\"a\",1],[\"a\",2]]]", "ovsdb error",
      "map contains duplicate key", NULL },
    { T_SMAP, "[\"set\",[]]", "syntax error",
      "expected [\"map\", <array>]", NULL },
    { T_SMAP, "[\"map\",[[\"a\"]]]", "syntax error",
      "expected 2-element array", NULL },
    { T_SMAP, "[\"map\",[[\"a\",\"b\"]]]", "syntax error",
      "expected integer", NULL },
    { T_SMAP, "[\"map\",[[1,2]]]", "syntax error", "expected string", NULL },
    { T_OPTREF, "[\"set\",[[\"uuid\",\"" U1 "\"],[\"uuid\",\"" U2 "\"]]]",
      "syntax error", "set must have 0 to 1 members but 2 are present",
      NULL },
    { "\"string\"", "[\"set\",[]]", "syntax error",
      "set must have exactly one member but 0 are present", NULL },
    { "\"integer\"", "[\"set\",[1,2]]", "syntax error",
      "set must have exactly one member but 2 are present", NULL },
    { "{\"key\":\"uuid\",\"min\":1,\"max\":\"unlimited\"}", "[\"set\",[]]",
      "syntax error", "set must have 1 to 4294967295 members but 0 are "
      "present", NULL },
    { "\"integer\"", "\"x\"", "syntax error", "expected integer", NULL },
    { "\"integer\"", "1.5", "syntax error", "expected integer", NULL },
    { "\"integer\"", "1e19", "syntax error", "expected integer", NULL },
    { "\"integer\"", "[\"foo\",1]", "syntax error", "expected integer", NULL },
    { "\"real\"", "true", "syntax error", "expected real", NULL },
    { "\"boolean\"", "1", "syntax error", "expected boolean", NULL },
    { "\"string\"", "null", "syntax error", "expected string", NULL },
    { "\"uuid\"", "[\"uuid\",\"zz\"]", "syntax error",
      "\"zz\" is not a valid UUID", NULL },
    { "\"uuid\"", "\"x\"", "syntax error", "expected [\"uuid\", <string>]",
      NULL },
    { "\"uuid\"", "[\"named-uuid\",\"foo\"]", "syntax error",
      "expected [\"uuid\", <string>]", NULL },   /* No symbol table. */
};

static void
check_datum_case(const struct datum_case *c, bool unbounded)
{
    struct ovsdb_type type;
    struct ovsdb_datum datum;
    char what[512];

    snprintf(what, sizeof what, "%s as %s", c->value, c->type);
    type_from_text(&type, c->type);
    json_t *j = testlib_parse(c->value);
    struct ovsdb_error *error = (unbounded
        ? ovsdb_datum_from_json_unbounded(&datum, &type, j, NULL)
        : ovsdb_datum_from_json(&datum, &type, j, NULL));
    assert_error(error, c->tag, c->details, what);
    if (c->tag) {
        assert_int_equal(datum.n, 0);
        assert_null(datum.keys);
        assert_null(datum.values);
    } else {
        json_t *out = ovsdb_datum_to_json(&datum, &type);
        testlib_assert_json_text(out, c->out ? c->out : c->value);
        assert_null(ovsdb_datum_check_constraints(&datum, &type));

        /* Decoding what we wrote gives the same datum. */
        struct ovsdb_datum again;
        assert_null(unbounded
                    ? ovsdb_datum_from_json_unbounded(&again, &type, out, NULL)
                    : ovsdb_datum_from_json(&again, &type, out, NULL));
        assert_true(ovsdb_datum_equals(&datum, &again, &type));
        assert_int_equal(ovsdb_datum_hash(&datum, &type, 7),
                         ovsdb_datum_hash(&again, &type, 7));
        ovsdb_datum_destroy(&again, &type);

        struct ovsdb_datum copy;
        ovsdb_datum_clone(&copy, &datum, &type);
        assert_int_equal(ovsdb_datum_compare_3way(&copy, &datum, &type), 0);
        ovsdb_datum_destroy(&copy, &type);
        json_decref(out);
    }
    ovsdb_datum_destroy(&datum, &type);
    ovsdb_type_destroy(&type);
    json_decref(j);
}

static void
test_datum_cases(void **state)
{
    for (size_t i = 0; i < ARRAY_SIZE(datum_cases); i++) {
        check_datum_case(&datum_cases[i], false);
    }
}

static void
test_datum_unbounded(void **state)
{
    static const struct datum_case cases[] = {
        { T_SET02, "[\"set\",[3,2,1]]", NULL, NULL, "[\"set\",[1,2,3]]" },
        { "\"string\"", "[\"set\",[]]", NULL, NULL, NULL },
        { T_SET02, "[\"set\",[1,1]]", "ovsdb error", "set contains duplicate",
          NULL },
        { T_RANGE, "[\"set\",[1,11]]", "constraint violation",
          "11 is not in the valid range 0 to 10 (inclusive)", NULL },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        check_datum_case(&cases[i], true);
    }
}

static void
test_named_uuid(void **state)
{
    struct ovsdb_symbol_table symtab;
    struct ovsdb_type strong, weak;
    struct ovsdb_datum d1, d2;

    ovsdb_symbol_table_init(&symtab);
    type_from_text(&strong, "{\"key\":{\"type\":\"uuid\",\"refTable\":\"A\"},"
                   "\"min\":0,\"max\":\"unlimited\"}");
    type_from_text(&weak, "{\"key\":{\"type\":\"uuid\",\"refTable\":\"A\","
                   "\"refType\":\"weak\"}}");

    json_t *j1 = testlib_parse("[\"set\",[[\"named-uuid\",\"row1\"],"
                       "[\"named-uuid\",\"row2\"]]]");
    assert_null(ovsdb_datum_from_json(&d1, &strong, j1, &symtab));
    assert_int_equal(d1.n, 2);
    json_t *j2 = testlib_parse("[\"named-uuid\",\"row1\"]");
    assert_null(ovsdb_datum_from_json(&d2, &weak, j2, &symtab));

    struct ovsdb_symbol *s1 = ovsdb_symbol_table_find(&symtab, "row1");
    struct ovsdb_symbol *s2 = ovsdb_symbol_table_find(&symtab, "row2");
    assert_non_null(s1);
    assert_non_null(s2);
    assert_true(s1->strong_ref && s1->weak_ref);
    assert_true(s2->strong_ref && !s2->weak_ref);
    assert_false(s1->created);
    assert_true(uuid_equals(&d2.keys[0].uuid, &s1->uuid));
    assert_ptr_equal(ovsdb_symbol_table_insert(&symtab, "row1"), s1);
    assert_null(ovsdb_symbol_table_find(&symtab, "row3"));
    union ovsdb_atom a = { .uuid = s2->uuid };
    assert_int_not_equal(ovsdb_datum_find_key(&d1, &a, OVSDB_TYPE_UUID),
                         UINT_MAX);

    json_t *bad = testlib_parse("[\"named-uuid\",\"1row\"]");
    struct ovsdb_datum d3;
    assert_error(ovsdb_datum_from_json(&d3, &weak, bad, &symtab),
                 "syntax error", "named-uuid string is not a valid <id>",
                 "bad named-uuid");
    assert_int_equal(d3.n, 0);

    json_decref(bad);
    json_decref(j1);
    json_decref(j2);
    ovsdb_datum_destroy(&d1, &strong);
    ovsdb_datum_destroy(&d2, &weak);
    ovsdb_type_destroy(&strong);
    ovsdb_type_destroy(&weak);
    ovsdb_symbol_table_destroy(&symtab);
}

static void
test_atoms(void **state)
{
    union ovsdb_atom a, b;

    for (enum ovsdb_atomic_type t = OVSDB_TYPE_INTEGER; t < OVSDB_N_TYPES;
         t++) {
        ovsdb_atom_init_default(&a, t);
        assert_true(ovsdb_atom_is_default(&a, t));
        ovsdb_atom_clone(&b, &a, t);
        assert_true(ovsdb_atom_equals(&a, &b, t));
        assert_int_equal(ovsdb_atom_hash(&a, t, 1), ovsdb_atom_hash(&b, t, 1));
        ovsdb_atom_destroy(&a, t);
        ovsdb_atom_destroy(&b, t);
    }

    a.integer = -5;
    b.integer = 3;
    assert_int_equal(ovsdb_atom_compare_3way(&a, &b, OVSDB_TYPE_INTEGER), -1);
    assert_int_equal(ovsdb_atom_compare_3way(&b, &a, OVSDB_TYPE_INTEGER), 1);
    a.boolean = false;
    b.boolean = true;
    assert_true(ovsdb_atom_compare_3way(&a, &b, OVSDB_TYPE_BOOLEAN) < 0);

    /* Negative zero reads as zero. */
    struct ovsdb_base_type real;
    ovsdb_base_type_init(&real, OVSDB_TYPE_REAL);
    json_t *j = testlib_parse("-0.0");
    assert_null(ovsdb_atom_from_json(&a, &real, j, NULL));
    b.real = 0.0;
    assert_true(ovsdb_atom_equals(&a, &b, OVSDB_TYPE_REAL));
    assert_int_equal(ovsdb_atom_hash(&a, OVSDB_TYPE_REAL, 0),
                     ovsdb_atom_hash(&b, OVSDB_TYPE_REAL, 0));
    json_decref(j);
    assert_false(ovsdb_base_type_has_constraints(&real));
    ovsdb_base_type_destroy(&real);
}

static void
test_datum_default(void **state)
{
    struct ovsdb_type t;
    struct ovsdb_datum d;

    type_from_text(&t, "{\"key\":\"string\",\"value\":\"integer\"}");
    ovsdb_datum_init_default(&d, &t);
    assert_int_equal(d.n, 1);
    assert_string_equal(d.keys[0].string, "");
    assert_int_equal(d.values[0].integer, 0);
    assert_true(ovsdb_datum_is_default(&d, &t));
    json_t *out = ovsdb_datum_to_json(&d, &t);
    testlib_assert_json_text(out, "[\"map\",[[\"\",0]]]");
    json_decref(out);
    ovsdb_datum_destroy(&d, &t);
    ovsdb_type_destroy(&t);

    type_from_text(&t, "{\"key\":\"uuid\",\"min\":0,\"max\":\"unlimited\"}");
    ovsdb_datum_init_default(&d, &t);
    assert_int_equal(d.n, 0);
    assert_true(ovsdb_datum_is_default(&d, &t));
    out = ovsdb_datum_to_json(&d, &t);
    testlib_assert_json_text(out, "[\"set\",[]]");
    json_decref(out);
    ovsdb_datum_destroy(&d, &t);
    ovsdb_type_destroy(&t);

    union ovsdb_atom k = { .string = xstrdup("x") };
    ovsdb_type_init_scalar(&t, OVSDB_TYPE_STRING);
    ovsdb_datum_init_single(&d, &k, NULL);
    assert_false(ovsdb_datum_is_default(&d, &t));
    assert_string_equal(d.keys[0].string, "x");
    ovsdb_datum_destroy(&d, &t);
    ovsdb_type_destroy(&t);
}

/* Parses 'text' as a datum of 'type' without bounds; fails the test on
 * error. */
static void
datum_from_text(struct ovsdb_datum *d, const struct ovsdb_type *type,
                const char *text)
{
    json_t *j = testlib_parse(text);
    assert_error(ovsdb_datum_from_json_unbounded(d, type, j, NULL), NULL,
                 NULL, text);
    json_decref(j);
}

static void
assert_datum(const struct ovsdb_datum *d, const struct ovsdb_type *type,
             const char *expected)
{
    struct ovsdb_type loose = *type;
    loose.n_min = 0;
    loose.n_max = UINT_MAX;
    json_t *out = ovsdb_datum_to_json(d, &loose);
    testlib_assert_json_text(out, expected);
    json_decref(out);
}

struct setop_case {
    const char *type;
    const char *a, *b;
    bool includes, excludes;    /* includes_all(a, b), excludes_all(a, b). */
    const char *union_;         /* a after union with b. */
    const char *subtract;       /* a after subtract b (b of the same type). */
};

#define T_ISET "{\"key\":\"integer\",\"min\":0,\"max\":\"unlimited\"}"
#define T_IMAP "{\"key\":\"integer\",\"value\":\"string\",\"min\":0," \
               "\"max\":\"unlimited\"}"

static const struct setop_case setop_cases[] = {
    { T_ISET, "[\"set\",[1,2,3]]", "[\"set\",[2,3]]", true, false,
      "[\"set\",[1,2,3]]", "1" },
    { T_ISET, "[\"set\",[1,3]]", "[\"set\",[2,4]]", false, true,
      "[\"set\",[1,2,3,4]]", "[\"set\",[1,3]]" },
    { T_ISET, "[\"set\",[]]", "[\"set\",[5]]", false, true, "5",
      "[\"set\",[]]" },
    { T_ISET, "[\"set\",[5]]", "[\"set\",[]]", true, true, "5", "5" },
    { T_ISET, "[\"set\",[1,2]]", "[\"set\",[0,2,9]]", false, false,
      "[\"set\",[0,1,2,9]]", "1" },
    { T_IMAP, "[\"map\",[[1,\"a\"],[2,\"b\"]]]", "[\"map\",[[2,\"b\"]]]",
      true, false, "[\"map\",[[1,\"a\"],[2,\"b\"]]]",
      "[\"map\",[[1,\"a\"]]]" },
    { T_IMAP, "[\"map\",[[1,\"a\"],[2,\"b\"]]]", "[\"map\",[[2,\"x\"]]]",
      false, true, "[\"map\",[[1,\"a\"],[2,\"b\"]]]",
      "[\"map\",[[1,\"a\"],[2,\"b\"]]]" },
    { T_IMAP, "[\"map\",[[1,\"a\"]]]", "[\"map\",[[0,\"z\"],[3,\"c\"]]]",
      false, true, "[\"map\",[[0,\"z\"],[1,\"a\"],[3,\"c\"]]]",
      "[\"map\",[[1,\"a\"]]]" },
};

static void
test_set_operations(void **state)
{
    for (size_t i = 0; i < ARRAY_SIZE(setop_cases); i++) {
        const struct setop_case *c = &setop_cases[i];
        struct ovsdb_type t;
        struct ovsdb_datum a, b;

        type_from_text(&t, c->type);
        datum_from_text(&a, &t, c->a);
        datum_from_text(&b, &t, c->b);
        assert_int_equal(ovsdb_datum_includes_all(&a, &b, &t), c->includes);
        assert_int_equal(ovsdb_datum_excludes_all(&a, &b, &t), c->excludes);

        struct ovsdb_datum u;
        ovsdb_datum_clone(&u, &a, &t);
        ovsdb_datum_union(&u, &b, &t);
        assert_datum(&u, &t, c->union_);
        assert_true(ovsdb_datum_includes_all(&u, &b, &t)
                    || ovsdb_type_is_map(&t));
        ovsdb_datum_destroy(&u, &t);

        ovsdb_datum_subtract(&a, &t, &b, &t);
        assert_datum(&a, &t, c->subtract);

        ovsdb_datum_destroy(&a, &t);
        ovsdb_datum_destroy(&b, &t);
        ovsdb_type_destroy(&t);
    }
}

static void
test_subtract_keys_from_map(void **state)
{
    struct ovsdb_type map, keys;
    struct ovsdb_datum a, b;

    type_from_text(&map, T_IMAP);
    type_from_text(&keys, T_ISET);
    datum_from_text(&a, &map, "[\"map\",[[1,\"a\"],[2,\"b\"],[3,\"c\"]]]");
    datum_from_text(&b, &keys, "[\"set\",[0,2,3]]");
    ovsdb_datum_subtract(&a, &map, &b, &keys);
    assert_datum(&a, &map, "[\"map\",[[1,\"a\"]]]");
    ovsdb_datum_destroy(&a, &map);
    ovsdb_datum_destroy(&b, &keys);
    ovsdb_type_destroy(&map);
    ovsdb_type_destroy(&keys);
}

static void
test_find_and_remove(void **state)
{
    struct ovsdb_type t;
    struct ovsdb_datum d;
    union ovsdb_atom k, v;

    type_from_text(&t, "{\"key\":\"string\",\"value\":\"string\",\"min\":0,"
                   "\"max\":\"unlimited\"}");
    datum_from_text(&d, &t, "[\"map\",[[\"c\",\"3\"],[\"a\",\"1\"],"
                    "[\"b\",\"2\"]]]");
    k.string = "b";
    v.string = "2";
    assert_int_equal(ovsdb_datum_find_key(&d, &k, OVSDB_TYPE_STRING), 1);
    assert_int_equal(ovsdb_datum_find_key_value(&d, &k, OVSDB_TYPE_STRING,
                                                &v, OVSDB_TYPE_STRING), 1);
    v.string = "9";
    assert_int_equal(ovsdb_datum_find_key_value(&d, &k, OVSDB_TYPE_STRING,
                                                &v, OVSDB_TYPE_STRING),
                     UINT_MAX);
    k.string = "zz";
    assert_int_equal(ovsdb_datum_find_key(&d, &k, OVSDB_TYPE_STRING),
                     UINT_MAX);

    ovsdb_datum_remove(&d, 0, &t);
    assert_datum(&d, &t, "[\"map\",[[\"b\",\"2\"],[\"c\",\"3\"]]]");
    ovsdb_datum_remove(&d, 1, &t);
    assert_datum(&d, &t, "[\"map\",[[\"b\",\"2\"]]]");
    ovsdb_datum_destroy(&d, &t);
    ovsdb_type_destroy(&t);
}

/* Builds a set datum of integers from 'vals' in the given (unsorted)
 * order. */
static void
int_datum(struct ovsdb_datum *d, const int64_t *vals, unsigned int n,
          const int64_t *values)
{
    d->n = n;
    d->keys = xmalloc(n * sizeof *d->keys);
    d->values = values ? xmalloc(n * sizeof *d->values) : NULL;
    for (unsigned int i = 0; i < n; i++) {
        d->keys[i].integer = vals[i];
        if (values) {
            d->values[i].integer = values[i];
        }
    }
}

static void
test_sort(void **state)
{
    struct ovsdb_type set, map;
    struct ovsdb_datum d;

    type_from_text(&set, T_ISET);
    type_from_text(&map, "{\"key\":\"integer\",\"value\":\"integer\","
                   "\"min\":0,\"max\":\"unlimited\"}");

    int_datum(&d, (int64_t[]) { 0, 0 }, 2, NULL);
    assert_error(ovsdb_datum_sort(&d, &set), "constraint violation",
                 "set contains duplicate value 0", "sort dup");
    ovsdb_datum_destroy(&d, &set);

    int_datum(&d, (int64_t[]) { 5, 3, 9, 1 }, 4, NULL);
    assert_null(ovsdb_datum_sort(&d, &set));
    assert_datum(&d, &set, "[\"set\",[1,3,5,9]]");
    ovsdb_datum_destroy(&d, &set);

    int_datum(&d, (int64_t[]) { 2, 1, 2 }, 3, (int64_t[]) { 20, 10, 21 });
    assert_error(ovsdb_datum_sort(&d, &map), "constraint violation",
                 "map contains duplicate key 2", "sort map dup");
    ovsdb_datum_destroy(&d, &map);

    /* sort_unique keeps the first of each key, in input order. */
    int_datum(&d, (int64_t[]) { 2, 1, 2, 1, 3 }, 5,
              (int64_t[]) { 20, 10, 21, 11, 30 });
    ovsdb_datum_sort_unique(&d, &map);
    assert_datum(&d, &map, "[\"map\",[[1,10],[2,20],[3,30]]]");
    ovsdb_datum_destroy(&d, &map);

    int_datum(&d, (int64_t[]) { 4, 4, 4 }, 3, NULL);
    ovsdb_datum_sort_unique(&d, &set);
    assert_datum(&d, &set, "4");
    ovsdb_datum_destroy(&d, &set);

    /* A larger one, in reverse. */
    int64_t vals[1000];
    for (int i = 0; i < 1000; i++) {
        vals[i] = 1000 - i;
    }
    int_datum(&d, vals, 1000, NULL);
    assert_null(ovsdb_datum_sort(&d, &set));
    for (unsigned int i = 0; i < d.n; i++) {
        assert_int_equal(d.keys[i].integer, i + 1);
    }
    ovsdb_datum_destroy(&d, &set);

    ovsdb_type_destroy(&set);
    ovsdb_type_destroy(&map);
}

static void
test_check_constraints(void **state)
{
    struct ovsdb_type t;
    struct ovsdb_datum d;

    type_from_text(&t, "{\"key\":\"string\",\"value\":{\"type\":\"integer\","
                   "\"maxInteger\":3},\"min\":0,\"max\":\"unlimited\"}");
    union ovsdb_atom k = { .string = xstrdup("a") }, v = { .integer = 4 };
    ovsdb_datum_init_single(&d, &k, &v);
    assert_error(ovsdb_datum_check_constraints(&d, &t),
                 "constraint violation",
                 "4 is greater than maximum allowed value 3", "check");
    ovsdb_datum_destroy(&d, &t);
    ovsdb_type_destroy(&t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_cases),
        cmocka_unit_test(test_type_predicates),
        cmocka_unit_test(test_datum_cases),
        cmocka_unit_test(test_datum_unbounded),
        cmocka_unit_test(test_named_uuid),
        cmocka_unit_test(test_atoms),
        cmocka_unit_test(test_datum_default),
        cmocka_unit_test(test_set_operations),
        cmocka_unit_test(test_subtract_keys_from_map),
        cmocka_unit_test(test_find_and_remove),
        cmocka_unit_test(test_sort),
        cmocka_unit_test(test_check_constraints),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* api: routing of REST requests to resources, and what neutron-server's
 * API layer (neutron/api/v2/base.py, neutron-lib attributes.py) does for
 * every resource: body parsing, unknown / read-only / required attribute
 * checks, filters (?name=x), field selection (?fields=id) and the
 * NeutronError bodies.  See api.h. */
#include "controller/api.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "controller/api-private.h"
#include "lib/ds.h"
#include "lib/util.h"
#include "ovsdb/db.h"
#include "ovsdb/execution.h"
#include "ovsdb/schema.h"

/* The most rows a list answers (a bound on the reply's size). */
#define API_MAX_LIST 100000
/* The most items of one bulk create (each is checked against the NB). */
#define API_MAX_BULK 1000

static const struct api_resource *const resources[] = {
    &api_network_resource, &api_segment_resource, &api_subnet_resource,
    &api_port_resource, &api_l2gw_resource, &api_l2gw_conn_resource,
    &api_vtep_resource, &api_host_link_resource,
};

/* The extensions seamd implements, as /v2.0/extensions lists them. */
static const struct {
    const char *alias, *name, *description, *updated;
} extensions[] = {
    { "binding", "Port Binding", "Expose port bindings of a virtual port to "
      "external application", "2014-02-03T10:00:00-00:00" },
    { "l2-gateway", "L2 Gateway", "Connects Neutron networks with external "
      "networks at layer 2.", "2015-01-01T00:00:00-00:00" },
    { "l2-gateway-connection", "L2 Gateway connection", "Connects Neutron "
      "networks with external networks at layer 2.", "2014-01-01T00:00:00-00:00" },
    { "multi-provider", "Multi Provider Network", "Expose mapping of virtual "
      "networks to multiple physical networks", "2013-06-27T10:00:00-00:00" },
    { "net-mtu", "Network MTU", "Provides MTU attribute for a network resource.",
      "2015-03-25T10:00:00-00:00" },
    { "project-id", "project_id field enabled", "Extension that indicates that "
      "project_id field is enabled.", "2016-09-09T09:09:09-09:09" },
    { "provider", "Provider Network", "Expose mapping of virtual networks to "
      "physical networks", "2012-09-07T10:00:00-00:00" },
    { "segment", "Segment", "Segments extension.", "2016-02-24T17:00:00-00:00" },
    { "standard-attr-description", "standard-attr-description", "Extension to "
      "add descriptions to standard attributes", "2016-02-10T10:00:00-00:00" },
    { "standard-attr-revisions", "Resource revision numbers", "This extension "
      "will display the revision number of neutron resources.",
      "2016-04-11T10:00:00-00:00" },
    { "standard-attr-timestamp", "Resource timestamps", "Adds created_at and "
      "updated_at fields to all Neutron resources that have Neutron standard "
      "attributes.", "2016-09-12T10:00:00-00:00" },
    { "seam", "seam topology", "seam's VTEPs and host links under /v2.0/seam/.",
      "2026-12-03T00:00:00-00:00" },
};

void
api_config_init(struct api_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->vni_ranges = xmalloc(sizeof *cfg->vni_ranges);
    cfg->vni_ranges[0] = (struct api_range) { 1, 16777215 };
    cfg->n_vni_ranges = 1;
    static const uint8_t base_mac[6] = { 0xfa, 0x16, 0x3e, 0, 0, 0 };
    memcpy(cfg->base_mac, base_mac, 6);
    cfg->default_project_id = xstrdup("seam");
}

void
api_config_destroy(struct api_config *cfg)
{
    if (cfg) {
        free(cfg->vni_ranges);
        for (size_t i = 0; i < cfg->n_physnets; i++) {
            free(cfg->physnets[i].name);
        }
        free(cfg->physnets);
        free(cfg->default_project_id);
        memset(cfg, 0, sizeof *cfg);
    }
}

void
api_config_clone(struct api_config *dst, const struct api_config *src)
{
    *dst = *src;
    dst->vni_ranges = xmemdup(src->vni_ranges,
                              src->n_vni_ranges * sizeof *src->vni_ranges + 1);
    dst->physnets = xmemdup(src->physnets, src->n_physnets * sizeof *src->physnets + 1);
    for (size_t i = 0; i < src->n_physnets; i++) {
        dst->physnets[i].name = xstrdup(src->physnets[i].name);
    }
    dst->default_project_id = xstrdup(src->default_project_id);
}

void
api_result_destroy(struct api_result *res)
{
    if (res) {
        json_decref(res->body);
        json_decref(res->ops);
        json_decref(res->ids_);
        res->body = res->ops = res->ids_ = NULL;
    }
}

static void
reply(struct api_result *res, int status, json_t *body)
{
    res->status = status;
    json_decref(res->body);
    res->body = body;
}

static void
reply_error(struct api_result *res, int status, const char *type, const char *msg)
{
    reply(res, status, api_error_body(type, msg));
}

/* Query strings. */

static char *
url_decode(const char *s, size_t n)
{
    char *out = xmalloc(n + 1), *p = out;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            *p++ = ' ';
        } else if (s[i] == '%' && i + 2 < n + 0 && isxdigit((unsigned char) s[i + 1])
                   && isxdigit((unsigned char) s[i + 2])) {
            char hex[3] = { s[i + 1], s[i + 2], 0 };
            *p++ = (char) strtol(hex, NULL, 16);
            i += 2;
        } else {
            *p++ = s[i];
        }
    }
    *p = '\0';
    return out;
}

/* Returns a new object: each key of the query string to an array of its
 * values, in order. */
static json_t *
parse_query(const char *q)
{
    json_t *params = json_object();
    while (q && *q) {
        size_t n = strcspn(q, "&");
        const char *eq = memchr(q, '=', n);
        char *key = url_decode(q, eq ? (size_t) (eq - q) : n);
        char *value = eq ? url_decode(eq + 1, n - (eq + 1 - q)) : xstrdup("");
        if (*key) {
            json_t *list = json_object_get(params, key);
            if (!list) {
                list = json_array();
                json_object_set_new(params, key, list);
            }
            json_array_append_new(list, json_string(value));
        }
        free(key);
        free(value);
        q += n;
        q += *q == '&';
    }
    return params;
}

/* Does rendered attribute 'v' match the query value 'q' (neutron compares
 * after converting the query value to the attribute's type)? */
static bool
filter_matches(const json_t *v, const char *q)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        return !strcmp(json_string_value(v), q);
    case JSON_INTEGER:
        return atoll(q) == json_integer_value(v) && *q;
    case JSON_TRUE:
        return !strcasecmp(q, "true") || !strcmp(q, "1");
    case JSON_FALSE:
        return !strcasecmp(q, "false") || !strcmp(q, "0");
    case JSON_NULL:
        return !*q || !strcmp(q, "None");
    case JSON_ARRAY: {
        size_t i;
        json_t *e;
        json_array_foreach (v, i, e) {
            if (filter_matches(e, q)) {
                return true;
            }
        }
        return false;
    }
    case JSON_OBJECT: {
        /* Neutron's "fixed_ips=ip_address=10.0.0.2" form: KEY=VALUE on an
         * element of a list of objects. */
        const char *eq = strchr(q, '=');
        if (!eq) {
            return false;
        }
        char *key = xstrndup(q, eq - q);
        const json_t *e = json_object_get(v, key);
        free(key);
        return e && filter_matches(e, eq + 1);
    }
    case JSON_REAL:
    default:
        return false;
    }
}

static bool
is_paging_param(const char *key)
{
    return !strcmp(key, "fields") || !strcmp(key, "limit") || !strcmp(key, "marker")
        || !strcmp(key, "sort_key") || !strcmp(key, "sort_dir")
        || !strcmp(key, "page_reverse");
}

/* Takes ownership of 'obj' and returns a new object of only its members
 * named in 'fields' (an array of strings; NULL: 'obj' itself, all of it). */
static json_t *
select_fields(json_t *obj, const json_t *fields)
{
    if (!fields) {
        return obj;
    }
    json_t *out = json_object();
    size_t i;
    json_t *f;
    json_array_foreach (fields, i, f) {
        json_t *v = json_object_get(obj, json_string_value(f));
        if (v) {
            json_object_set(out, json_string_value(f), v);
        }
    }
    json_decref(obj);
    return out;
}

/* How a list is ordered: Neutron's sort_key/sort_dir pairs, then creation
 * time and id (seam's default order). */
struct sort_spec {
    const json_t *keys;         /* Array of attribute names, or NULL. */
    const json_t *dirs;         /* Array of "asc"/"desc", or NULL. */
};

static int
compare_values(const json_t *a, const json_t *b)
{
    if (!a || !b) {
        return !a - !b;
    }
    if (json_is_string(a) && json_is_string(b)) {
        return strcmp(json_string_value(a), json_string_value(b));
    }
    if (json_is_number(a) && json_is_number(b)) {
        double x = json_number_value(a), y = json_number_value(b);
        return x < y ? -1 : x > y;
    }
    if (json_is_boolean(a) && json_is_boolean(b)) {
        return json_is_true(a) - json_is_true(b);
    }
    return json_typeof(a) - json_typeof(b);
}

static int
compare_items(const void *a_, const void *b_, void *spec_)
{
    const struct sort_spec *spec = spec_;
    json_t *a = *(json_t *const *) a_, *b = *(json_t *const *) b_;
    size_t i;
    json_t *k;
    json_array_foreach (spec->keys, i, k) {
        const char *key = json_string_value(k);
        const char *dir = json_string_value(json_array_get(spec->dirs, i));
        int c = compare_values(json_object_get(a, key), json_object_get(b, key));
        if (c) {
            return dir && !strcmp(dir, "desc") ? -c : c;
        }
    }
    const char *default_keys[] = { "created_at", "id" };
    for (size_t d = 0; d < ARRAY_SIZE(default_keys); d++) {
        int c = compare_values(json_object_get(a, default_keys[d]),
                               json_object_get(b, default_keys[d]));
        if (c) {
            return c;
        }
    }
    return 0;
}

static void
url_encode(struct ds *out, const char *s)
{
    for (; *s; s++) {
        unsigned char c = *s;
        if (isalnum(c) || strchr("-_.~:", c)) {
            ds_put_char(out, c);
        } else {
            ds_put_format(out, "%%%02X", c);
        }
    }
}

/* Returns a new link object {"rel": 'rel', "href"}: the query string of
 * 'params' without marker and page_reverse, then "marker=ID" (and
 * "page_reverse=True" if 'reverse'), as Neutron's pagination links. */
static json_t *
page_link(const struct api_ctx *ctx, const struct api_resource *r, const json_t *params,
          const char *rel, const char *marker, bool reverse)
{
    struct ds q = DS_EMPTY_INITIALIZER;
    const char *key;
    json_t *values;
    json_object_foreach ((json_t *) params, key, values) {
        if (!strcmp(key, "marker") || !strcmp(key, "page_reverse")) {
            continue;
        }
        size_t i;
        json_t *v;
        json_array_foreach (values, i, v) {
            url_encode(&q, key);
            ds_put_char(&q, '=');
            url_encode(&q, json_string_value(v));
            ds_put_char(&q, '&');
        }
    }
    ds_put_format(&q, "marker=%s%s", marker, reverse ? "&page_reverse=True" : "");
    char *href = xasprintf("%s/v2.0/%s?%s", ctx->req->base_url ? ctx->req->base_url : "",
                           r->collection, ds_cstr(&q));
    json_t *link = json_pack("{s:s,s:s}", "rel", rel, "href", href);
    free(href);
    ds_destroy(&q);
    return link;
}

/* Whether rendered object 'obj' passes the filters of 'params': for each
 * attribute filtered that 'obj' has, one of the values given matches. */
static bool
passes_filters(const json_t *obj, json_t *params)
{
    const char *key;
    json_t *values;
    json_object_foreach (params, key, values) {
        const json_t *v = json_object_get(obj, key);
        if (is_paging_param(key) || !v) {
            continue;               /* Neutron ignores unknown filters. */
        }
        bool any = false;
        size_t i;
        json_t *q;
        json_array_foreach (values, i, q) {
            any = any || filter_matches(v, json_string_value(q));
        }
        if (!any) {
            return false;
        }
    }
    return true;
}

/* Returns a new array of '*n' new objects: the rows of 'r' as GET shows
 * them, filtered and sorted by 'params' (at most API_MAX_LIST).  Free it
 * with free_items(). */
static json_t **
collect_items(struct api_ctx *ctx, const struct api_resource *r, json_t *params,
              size_t *n)
{
    const struct ovsdb_row *row;
    json_t **items = NULL;
    size_t allocated = 0;
    *n = 0;
    API_FOR_EACH_ROW (row, api_table(ctx, r->table)) {
        json_t *obj = r->render(ctx, row);
        if (!passes_filters(obj, params) || *n >= API_MAX_LIST) {
            json_decref(obj);
            continue;
        }
        items = xgrow(items, &allocated, *n + 1, sizeof *items);
        items[(*n)++] = obj;
    }
    struct sort_spec spec = { json_object_get(params, "sort_key"),
                              json_object_get(params, "sort_dir") };
    if (*n) {
        qsort_r(items, *n, sizeof *items, compare_items, &spec);
    }
    return items;
}

static void
free_items(json_t **items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_decref(items[i]);
    }
    free(items);
}

/* Returns a new array of Neutron's pagination links of the page
 * 'items'['start'..'end') of a list of 'n' asked with 'limit' (0: none):
 * "next" unless a forward page is short, "previous" unless a reverse page
 * is short (api_common.py). */
static json_t *
page_links(const struct api_ctx *ctx, const struct api_resource *r, const json_t *params,
           json_t **items, size_t start, size_t end, long long limit, bool reverse)
{
    json_t *links = json_array();
    bool is_short = limit > 0 && end - start < (size_t) limit;
    if (limit > 0 && end > start && !(is_short && !reverse)) {
        json_array_append_new(links, page_link(ctx, r, params, "next",
                              json_string_value(json_object_get(items[end - 1], "id")),
                              false));
    }
    if (limit > 0 && end > start && !(is_short && reverse)) {
        json_array_append_new(links, page_link(ctx, r, params, "previous",
                              json_string_value(json_object_get(items[start], "id")),
                              true));
    }
    return links;
}

static void
do_list(struct api_ctx *ctx, const struct api_resource *r, json_t *params,
        struct api_result *res)
{
    json_t *fields = json_object_get(params, "fields");

    long long limit = 0;
    json_t *jlimit = json_array_get(json_object_get(params, "limit"), 0);
    if (jlimit && (!api_to_int(ctx, "limit", jlimit, &limit) || limit < 0)) {
        char *s = api_pystr(jlimit);
        char *msg = xasprintf("Bad limit request: Limit must be an integer 0 or "
                              "greater and not '%s'.", s);
        reply_error(res, 400, "BadRequest", msg);
        free(msg);
        free(s);
        return;
    }
    const char *marker = json_string_value(json_array_get(json_object_get(params,
                                                                          "marker"), 0));
    size_t n;
    json_t **items = collect_items(ctx, r, params, &n);

    /* As Neutron (api_common.py): a page starts after the marker, or with
     * page_reverse ends before it; an unknown marker is not found (404). */
    const char *rev = json_string_value(json_array_get(json_object_get(params,
                                                                       "page_reverse"), 0));
    bool reverse = rev && !strcasecmp(rev, "true");
    size_t at = reverse ? n : 0;
    bool found = !marker;
    for (size_t i = 0; marker && i < n; i++) {
        if (!strcmp(json_string_value(json_object_get(items[i], "id")), marker)) {
            at = reverse ? i : i + 1;
            found = true;
        }
    }
    if (!found) {
        free_items(items, n);
        api_not_found(ctx, r, marker);
        reply(res, ctx->status, json_incref(ctx->error));
        return;
    }
    size_t start, end;
    if (reverse) {
        end = at;
        start = limit > 0 && (size_t) limit < end ? end - limit : 0;
    } else {
        start = at;
        end = limit > 0 && start + limit < n ? start + limit : n;
    }
    json_t *links = page_links(ctx, r, params, items, start, end, limit, reverse);
    json_t *list = json_array();
    for (size_t i = start; i < end; i++) {
        json_array_append_new(list, select_fields(items[i], fields));
        items[i] = NULL;
    }
    free_items(items, n);
    json_t *body = json_pack("{s:o}", r->plural_key, list);
    if (json_array_size(links)) {
        char *k = xasprintf("%s_links", r->plural_key);
        json_object_set_new(body, k, links);
        free(k);
    } else {
        json_decref(links);
    }
    reply(res, 200, body);
}

/* Every key of 'attrs' is an attribute of 'r', else Neutron's
 * "Unrecognized attribute(s)" listing them.  False after an error. */
static bool
check_known_attrs(struct api_ctx *ctx, const struct api_resource *r, json_t *attrs)
{
    const char *key;
    json_t *v;
    struct ds unknown = DS_EMPTY_INITIALIZER;

    json_object_foreach (attrs, key, v) {
        bool known = false;
        for (const struct api_attr *a = r->attrs; a->name; a++) {
            known = known || !strcmp(a->name, key);
        }
        if (!known) {
            ds_put_format(&unknown, "%s%s", unknown.length ? ", " : "", key);
        }
    }
    bool ok = !unknown.length;
    if (!ok) {
        api_error(ctx, 400, "HTTPBadRequest", "Unrecognized attribute(s) '%s'",
                  ds_cstr(&unknown));
    }
    ds_destroy(&unknown);
    return ok;
}

/* Each attribute given may be given in a POST ('create') or a PUT, and
 * each required one is given in a POST.  False after an error. */
static bool
check_attr_access(struct api_ctx *ctx, const struct api_resource *r, const json_t *attrs,
                  bool create)
{
    for (const struct api_attr *a = r->attrs; a->name; a++) {
        json_t *value = json_object_get(attrs, a->name);
        if (create) {
            if (value && !(a->flags & API_POST)) {
                return api_error(ctx, 400, "HTTPBadRequest",
                                 "Attribute '%s' not allowed in POST", a->name);
            }
            if (!value && a->flags & API_REQUIRED) {
                return api_error(ctx, 400, "HTTPBadRequest", "Failed to parse "
                                 "request. Required attribute '%s' not specified",
                                 a->name);
            }
        } else if (value && !(a->flags & API_PUT)) {
            return api_error(ctx, 400, "HTTPBadRequest",
                             "Cannot update read-only attribute %s", a->name);
        }
    }
    return true;
}

/* 'value' has the type of attribute 'a' (booleans were converted before).
 * False after an error. */
static bool
check_attr_type(struct api_ctx *ctx, const struct api_attr *a, const json_t *value)
{
    struct uuid u;
    char *s = api_pystr(value);
    bool ok = true;
    switch (a->type) {
    case API_T_STRING_NULL:
        if (json_is_null(value)) {
            break;
        }
        /* fall through */
    case API_T_STRING:
        if (!json_is_string(value)) {
            ok = api_bad_attr(ctx, a->name, "'%s' is not a valid string", s);
        } else if (json_string_length(value) > 255) {
            ok = api_bad_attr(ctx, a->name, "'%s' exceeds maximum length of 255", s);
        }
        break;
    case API_T_UUID:
        if (!json_is_string(value) || !uuid_from_string(&u, json_string_value(value))) {
            ok = api_bad_attr(ctx, a->name, "'%s' is not a valid UUID", s);
        }
        break;
    case API_T_DICT:
        if (!json_is_object(value) && !json_is_null(value)) {
            ok = api_bad_attr(ctx, a->name, "'%s' is not a dictionary", s);
        }
        break;
    case API_T_LIST:
        if (!json_is_array(value)) {
            ok = api_bad_attr(ctx, a->name, "'%s' is not a list", s);
        }
        break;
    case API_T_ANY:
    case API_T_BOOL:
    default:
        break;
    }
    free(s);
    return ok;
}

/* neutron-lib's fill_post_defaults / convert_values / verify_attributes,
 * in that order. */
static bool
check_attrs(struct api_ctx *ctx, const struct api_resource *r, json_t *attrs,
            bool create)
{
    if (!check_known_attrs(ctx, r, attrs) || !check_attr_access(ctx, r, attrs, create)) {
        return false;
    }
    for (const struct api_attr *a = r->attrs; a->name; a++) {
        json_t *value = json_object_get(attrs, a->name);
        bool b;
        if (value && a->type == API_T_BOOL) {
            if (!api_to_bool(ctx, value, &b)) {
                return false;
            }
            json_object_set_new(attrs, a->name, json_boolean(b));
        }
    }
    for (const struct api_attr *a = r->attrs; a->name; a++) {
        json_t *value = json_object_get(attrs, a->name);
        if (value && !check_attr_type(ctx, a, value)) {
            return false;
        }
    }
    /* project_id and tenant_id are one attribute. */
    json_t *project = json_object_get(attrs, "project_id");
    json_t *tenant = json_object_get(attrs, "tenant_id");
    if (project && tenant && !json_equal(project, tenant)) {
        return api_error(ctx, 400, "HTTPBadRequest",
                         "'project_id' and 'tenant_id' do not match");
    }
    if (create) {
        const char *p = json_string_value(project ? project : tenant);
        if (p) {
            ctx->project_id = p;
        }
    }
    return true;
}

/* Parses the body: {"MEMBER": {...}}.  Returns the attributes (borrowed
 * from '*bodyp', which the caller frees) or NULL after an error. */
static json_t *
parse_body(struct api_ctx *ctx, const struct api_resource *r, json_t **bodyp)
{
    json_error_t jerr;
    json_t *body = json_loadb(ctx->req->body ? ctx->req->body : "",
                              ctx->req->body_size, JSON_DECODE_ANY, &jerr);
    *bodyp = body;
    if (!body || !json_is_object(body)) {
        api_error(ctx, 400, "HTTPBadRequest", "Body contains invalid data");
        return NULL;
    }
    json_t *attrs = json_object_get(body, r->member);
    if (!attrs) {
        api_error(ctx, 400, "HTTPBadRequest", "Unable to find '%s' in request body",
                  r->member);
        return NULL;
    }
    if (!json_is_object(attrs)) {
        api_error(ctx, 400, "HTTPBadRequest", "Object '%s' contains invalid data",
                  r->member);
        return NULL;
    }
    return attrs;
}

static void
take_ops(struct api_ctx *ctx, struct api_result *res, const struct api_resource *r,
         const struct uuid *id, int ok_status)
{
    if (ctx->error) {
        reply(res, ctx->status, json_incref(ctx->error));
        return;
    }
    res->ops = json_incref(ctx->ops);
    res->resource_ = r;
    res->uuid_ = *id;
    res->ok_status_ = ok_status;
}

static void
do_member(struct api_ctx *ctx, const struct api_resource *r, const char *method,
          const char *id, json_t *params, struct api_result *res)
{
    const struct ovsdb_row *row = api_find_row(ctx, r->table, id);
    if (!row) {
        api_not_found(ctx, r, id);
        reply(res, ctx->status, json_incref(ctx->error));
        return;
    }
    if (!strcmp(method, "GET")) {
        json_t *obj = select_fields(r->render(ctx, row),
                                    json_object_get(params, "fields"));
        reply(res, 200, json_pack("{s:o}", r->member, obj));
    } else if (!strcmp(method, "PUT")) {
        json_t *body;
        json_t *attrs = parse_body(ctx, r, &body);
        if (attrs && check_attrs(ctx, r, attrs, false)) {
            r->update(ctx, row, attrs);
        }
        take_ops(ctx, res, r, ovsdb_row_get_uuid(row), 200);
        json_decref(body);
    } else if (!strcmp(method, "DELETE")) {
        r->remove(ctx, row);
        take_ops(ctx, res, r, ovsdb_row_get_uuid(row), 204);
    } else {
        reply_error(res, 405, "HTTPMethodNotAllowed",
                    "The method is not allowed for this resource.");
    }
}

/* Executes 'ops' on 'db'; true if every operation succeeded. */
static bool
execute(struct ovsdb_db *db, const json_t *ops)
{
    long long timeout;
    json_t *result = NULL;
    bool ok = ovsdb_execute(db, NULL, ops, 0, &timeout, &result);
    size_t i;
    json_t *r;
    json_array_foreach (result, i, r) {
        ok = ok && !json_object_get(r, "error");
    }
    json_decref(result);
    return ok;
}

/* Returns a new in-memory copy of 'db' (every row, the same UUIDs), or
 * NULL.  Free it with ovsdb_db_destroy(). */
static struct ovsdb_db *
scratch_copy(const struct ovsdb_db *db)
{
    struct ovsdb_db *copy = ovsdb_db_create(ovsdb_schema_clone(db->schema));
    json_t *ops = json_array();
    for (size_t t = 0; t < db->schema->n_tables; t++) {
        const struct ovsdb_table *table = &db->tables[t];
        const struct ovsdb_row *row;
        HMAP_FOR_EACH (row, hmap_node, &table->rows) {
            char id[UUID_LEN + 1];
            uuid_to_string(ovsdb_row_get_uuid(row), id);
            json_t *r = ovsdb_row_to_json(row, NULL, 0);
            json_object_del(r, "_uuid");
            json_object_del(r, "_version");
            json_array_append_new(ops, json_pack("{s:s,s:s,s:s,s:o}", "op", "insert",
                                                 "table", table->schema->name,
                                                 "uuid", id, "row", r));
        }
    }
    bool ok = execute(copy, ops);
    json_decref(ops);
    if (!ok) {
        ovsdb_db_destroy(copy);
        return NULL;
    }
    return copy;
}

/* Neutron's bulk create, {"networks": [{...}, ...]}: all or nothing, in one
 * transaction.  Each item is checked against a private copy of the NB into
 * which the previous items were written, so that they see what those
 * allocated (VNIs, VLANs, MACs, addresses) and what they made in use. */
static void
do_bulk(struct api_ctx *ctx, const struct api_resource *r, const json_t *items,
        struct api_result *res)
{
    if (!json_array_size(items)) {
        reply_error(res, 400, "HTTPBadRequest", "Resources required");
        return;
    }
    if (json_array_size(items) > API_MAX_BULK) {
        char *msg = xasprintf("A bulk request may create at most %d %s.", API_MAX_BULK,
                              r->plural_key);
        reply_error(res, 400, "HTTPBadRequest", msg);
        free(msg);
        return;
    }
    struct ovsdb_db *scratch = ctx->db ? scratch_copy(ctx->db) : NULL;
    if (!scratch) {
        reply_error(res, 500, "InternalError", "Request Failed: internal server error "
                    "while processing your request.");
        return;
    }
    json_t *ops = json_array();
    json_t *ids = json_array();
    size_t i;
    json_t *item;
    json_array_foreach (items, i, item) {
        struct api_ctx one = *ctx;
        one.db = scratch;
        one.ops = json_array();
        one.error = NULL;
        struct uuid id;
        uuid_generate(&id);
        if (!json_is_object(item)) {
            api_error(&one, 400, "HTTPBadRequest", "Object '%s' contains invalid data",
                      r->plural_key);
        } else if (check_attrs(&one, r, item, true)) {
            r->create(&one, item, &id);
        }
        if (!one.error && !execute(scratch, one.ops)) {
            api_error(&one, 409, "Conflict", "Item %zu of the request conflicts with "
                      "an earlier one.", i);
        }
        if (one.error) {
            ctx->status = one.status;
            ctx->error = one.error;
            json_decref(one.ops);
            break;
        }
        json_array_extend(ops, one.ops);
        json_decref(one.ops);
        char s[UUID_LEN + 1];
        uuid_to_string(&id, s);
        json_array_append_new(ids, json_string(s));
    }
    ovsdb_db_destroy(scratch);
    if (ctx->error) {
        json_decref(ops);
        json_decref(ids);
        reply(res, ctx->status, json_incref(ctx->error));
        return;
    }
    res->ops = ops;
    res->ids_ = ids;
    res->resource_ = r;
    res->ok_status_ = 201;
}

static void
do_collection(struct api_ctx *ctx, const struct api_resource *r, const char *method,
              json_t *params, struct api_result *res)
{
    if (!strcmp(method, "GET")) {
        do_list(ctx, r, params, res);
    } else if (!strcmp(method, "POST")) {
        json_t *whole = json_loadb(ctx->req->body ? ctx->req->body : "",
                                   ctx->req->body_size, JSON_DECODE_ANY, NULL);
        const json_t *items = json_object_get(whole, r->plural_key);
        if (json_is_array(items) && !json_object_get(whole, r->member)) {
            do_bulk(ctx, r, items, res);
            json_decref(whole);
            return;
        }
        json_decref(whole);
        json_t *body;
        json_t *attrs = parse_body(ctx, r, &body);
        struct uuid id;
        uuid_generate(&id);
        if (attrs && check_attrs(ctx, r, attrs, true)) {
            r->create(ctx, attrs, &id);
        }
        take_ops(ctx, res, r, &id, 201);
        json_decref(body);
    } else {
        reply_error(res, 405, "HTTPMethodNotAllowed",
                    "The method is not allowed for this resource.");
    }
}

/* Returns a new object: extension 'i' as /v2.0/extensions shows it. */
static json_t *
extension_json(size_t i)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:[]}", "name", extensions[i].name,
                     "alias", extensions[i].alias,
                     "description", extensions[i].description,
                     "updated", extensions[i].updated, "links");
}

static void
do_extensions(const char *alias, struct api_result *res)
{
    if (!alias) {
        json_t *list = json_array();
        for (size_t i = 0; i < ARRAY_SIZE(extensions); i++) {
            json_array_append_new(list, extension_json(i));
        }
        reply(res, 200, json_pack("{s:o}", "extensions", list));
        return;
    }
    for (size_t i = 0; i < ARRAY_SIZE(extensions); i++) {
        if (!strcmp(extensions[i].alias, alias)) {
            reply(res, 200, json_pack("{s:o}", "extension", extension_json(i)));
            return;
        }
    }
    reply_error(res, 404, "HTTPNotFound", "The resource could not be found.");
}

static void
do_root(const struct api_request *req, bool v2, struct api_result *res)
{
    const char *base = req->base_url ? req->base_url : "";
    if (!v2) {
        char *href = xasprintf("%s/v2.0/", base);
        reply(res, 200, json_pack("{s:[{s:s,s:s,s:[{s:s,s:s}]}]}", "versions",
                                  "id", "v2.0", "status", "CURRENT", "links",
                                  "rel", "self", "href", href));
        free(href);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < ARRAY_SIZE(resources); i++) {
        char *href = xasprintf("%s/v2.0/%s", base, resources[i]->collection);
        json_array_append_new(list, json_pack("{s:s,s:s,s:[{s:s,s:s}]}",
                                              "name", resources[i]->member,
                                              "collection", resources[i]->plural_key,
                                              "links", "rel", "self", "href", href));
        free(href);
    }
    reply(res, 200, json_pack("{s:o}", "resources", list));
}

static void
format_now(char out[24], long long now_ms)
{
    time_t t = now_ms / 1000;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
api_handle(const struct api_config *cfg, const struct ovsdb_db *db,
           const struct api_request *req, struct api_result *res)
{
    struct api_ctx ctx = {
        .cfg = cfg, .db = db, .req = req, .ops = json_array(),
        .project_id = req->project_id && *req->project_id ? req->project_id
                      : cfg->default_project_id,
    };
    format_now(ctx.now, req->now_ms);
    memset(res, 0, sizeof *res);

    /* Split the path into segments, dropping a ".json" suffix. */
    char *path = xstrdup(req->path ? req->path : "/");
    size_t len = strlen(path);
    if (len > 5 && !strcmp(path + len - 5, ".json")) {
        path[len - 5] = '\0';
    }
    char *segs[5];
    size_t n = 0;
    char *save = NULL;
    for (char *s = strtok_r(path, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
        if (n == ARRAY_SIZE(segs)) {
            n++;
            break;
        }
        segs[n++] = s;
    }
    json_t *params = parse_query(req->query);
    const char *method = req->method ? req->method : "";

    if (n == 0 || (n == 1 && !strcmp(segs[0], "v2.0"))) {
        if (strcmp(method, "GET")) {
            reply_error(res, 405, "HTTPMethodNotAllowed",
                        "The method is not allowed for this resource.");
        } else {
            do_root(req, n == 1, res);
        }
        goto out;
    }
    if (n > ARRAY_SIZE(segs) || strcmp(segs[0], "v2.0")) {
        goto not_found;
    }
    if (!strcmp(segs[1], "extensions") && n <= 3) {
        do_extensions(n == 3 ? segs[2] : NULL, res);
        goto out;
    }
    /* seam's own resources live under /v2.0/seam/. */
    size_t first = 1;
    char coll[64];
    if (!strcmp(segs[1], "seam") && n >= 3) {
        snprintf(coll, sizeof coll, "seam/%s", segs[2]);
        first = 2;
    } else {
        snprintf(coll, sizeof coll, "%s", segs[1]);
    }
    for (size_t i = 0; i < ARRAY_SIZE(resources); i++) {
        const struct api_resource *r = resources[i];
        if (strcmp(r->collection, coll)) {
            continue;
        }
        if (n == first + 1) {
            do_collection(&ctx, r, method, params, res);
            goto out;
        } else if (n == first + 2) {
            do_member(&ctx, r, method, segs[first + 1], params, res);
            goto out;
        }
        break;
    }
not_found:
    reply_error(res, 404, "HTTPNotFound", "The resource could not be found.");
out:
    json_decref(params);
    json_decref(ctx.ops);
    json_decref(ctx.error);
    free(path);
    if (res->ops && !json_array_size(res->ops)) {
        /* Nothing to write (e.g. an update that changes nothing). */
        api_finish(db, res, NULL);
    }
}

bool
api_result_visible(const struct ovsdb_db *db, const struct api_result *res)
{
    const struct api_resource *r = res->resource_;
    const struct ovsdb_table *t = r && db ? ovsdb_db_find_table(db, r->table) : NULL;
    if (!t) {
        return true;
    }
    if (res->ids_) {
        size_t i;
        json_t *id;
        json_array_foreach (res->ids_, i, id) {
            struct uuid u;
            if (uuid_from_string(&u, json_string_value(id)) && !ovsdb_table_get_row(t, &u)) {
                return false;
            }
        }
        return true;
    }
    bool present = ovsdb_table_get_row(t, &res->uuid_) != NULL;
    return res->ok_status_ == 204 ? !present : present;
}

void
api_finish(const struct ovsdb_db *db, struct api_result *res, const char *error)
{
    json_decref(res->ops);
    res->ops = NULL;
    if (error) {
        if (strstr(error, "referential integrity")) {
            reply_error(res, 409, "Conflict", "The resource is in use.");
        } else if (strstr(error, "constraint violation") || strstr(error, "index")) {
            reply_error(res, 409, "Conflict",
                        "A concurrent request took a value this request needs; "
                        "try again.");
        } else {
            reply_error(res, 500, "InternalError", "Request Failed: internal "
                        "server error while processing your request.");
        }
        return;
    }
    if (res->ok_status_ == 204) {
        reply(res, 204, NULL);
        return;
    }
    struct api_config cfg;
    memset(&cfg, 0, sizeof cfg);
    struct api_request req = { .method = "GET" };
    struct api_ctx ctx = { .cfg = &cfg, .db = db, .req = &req };
    const struct api_resource *r = res->resource_;
    if (res->ids_) {
        json_t *list = json_array();
        size_t i;
        json_t *id;
        json_array_foreach (res->ids_, i, id) {
            const struct ovsdb_row *row = api_find_row(&ctx, r->table,
                                                       json_string_value(id));
            if (row) {
                json_array_append_new(list, r->render(&ctx, row));
            }
        }
        reply(res, 201, json_pack("{s:o}", r->plural_key, list));
        return;
    }
    const struct ovsdb_row *row = api_get_row(&ctx, r->table, &res->uuid_);
    if (!row) {
        reply_error(res, 500, "InternalError", "Request Failed: the written row "
                    "is not in the database.");
        return;
    }
    reply(res, res->ok_status_, json_pack("{s:o}", r->member, r->render(&ctx, row)));
}

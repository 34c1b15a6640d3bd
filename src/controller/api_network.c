/* api_network: /v2.0/networks, with the provider and multi-provider
 * extensions (provider:* for a network of one segment, "segments" for
 * more; not both in a request), net-mtu, and seam's "seam:vni" (the
 * network's overlay VNI, which a network without a vxlan segment has too).
 *
 * NB: a Network row and one Segment row per segment. */
#include "controller/api-private.h"

#include <stdlib.h>
#include <string.h>
#include "lib/ds.h"

static const char *const provider_keys[] = {
    "provider:network_type", "provider:physical_network", "provider:segmentation_id",
};

/* The network's Segment rows in segment_index order: a new array of row
 * pointers (free()), count in '*n'. */
static const struct ovsdb_row **
network_segments(struct api_ctx *ctx, const struct uuid *net, size_t *n)
{
    const struct ovsdb_row **segs = NULL;
    size_t allocated = 0;
    const struct ovsdb_row *row;
    *n = 0;
    API_FOR_EACH_ROW (row, api_table(ctx, "Segment")) {
        if (api_refers(row, "network", net)) {
            segs = xgrow(segs, &allocated, *n + 1, sizeof *segs);
            size_t i = (*n)++;
            while (i > 0 && api_int(segs[i - 1], "segment_index")
                            > api_int(row, "segment_index")) {
                segs[i] = segs[i - 1];
                i--;
            }
            segs[i] = row;
        }
    }
    return segs;
}

/* Returns a new object: the provider:* attributes of segment 'seg'. */
static json_t *
provider_json(const struct ovsdb_row *seg)
{
    const char *type = api_str(seg, "network_type");
    const char *physnet = api_opt_str(seg, "physical_network");
    return json_pack("{s:s,s:o,s:o}", "provider:network_type", type,
                     "provider:physical_network", physnet ? json_string(physnet)
                                                          : json_null(),
                     "provider:segmentation_id", !strcmp(type, "flat") ? json_null()
                     : json_integer(api_int(seg, "segmentation_id")));
}

json_t *
api_render_network_provider(struct api_ctx *ctx, const struct ovsdb_row *net,
                            json_t *obj)
{
    size_t n;
    const struct ovsdb_row **segs = network_segments(ctx, ovsdb_row_get_uuid(net), &n);
    if (n == 1) {
        json_t *p = provider_json(segs[0]);
        json_object_update(obj, p);
        json_decref(p);
    } else if (n == 0) {
        for (size_t i = 0; i < ARRAY_SIZE(provider_keys); i++) {
            json_object_set_new(obj, provider_keys[i], json_null());
        }
    } else {
        json_t *list = json_array();
        for (size_t i = 0; i < n; i++) {
            json_array_append_new(list, provider_json(segs[i]));
        }
        json_object_set_new(obj, "segments", list);
    }
    free(segs);
    return obj;
}

static json_t *
network_render(struct api_ctx *ctx, const struct ovsdb_row *row)
{
    const struct uuid *id = ovsdb_row_get_uuid(row);
    json_t *subnets = json_array();
    const struct ovsdb_row *s;
    API_FOR_EACH_ROW (s, api_table(ctx, "Subnet")) {
        if (api_refers(s, "network", id)) {
            json_array_append_new(subnets, api_id_json(s));
        }
    }
    const char *project = api_str(row, "project_id");
    const char *ps = api_map_get(row, "external_ids", "port_security_enabled");
    const char *ext = api_map_get(row, "external_ids", "router:external");
    json_t *obj = json_pack("{s:o,s:s,s:s,s:b,s:o,s:s,s:o,s:b,s:s,s:b,s:b}",
                            "id", api_id_json(row),
                            "name", api_str(row, "name"),
                            "tenant_id", project,
                            "admin_state_up", api_bool(row, "admin_state_up"),
                            "mtu", api_has(row, "mtu") ? json_integer(api_int(row, "mtu"))
                                                       : json_null(),
                            "status", api_str(row, "status"),
                            "subnets", subnets,
                            "shared", api_bool(row, "shared"),
                            "project_id", project,
                            "port_security_enabled", !ps || !strcmp(ps, "true"),
                            "router:external", ext && !strcmp(ext, "true"));
    api_render_network_provider(ctx, row, obj);
    json_t *rest = json_pack("{s:[],s:[],s:n,s:n,s:s,s:b,s:[],s:s,s:s,s:I,s:I}",
                             "availability_zone_hints", "availability_zones",
                             "ipv4_address_scope", "ipv6_address_scope",
                             "description", api_str(row, "description"),
                             "l2_adjacency", true, "tags",
                             "created_at", api_str(row, "created_at"),
                             "updated_at", api_str(row, "updated_at"),
                             "revision_number",
                             (json_int_t) api_int(row, "revision_number"),
                             "seam:vni", (json_int_t) api_int(row, "vni"));
    json_object_update(obj, rest);
    json_decref(rest);
    return obj;
}

static bool
has_provider_attrs(const json_t *attrs)
{
    for (size_t i = 0; i < ARRAY_SIZE(provider_keys); i++) {
        const json_t *v = json_object_get(attrs, provider_keys[i]);
        if (v && !json_is_null(v)) {
            return true;
        }
    }
    return false;
}

static bool
check_mtu(struct api_ctx *ctx, const json_t *attrs, long long *mtu)
{
    const json_t *v = json_object_get(attrs, "mtu");
    *mtu = -1;
    if (!v || json_is_null(v)) {
        return true;
    }
    if (!api_to_int(ctx, "mtu", v, mtu)) {
        return false;
    }
    if (*mtu < 68 || *mtu > 65535) {
        char *s = api_pystr(v);
        api_bad_attr(ctx, "mtu", "'%s' is not in range 68 through 65535", s);
        free(s);
        return false;
    }
    return true;
}

/* Parses the segments of a new network: 'provider:*' or 'segments', or
 * neither (one vxlan segment, as tenant_network_types = vxlan).  Returns a
 * new array of [type, physnet, id] or NULL after an error. */
static json_t *
parse_segments(struct api_ctx *ctx, const json_t *attrs)
{
    const json_t *list = json_object_get(attrs, "segments");
    json_t *tx = json_array(), *tv = json_array();
    json_t *segs = json_array();

    if (list && !json_is_null(list) && has_provider_attrs(attrs)) {
        api_error(ctx, 400, "SegmentsSetInConjunctionWithProviders",
                  "Segments and provider values cannot both be set.");
        goto error;
    }
    if (list && !json_is_null(list) && json_array_size(list)) {
        size_t i;
        json_t *seg;
        json_array_foreach (list, i, seg) {
            if (!json_is_object(seg)) {
                char *s = api_pystr(seg);
                api_bad_attr(ctx, "segments", "'%s' is not a dictionary", s);
                free(s);
                goto error;
            }
            const char *key;
            json_t *v;
            json_object_foreach (seg, key, v) {
                bool known = false;
                for (size_t k = 0; k < ARRAY_SIZE(provider_keys); k++) {
                    known = known || !strcmp(key, provider_keys[k]);
                }
                if (!known) {
                    api_error(ctx, 400, "HTTPBadRequest",
                              "Unrecognized attribute(s) '%s'", key);
                    goto error;
                }
            }
            json_t *parsed = api_segment_parse(ctx, seg, "provider:", true, tx, tv);
            if (!parsed) {
                goto error;
            }
            json_array_append_new(segs, parsed);
        }
    } else {
        json_t *provider = json_object();
        for (size_t k = 0; k < ARRAY_SIZE(provider_keys); k++) {
            json_t *v = json_object_get(attrs, provider_keys[k]);
            if (v) {
                json_object_set(provider, provider_keys[k], v);
            }
        }
        json_t *type = json_object_get(provider, "provider:network_type");
        if (!type || json_is_null(type)) {
            if (has_provider_attrs(attrs)) {
                json_decref(provider);
                api_invalid(ctx, "network_type required");
                goto error;
            }
            json_object_set_new(provider, "provider:network_type", json_string("vxlan"));
        }
        json_t *parsed = api_segment_parse(ctx, provider, "provider:", true, tx, tv);
        json_decref(provider);
        if (!parsed) {
            goto error;
        }
        json_array_append_new(segs, parsed);
    }
    json_decref(tx);
    json_decref(tv);
    return segs;

error:
    json_decref(tx);
    json_decref(tv);
    json_decref(segs);
    return NULL;
}

/* Returns a new OVSDB map for Network.external_ids: the Neutron booleans
 * seam stores but does not act on, from 'attrs' over those of 'row' (NULL
 * for a new network). */
static json_t *
external_ids(const json_t *attrs, const struct ovsdb_row *row)
{
    static const char *const keys[][2] = {
        { "port_security_enabled", "true" }, { "router:external", "false" },
    };
    json_t *pairs = json_array();
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        const json_t *v = json_object_get(attrs, keys[i][0]);
        const char *old = row ? api_map_get(row, "external_ids", keys[i][0]) : NULL;
        const char *value = v ? (json_is_true(v) ? "true" : "false")
                            : old ? old : keys[i][1];
        json_array_append_new(pairs, json_pack("[s s]", keys[i][0], value));
    }
    return api_map_json(pairs);
}

static bool
network_create(struct api_ctx *ctx, json_t *attrs, const struct uuid *id)
{
    long long mtu;
    if (!check_mtu(ctx, attrs, &mtu)) {
        return false;
    }
    json_t *segs = parse_segments(ctx, attrs);
    if (!segs) {
        return false;
    }
    /* The overlay VNI: the vxlan segment's, else one from the ranges. */
    long long vni = 0;
    bool has_vxlan = false;
    size_t i;
    json_t *seg;
    json_array_foreach (segs, i, seg) {
        if (!strcmp(json_string_value(json_array_get(seg, 0)), "vxlan")) {
            vni = json_integer_value(json_array_get(seg, 2));
            has_vxlan = true;
            break;
        }
    }
    if (!has_vxlan) {
        json_t *none = json_array();
        vni = api_alloc_vni(ctx, none);
        json_decref(none);
        if (!vni) {
            json_decref(segs);
            return api_error(ctx, 503, "NoNetworkAvailable", "Unable to create the "
                             "network. No tenant network is available for "
                             "allocation.");
        }
    }
    if (mtu < 0) {
        mtu = has_vxlan ? 1450 : 1500;
    }
    const json_t *admin = json_object_get(attrs, "admin_state_up");
    const json_t *shared = json_object_get(attrs, "shared");
    const char *name = json_string_value(json_object_get(attrs, "name"));
    const char *descr = json_string_value(json_object_get(attrs, "description"));
    json_t *row = json_pack("{s:s,s:s,s:s,s:b,s:b,s:I,s:I,s:s,s:i,s:o}",
                            "name", name ? name : "",
                            "description", descr ? descr : "",
                            "project_id", ctx->project_id,
                            "admin_state_up", !admin || json_is_true(admin),
                            "shared", shared && json_is_true(shared),
                            "mtu", (json_int_t) mtu,
                            "vni", (json_int_t) vni,
                            "status", "ACTIVE",
                            "revision_number", 1,
                            "external_ids", external_ids(attrs, NULL));
    api_ts_now(row, ctx, true);
    api_op_insert(ctx, "Network", id, row);
    json_array_foreach (segs, i, seg) {
        api_segment_insert(ctx, id, seg, i, NULL, NULL, NULL);
    }
    json_decref(segs);
    return true;
}

static bool
network_update(struct api_ctx *ctx, const struct ovsdb_row *row, json_t *attrs)
{
    /* Changing segments through the network is not supported (as ML2 for a
     * network of several segments); the same values are accepted. */
    if (json_object_get(attrs, "segments") || has_provider_attrs(attrs)) {
        json_t *current = api_render_network_provider(ctx, row, json_object());
        bool same = true;
        const char *key;
        json_t *v;
        json_object_foreach (attrs, key, v) {
            if (!strncmp(key, "provider:", 9) || !strcmp(key, "segments")) {
                json_t *cur = json_object_get(current, key);
                long long a, b;
                if (json_is_integer(cur) && json_is_string(v)
                    && api_to_int(ctx, key, v, &a)) {
                    b = json_integer_value(cur);
                    same = same && a == b;
                } else {
                    same = same && cur && json_equal(cur, v);
                }
            }
        }
        json_decref(current);
        if (ctx->error) {
            return false;
        }
        if (!same) {
            return api_invalid(ctx, "Plugin does not support updating provider "
                               "attributes");
        }
    }
    long long mtu;
    if (!check_mtu(ctx, attrs, &mtu)) {
        return false;
    }
    json_t *u = json_object();
    const char *strs[] = { "name", "description" };
    for (size_t i = 0; i < ARRAY_SIZE(strs); i++) {
        json_t *v = json_object_get(attrs, strs[i]);
        if (v) {
            json_object_set(u, strs[i], v);
        }
    }
    const char *bools[] = { "admin_state_up", "shared" };
    for (size_t i = 0; i < ARRAY_SIZE(bools); i++) {
        json_t *v = json_object_get(attrs, bools[i]);
        if (v) {
            json_object_set(u, bools[i], v);
        }
    }
    if (mtu > 0) {
        json_object_set_new(u, "mtu", json_integer(mtu));
    }
    if (json_object_get(attrs, "port_security_enabled")
        || json_object_get(attrs, "router:external")) {
        json_object_set_new(u, "external_ids", external_ids(attrs, row));
    }
    api_op_revise(ctx, "Network", row, u);
    return true;
}

static bool
network_remove(struct api_ctx *ctx, const struct ovsdb_row *row)
{
    const struct uuid *id = ovsdb_row_get_uuid(row);
    const struct ovsdb_row *r;
    char s[UUID_LEN + 1];

    /* Ports that Neutron would not delete itself keep the network. */
    struct ds in_use = DS_EMPTY_INITIALIZER;
    API_FOR_EACH_ROW (r, api_table(ctx, "Port")) {
        if (api_refers(r, "network", id)
            && strncmp(api_str(r, "device_owner"), "network:", 8)) {
            api_uuid_str(r, s);
            ds_put_format(&in_use, "%s%s", in_use.length ? ", " : "", s);
        }
    }
    if (in_use.length) {
        api_uuid_str(row, s);
        api_error(ctx, 409, "NetworkInUse", "Unable to complete operation on network "
                  "%s. There are one or more ports still in use on the network, id "
                  "for these ports is: %s.", s, ds_cstr(&in_use));
        ds_destroy(&in_use);
        return false;
    }
    const char *tables[] = { "Port", "L2_Gateway_Connection", "Subnet", "Segment" };
    for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
        API_FOR_EACH_ROW (r, api_table(ctx, tables[i])) {
            if (api_refers(r, "network", id)) {
                api_op_delete(ctx, tables[i], ovsdb_row_get_uuid(r));
            }
        }
    }
    api_op_delete(ctx, "Network", id);
    return true;
}

static const struct api_attr network_attrs[] = {
    { "id", 0, API_T_UUID },
    { "name", API_POST | API_PUT, API_T_STRING },
    { "tenant_id", API_POST, API_T_STRING },
    { "project_id", API_POST, API_T_STRING },
    { "admin_state_up", API_POST | API_PUT, API_T_BOOL },
    { "mtu", API_POST | API_PUT, API_T_ANY },
    { "status", 0, API_T_ANY },
    { "subnets", 0, API_T_ANY },
    { "shared", API_POST | API_PUT, API_T_BOOL },
    { "port_security_enabled", API_POST | API_PUT, API_T_BOOL },
    { "router:external", API_POST | API_PUT, API_T_BOOL },
    { "provider:network_type", API_POST | API_PUT, API_T_ANY },
    { "provider:physical_network", API_POST | API_PUT, API_T_ANY },
    { "provider:segmentation_id", API_POST | API_PUT, API_T_ANY },
    { "segments", API_POST | API_PUT, API_T_LIST },
    { "availability_zone_hints", API_POST, API_T_LIST },
    { "availability_zones", 0, API_T_ANY },
    { "ipv4_address_scope", 0, API_T_ANY },
    { "ipv6_address_scope", 0, API_T_ANY },
    { "description", API_POST | API_PUT, API_T_STRING },
    { "l2_adjacency", 0, API_T_ANY },
    API_STANDARD_ATTRS,
    { "seam:vni", 0, API_T_ANY },
    { NULL, 0, 0 },
};

const struct api_resource api_network_resource = {
    .collection = "networks", .member = "network", .plural_key = "networks",
    .table = "Network", .not_found = "NetworkNotFound", .noun = "Network",
    .attrs = network_attrs, .render = network_render, .create = network_create,
    .update = network_update, .remove = network_remove,
};

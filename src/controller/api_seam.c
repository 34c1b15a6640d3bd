/* api_seam: seam's own topology resources, /v2.0/seam/vteps and
 * /v2.0/seam/host-links (shaped like Neutron's: the same error bodies,
 * filters and fields).
 *
 * A VTEP is a hardware_vtep database seamd programs: 'name' is its
 * Physical_Switch name, 'target' the OVSDB remote seamd dials ("tcp:IP:PORT"
 * or "ssl:IP:PORT"; null when the VTEP connects in), 'tunnel_ip', 'role'
 * tor | hypervisor, 'host' (a hypervisor VTEP: the binding:host_id it
 * serves).  connection_state, in_sync and status_detail are the
 * reconciler's.  A host link says which VTEP port a host's NIC on a
 * physical network is cabled to. */
#include "controller/api-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "controller/ipam.h"

/* Returns a new JSON string of 's', or JSON null if 's' is NULL or empty. */
static json_t *
opt(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *
vtep_render(struct api_ctx *ctx, const struct ovsdb_row *row)
{
    const char *state = api_str(row, "connection_state");
    return json_pack("{s:o,s:s,s:s,s:o,s:o,s:s,s:o,s:s,s:b,s:s}",
                     "id", api_id_json(row),
                     "name", api_str(row, "name"),
                     "description", api_str(row, "description"),
                     "target", opt(api_opt_str(row, "target")),
                     "tunnel_ip", opt(api_opt_str(row, "tunnel_ip")),
                     "role", api_str(row, "role"),
                     "host", opt(api_opt_str(row, "host")),
                     "connection_state", *state ? state : "unknown",
                     "in_sync", api_bool(row, "in_sync"),
                     "status_detail", api_str(row, "status_detail"));
}

/* "tcp:IP:PORT" / "ssl:IP:PORT" (IPv6 in brackets). */
static bool
valid_target(const char *t)
{
    if (strncmp(t, "tcp:", 4) && strncmp(t, "ssl:", 4)) {
        return false;
    }
    const char *hostport = t + 4;
    const char *colon = strrchr(hostport, ':');
    if (!colon || !colon[1]) {
        return false;
    }
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 1 || port > 65535) {
        return false;
    }
    char host[64];
    size_t n = colon - hostport;
    if (n >= sizeof host || n < 1) {
        return false;
    }
    memcpy(host, hostport, n);
    host[n] = '\0';
    if (host[0] == '[' && host[n - 1] == ']') {
        host[n - 1] = '\0';
        memmove(host, host + 1, n - 1);
    }
    struct ipam_addr a;
    return ipam_addr_parse(host, &a);
}

/* Checks the writable attributes of a VTEP into 'row'. */
static bool
vtep_fill(struct api_ctx *ctx, const json_t *attrs, json_t *row)
{
    const json_t *v;
    if ((v = json_object_get(attrs, "target"))) {
        if (json_is_string(v) && *json_string_value(v)
            && !valid_target(json_string_value(v))) {
            return api_bad_attr(ctx, "target", "'%s' is not an OVSDB target "
                                "(tcp:IP:PORT or ssl:IP:PORT)", json_string_value(v));
        }
        json_object_set_new(row, "target", json_is_string(v) && *json_string_value(v)
                            ? json_incref((json_t *) v) : api_set_json(json_array()));
    }
    if ((v = json_object_get(attrs, "tunnel_ip"))) {
        struct ipam_addr a;
        if (json_is_string(v) && !ipam_addr_parse(json_string_value(v), &a)) {
            return api_bad_attr(ctx, "tunnel_ip", "'%s' is not a valid IP address",
                                json_string_value(v));
        }
        json_object_set_new(row, "tunnel_ip", json_is_string(v)
                            ? json_incref((json_t *) v) : api_set_json(json_array()));
    }
    if ((v = json_object_get(attrs, "role"))) {
        const char *r = json_string_value(v);
        if (strcmp(r, "tor") && strcmp(r, "hypervisor")) {
            return api_bad_attr(ctx, "role", "%s is not in valid_values", r);
        }
        json_object_set(row, "role", (json_t *) v);
    }
    if ((v = json_object_get(attrs, "host"))) {
        json_object_set_new(row, "host", json_is_string(v) && *json_string_value(v)
                            ? json_incref((json_t *) v) : api_set_json(json_array()));
    }
    if ((v = json_object_get(attrs, "description"))) {
        json_object_set(row, "description", (json_t *) v);
    }
    return true;
}

static const struct ovsdb_row *
find_vtep(struct api_ctx *ctx, const char *name)
{
    const struct ovsdb_row *row;
    API_FOR_EACH_ROW (row, api_table(ctx, "VTEP")) {
        if (!strcmp(api_str(row, "name"), name)) {
            return row;
        }
    }
    return NULL;
}

static bool
vtep_create(struct api_ctx *ctx, json_t *attrs, const struct uuid *id)
{
    const char *name = json_string_value(json_object_get(attrs, "name"));
    if (!*name) {
        return api_bad_attr(ctx, "name", "a VTEP needs a name");
    }
    if (find_vtep(ctx, name)) {
        return api_error(ctx, 409, "VTEPExists", "A VTEP named %s exists.", name);
    }
    json_t *row = json_pack("{s:s,s:s,s:s,s:b}", "name", name, "role", "tor",
                            "connection_state", "unknown", "in_sync", false);
    if (!vtep_fill(ctx, attrs, row)) {
        json_decref(row);
        return false;
    }
    api_op_insert(ctx, "VTEP", id, row);
    return true;
}

static bool
vtep_update(struct api_ctx *ctx, const struct ovsdb_row *row, json_t *attrs)
{
    json_t *u = json_object();
    if (!vtep_fill(ctx, attrs, u)) {
        json_decref(u);
        return false;
    }
    api_op_update(ctx, "VTEP", ovsdb_row_get_uuid(row), u);
    return true;
}

static bool
vtep_remove(struct api_ctx *ctx, const struct ovsdb_row *row)
{
    api_op_delete(ctx, "VTEP", ovsdb_row_get_uuid(row));
    return true;
}

static const struct api_attr vtep_attrs[] = {
    { "id", 0, API_T_UUID },
    { "name", API_POST | API_REQUIRED, API_T_STRING },
    { "description", API_POST | API_PUT, API_T_STRING },
    { "target", API_POST | API_PUT, API_T_STRING_NULL },
    { "tunnel_ip", API_POST | API_PUT, API_T_STRING_NULL },
    { "role", API_POST | API_PUT, API_T_STRING },
    { "host", API_POST | API_PUT, API_T_STRING_NULL },
    { "connection_state", 0, API_T_ANY },
    { "in_sync", 0, API_T_ANY },
    { "status_detail", 0, API_T_ANY },
    { NULL, 0, 0 },
};

const struct api_resource api_vtep_resource = {
    .collection = "seam/vteps", .member = "vtep", .plural_key = "vteps",
    .table = "VTEP", .not_found = "VTEPNotFound", .noun = "VTEP",
    .attrs = vtep_attrs, .render = vtep_render, .create = vtep_create,
    .update = vtep_update, .remove = vtep_remove,
};

/* Host links. */

static json_t *
link_render(struct api_ctx *ctx, const struct ovsdb_row *row)
{
    return json_pack("{s:o,s:s,s:s,s:s,s:s,s:s}", "id", api_id_json(row),
                     "host", api_str(row, "host"),
                     "physical_network", api_str(row, "physical_network"),
                     "vtep", api_str(row, "vtep"), "port", api_str(row, "port"),
                     "source", api_str(row, "source"));
}

static bool
link_check_refs(struct api_ctx *ctx, const json_t *attrs)
{
    const char *vtep = json_string_value(json_object_get(attrs, "vtep"));
    if (vtep && !find_vtep(ctx, vtep)) {
        return api_error(ctx, 404, "VTEPNotFound", "VTEP %s could not be found.", vtep);
    }
    const char *source = json_string_value(json_object_get(attrs, "source"));
    if (source && strcmp(source, "static") && strcmp(source, "lldp")) {
        return api_bad_attr(ctx, "source", "%s is not in valid_values", source);
    }
    return true;
}

static bool
link_create(struct api_ctx *ctx, json_t *attrs, const struct uuid *id)
{
    if (!link_check_refs(ctx, attrs)) {
        return false;
    }
    const char *host = json_string_value(json_object_get(attrs, "host"));
    const char *physnet = json_string_value(json_object_get(attrs, "physical_network"));
    const char *source = json_string_value(json_object_get(attrs, "source"));
    source = source ? source : "static";
    const struct ovsdb_row *row;
    API_FOR_EACH_ROW (row, api_table(ctx, "Host_Link")) {
        if (!strcmp(api_str(row, "host"), host)
            && !strcmp(api_str(row, "physical_network"), physnet)
            && !strcmp(api_str(row, "source"), source)) {
            return api_error(ctx, 409, "HostLinkExists", "A %s host link of host %s on "
                             "physical network %s exists.", source, host, physnet);
        }
    }
    json_t *r = json_pack("{s:s,s:s,s:s,s:s,s:s}", "host", host,
                          "physical_network", physnet,
                          "vtep", json_string_value(json_object_get(attrs, "vtep")),
                          "port", json_string_value(json_object_get(attrs, "port")),
                          "source", source);
    api_op_insert(ctx, "Host_Link", id, r);
    return true;
}

static bool
link_update(struct api_ctx *ctx, const struct ovsdb_row *row, json_t *attrs)
{
    if (!link_check_refs(ctx, attrs)) {
        return false;
    }
    json_t *u = json_object();
    const char *cols[] = { "vtep", "port" };
    for (size_t i = 0; i < ARRAY_SIZE(cols); i++) {
        json_t *v = json_object_get(attrs, cols[i]);
        if (v) {
            json_object_set(u, cols[i], v);
        }
    }
    api_op_update(ctx, "Host_Link", ovsdb_row_get_uuid(row), u);
    return true;
}

static bool
link_remove(struct api_ctx *ctx, const struct ovsdb_row *row)
{
    api_op_delete(ctx, "Host_Link", ovsdb_row_get_uuid(row));
    return true;
}

static const struct api_attr link_attrs[] = {
    { "id", 0, API_T_UUID },
    { "host", API_POST | API_REQUIRED, API_T_STRING },
    { "physical_network", API_POST | API_REQUIRED, API_T_STRING },
    { "vtep", API_POST | API_PUT | API_REQUIRED, API_T_STRING },
    { "port", API_POST | API_PUT | API_REQUIRED, API_T_STRING },
    { "source", API_POST, API_T_STRING },
    { NULL, 0, 0 },
};

const struct api_resource api_host_link_resource = {
    .collection = "seam/host-links", .member = "host_link", .plural_key = "host_links",
    .table = "Host_Link", .not_found = "HostLinkNotFound", .noun = "Host link",
    .attrs = link_attrs, .render = link_render, .create = link_create,
    .update = link_update, .remove = link_remove,
};

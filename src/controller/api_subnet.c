/* api_subnet: /v2.0/subnets (IPv4 and IPv6 cidr, gateway_ip,
 * allocation_pools, enable_dhcp, dns_nameservers), and the IP address
 * allocation that ports use (lowest free address of the pools, where
 * Neutron picks a random one).
 *
 * NB: a Subnet row; allocation_pools is a map start -> end; ports hold
 * their addresses in Port.fixed_ips (ip -> Subnet). */
#include "controller/api-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "controller/ipam.h"
#include "ovsdb/datum.h"

static int
compare_u128(const void *a_, const void *b_)
{
    ipam_u128 a = *(const ipam_u128 *) a_, b = *(const ipam_u128 *) b_;
    return a < b ? -1 : a > b;
}

bool
api_ip_in_use(struct api_ctx *ctx, const struct uuid *subnet, const char *ip)
{
    const struct ovsdb_row *row;
    API_FOR_EACH_ROW (row, api_table(ctx, "Port")) {
        const struct ovsdb_datum *d = api_datum(row, "fixed_ips");
        for (unsigned int i = 0; d && i < d->n; i++) {
            if (uuid_equals(&d->values[i].uuid, subnet) && !strcmp(d->keys[i].string, ip)) {
                return true;
            }
        }
    }
    return false;
}

/* The pools of subnet 'row' sorted by start; a new array (free()). */
static struct ipam_addr *
subnet_pools(const struct ovsdb_row *row, size_t *n)
{
    const struct ovsdb_datum *d = api_datum(row, "allocation_pools");
    struct ipam_addr *pools = xcalloc(d && d->n ? d->n * 2 : 1, sizeof *pools);
    *n = 0;
    for (unsigned int i = 0; d && i < d->n; i++) {
        struct ipam_addr s, e;
        if (ipam_addr_parse(d->keys[i].string, &s)
            && ipam_addr_parse(d->values[i].string, &e)) {
            size_t k = (*n)++;
            while (k > 0 && ipam_addr_compare(&pools[2 * (k - 1)], &s) > 0) {
                pools[2 * k] = pools[2 * (k - 1)];
                pools[2 * k + 1] = pools[2 * (k - 1) + 1];
                k--;
            }
            pools[2 * k] = s;
            pools[2 * k + 1] = e;
        }
    }
    return pools;
}

/* Allocates the lowest free address of the pools of 'subnet' that neither a
 * port nor 'taken' (strings) holds; writes it to 'out'. */
bool
api_subnet_alloc_ip(struct api_ctx *ctx, const struct ovsdb_row *subnet,
                    const json_t *taken, char out[64])
{
    const struct uuid *sid = ovsdb_row_get_uuid(subnet);
    ipam_u128 *used = NULL;
    size_t n = 0, allocated = 0;
    const struct ovsdb_row *row;
    struct ipam_addr a;

    API_FOR_EACH_ROW (row, api_table(ctx, "Port")) {
        const struct ovsdb_datum *d = api_datum(row, "fixed_ips");
        for (unsigned int i = 0; d && i < d->n; i++) {
            if (uuid_equals(&d->values[i].uuid, sid)
                && ipam_addr_parse(d->keys[i].string, &a)) {
                used = xgrow(used, &allocated, n + 1, sizeof *used);
                used[n++] = a.value;
            }
        }
    }
    size_t i;
    json_t *t;
    json_array_foreach (taken, i, t) {
        if (ipam_addr_parse(json_string_value(t), &a)) {
            used = xgrow(used, &allocated, n + 1, sizeof *used);
            used[n++] = a.value;
        }
    }
    const char *gw = api_opt_str(subnet, "gateway_ip");
    if (gw && ipam_addr_parse(gw, &a)) {
        used = xgrow(used, &allocated, n + 1, sizeof *used);
        used[n++] = a.value;
    }
    if (n) {
        qsort(used, n, sizeof *used, compare_u128);
    }
    size_t n_pools;
    struct ipam_addr *pools = subnet_pools(subnet, &n_pools);
    bool found = false;
    for (size_t p = 0; p < n_pools && !found; p++) {
        struct ipam_addr cand = pools[2 * p];
        for (size_t k = 0; k < n && cand.value <= pools[2 * p + 1].value; k++) {
            if (used[k] == cand.value) {
                cand.value++;
            } else if (used[k] > cand.value) {
                break;
            }
        }
        if (cand.value <= pools[2 * p + 1].value) {
            ipam_addr_format(&cand, out);
            found = true;
        }
    }
    free(pools);
    free(used);
    return found;
}

static json_t *
subnet_render(struct api_ctx *ctx, const struct ovsdb_row *row)
{
    char net[UUID_LEN + 1] = "";
    const struct uuid *n = api_ref(row, "network");
    if (n) {
        uuid_to_string(n, net);
    }
    size_t n_pools;
    struct ipam_addr *pools = subnet_pools(row, &n_pools);
    json_t *jpools = json_array();
    for (size_t i = 0; i < n_pools; i++) {
        char s[64], e[64];
        ipam_addr_format(&pools[2 * i], s);
        ipam_addr_format(&pools[2 * i + 1], e);
        json_array_append_new(jpools, json_pack("{s:s,s:s}", "start", s, "end", e));
    }
    free(pools);
    json_t *dns = json_array();
    const struct ovsdb_datum *d = api_datum(row, "dns_nameservers");
    for (unsigned int i = 0; d && i < d->n; i++) {
        json_array_append_new(dns, json_string(d->keys[i].string));
    }
    const char *gw = api_opt_str(row, "gateway_ip");
    const char *project = api_str(row, "project_id");
    const char *ra = api_map_get(row, "external_ids", "ipv6_ra_mode");
    const char *am = api_map_get(row, "external_ids", "ipv6_address_mode");
    json_t *obj = json_pack("{s:o,s:s,s:s,s:s,s:I,s:n,s:b,s:o,s:o,s:o,s:s,s:o}",
                            "id", api_id_json(row),
                            "name", api_str(row, "name"),
                            "tenant_id", project,
                            "network_id", net,
                            "ip_version", (json_int_t) api_int(row, "ip_version"),
                            "subnetpool_id",
                            "enable_dhcp", api_bool(row, "enable_dhcp"),
                            "ipv6_ra_mode", ra ? json_string(ra) : json_null(),
                            "ipv6_address_mode", am ? json_string(am) : json_null(),
                            "gateway_ip", gw ? json_string(gw) : json_null(),
                            "cidr", api_str(row, "cidr"),
                            "allocation_pools", jpools);
    json_t *rest = json_pack("{s:[],s:o,s:s,s:[],s:n,s:[],s:s,s:s,s:I,s:s}",
                             "host_routes", "dns_nameservers", dns,
                             "description", api_str(row, "description"),
                             "service_types", "segment_id", "tags",
                             "created_at", api_str(row, "created_at"),
                             "updated_at", api_str(row, "updated_at"),
                             "revision_number",
                             (json_int_t) api_int(row, "revision_number"),
                             "project_id", project);
    json_object_update(obj, rest);
    json_decref(rest);
    return obj;
}

static bool
parse_ip(struct api_ctx *ctx, const char *attr, const json_t *v, struct ipam_addr *a)
{
    if (!json_is_string(v) || !ipam_addr_parse(json_string_value(v), a)) {
        char *s = api_pystr(v);
        api_bad_attr(ctx, attr, "'%s' is not a valid IP address", s);
        free(s);
        return false;
    }
    return true;
}

/* Checks 'dns' (a list of addresses); returns a new OVSDB set. */
static json_t *
parse_dns(struct api_ctx *ctx, const json_t *dns)
{
    json_t *set = json_array();
    size_t i;
    json_t *v;
    struct ipam_addr a;
    json_array_foreach (dns, i, v) {
        if (!parse_ip(ctx, "dns_nameservers", v, &a)) {
            json_decref(set);
            return NULL;
        }
        json_array_append(set, v);
    }
    return api_set_json(set);
}

/* Checks the pools given (or makes the default ones) against 'prefix' and
 * 'gw'; returns a new OVSDB map start -> end, or NULL after an error. */
static json_t *
make_pools(struct api_ctx *ctx, const json_t *given, const struct ipam_prefix *prefix,
           const struct ipam_addr *gw, const char *cidr)
{
    json_t *pairs = json_array();
    char s[64], e[64];
    if (!given || json_is_null(given)) {
        struct ipam_addr start, end;
        ipam_default_pool(prefix, &start, &end);
        if (gw && ipam_addr_compare(gw, &start) >= 0 && ipam_addr_compare(gw, &end) <= 0) {
            struct ipam_addr before = *gw, after = *gw;
            before.value--;
            after.value++;
            if (ipam_addr_compare(&start, &before) <= 0 && gw->value > start.value) {
                ipam_addr_format(&start, s);
                ipam_addr_format(&before, e);
                json_array_append_new(pairs, json_pack("[s s]", s, e));
            }
            if (gw->value < end.value) {
                ipam_addr_format(&after, s);
                ipam_addr_format(&end, e);
                json_array_append_new(pairs, json_pack("[s s]", s, e));
            }
        } else if (start.value <= end.value) {
            ipam_addr_format(&start, s);
            ipam_addr_format(&end, e);
            json_array_append_new(pairs, json_pack("[s s]", s, e));
        }
        return api_map_json(pairs);
    }
    size_t i;
    json_t *pool;
    json_array_foreach (given, i, pool) {
        const json_t *js = json_object_get(pool, "start");
        const json_t *je = json_object_get(pool, "end");
        struct ipam_addr start, end;
        if (!json_is_object(pool) || json_object_size(pool) != 2 || !js || !je) {
            char *p = api_pystr(pool);
            api_bad_attr(ctx, "allocation_pools", "Invalid data format for IP pool: "
                         "'%s'", p);
            free(p);
            goto error;
        }
        if (!parse_ip(ctx, "allocation_pools", js, &start)
            || !parse_ip(ctx, "allocation_pools", je, &end)) {
            goto error;
        }
        ipam_addr_format(&start, s);
        ipam_addr_format(&end, e);
        if (!ipam_prefix_contains(prefix, &start) || !ipam_prefix_contains(prefix, &end)) {
            api_error(ctx, 400, "OutOfBoundsAllocationPool", "The allocation pool "
                      "%s-%s spans beyond the subnet cidr %s.", s, e, cidr);
            goto error;
        }
        if (ipam_addr_compare(&start, &end) > 0) {
            api_error(ctx, 400, "InvalidAllocationPool", "The allocation pool %s-%s "
                      "is not valid.", s, e);
            goto error;
        }
        if (gw && ipam_addr_compare(gw, &start) >= 0 && ipam_addr_compare(gw, &end) <= 0) {
            char g[64];
            ipam_addr_format(gw, g);
            api_error(ctx, 409, "GatewayConflictWithAllocationPools", "Gateway ip %s "
                      "conflicts with allocation pool %s-%s.", g, s, e);
            goto error;
        }
        json_array_append_new(pairs, json_pack("[s s]", s, e));
    }
    return api_map_json(pairs);

error:
    json_decref(pairs);
    return NULL;
}

/* Checks ip_version and cidr of a new subnet's 'attrs': the prefix in
 * '*prefix' (host bits cleared) and its text in 'cidr'.  False after an
 * error (in 'ctx'). */
static bool
parse_version_cidr(struct api_ctx *ctx, const json_t *attrs, long long *version,
                   struct ipam_prefix *prefix, char cidr[80])
{
    if (!api_to_int(ctx, "ip_version", json_object_get(attrs, "ip_version"), version)) {
        return false;
    }
    if (*version != 4 && *version != 6) {
        char *s = api_pystr(json_object_get(attrs, "ip_version"));
        api_bad_attr(ctx, "ip_version", "'%s' is not in [4, 6]", s);
        free(s);
        return false;
    }
    const json_t *jcidr = json_object_get(attrs, "cidr");
    if (!jcidr || json_is_null(jcidr)) {
        return api_error(ctx, 400, "BadRequest", "Bad subnets request: a subnetpool "
                         "must be specified in the absence of a cidr.");
    }
    const char *cidr_in = json_string_value(jcidr);
    if (!cidr_in || !ipam_prefix_parse(cidr_in, prefix)) {
        char *s = api_pystr(jcidr);
        api_invalid(ctx, "%s is not in a CIDR format", s);
        free(s);
        return false;
    }
    ipam_prefix_format(prefix, cidr);
    if (prefix->addr.version != *version) {
        return api_invalid(ctx, "cidr '%s' does not match the ip_version '%lld'",
                           cidr, *version);
    }
    return true;
}

/* Whether 'prefix' overlaps a subnet of network 'net'; if so, sets Neutron's
 * error in 'ctx'. */
static bool
overlaps_subnet(struct api_ctx *ctx, const struct ovsdb_row *net,
                const struct ipam_prefix *prefix, const char *cidr, const char *net_id)
{
    const struct ovsdb_row *row;
    API_FOR_EACH_ROW (row, api_table(ctx, "Subnet")) {
        struct ipam_prefix other;
        if (api_refers(row, "network", ovsdb_row_get_uuid(net))
            && ipam_prefix_parse(api_str(row, "cidr"), &other)
            && ipam_prefix_overlaps(prefix, &other)) {
            api_invalid(ctx, "Requested subnet with cidr: %s for network: %s "
                        "overlaps with another subnet", cidr, net_id);
            return true;
        }
    }
    return false;
}

/* Checks ipv6_ra_mode and ipv6_address_mode of 'attrs'.  Returns a new
 * array of [mode, value] pairs for Subnet.external_ids, or NULL after an
 * error (in 'ctx'). */
static json_t *
parse_ipv6_modes(struct api_ctx *ctx, const json_t *attrs, long long version)
{
    json_t *ext = json_array();
    const char *modes[] = { "ipv6_ra_mode", "ipv6_address_mode" };
    for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
        const char *m = json_string_value(json_object_get(attrs, modes[i]));
        if (!m) {
            continue;
        }
        if (strcmp(m, "slaac") && strcmp(m, "dhcpv6-stateful")
            && strcmp(m, "dhcpv6-stateless")) {
            json_decref(ext);
            api_bad_attr(ctx, modes[i], "'%s' is not in ['dhcpv6-stateful', "
                         "'dhcpv6-stateless', 'slaac', None]", m);
            return NULL;
        }
        if (version != 6) {
            json_decref(ext);
            api_invalid(ctx, "%s is not valid when ip_version is 4", modes[i]);
            return NULL;
        }
        json_array_append_new(ext, json_pack("[s s]", modes[i], m));
    }
    return ext;
}

static bool
subnet_create(struct api_ctx *ctx, json_t *attrs, const struct uuid *id)
{
    const char *net_id = json_string_value(json_object_get(attrs, "network_id"));
    long long version;
    struct ipam_prefix prefix;
    char cidr[80];
    if (!parse_version_cidr(ctx, attrs, &version, &prefix, cidr)) {
        return false;
    }
    const json_t *nulls[] = { json_object_get(attrs, "subnetpool_id"),
                              json_object_get(attrs, "segment_id") };
    for (size_t i = 0; i < ARRAY_SIZE(nulls); i++) {
        if (nulls[i] && !json_is_null(nulls[i])) {
            return api_invalid(ctx, "seam has no subnet pools and no routed "
                               "segments: subnetpool_id and segment_id must be null");
        }
    }
    const struct ovsdb_row *net = api_find_row(ctx, "Network", net_id);
    if (!net) {
        return api_not_found(ctx, &api_network_resource, net_id);
    }
    if (overlaps_subnet(ctx, net, &prefix, cidr, net_id)) {
        return false;
    }
    struct ipam_addr gw = ipam_default_gateway(&prefix);
    bool has_gw = true;
    const json_t *jgw = json_object_get(attrs, "gateway_ip");
    if (jgw && json_is_null(jgw)) {
        has_gw = false;
    } else if (jgw) {
        if (!parse_ip(ctx, "gateway_ip", jgw, &gw)) {
            return false;
        }
        if (gw.version != version) {
            return api_invalid(ctx, "gateway_ip is not of IP version %lld", version);
        }
    }
    json_t *pools = make_pools(ctx, json_object_get(attrs, "allocation_pools"), &prefix,
                               has_gw ? &gw : NULL, cidr);
    if (!pools) {
        return false;
    }
    const json_t *jdns = json_object_get(attrs, "dns_nameservers");
    json_t *dns = jdns ? parse_dns(ctx, jdns) : api_set_json(json_array());
    if (!dns) {
        json_decref(pools);
        return false;
    }
    json_t *ext = parse_ipv6_modes(ctx, attrs, version);
    if (!ext) {
        json_decref(pools);
        json_decref(dns);
        return false;
    }
    char g[64];
    ipam_addr_format(&gw, g);
    const json_t *dhcp = json_object_get(attrs, "enable_dhcp");
    const char *name = json_string_value(json_object_get(attrs, "name"));
    const char *descr = json_string_value(json_object_get(attrs, "description"));
    json_t *srow = json_pack("{s:o,s:s,s:s,s:s,s:I,s:s,s:o,s:o,s:b,s:o,s:i}",
                             "network", api_uuid_json(ovsdb_row_get_uuid(net)),
                             "name", name ? name : "",
                             "description", descr ? descr : "",
                             "project_id", ctx->project_id,
                             "ip_version", (json_int_t) version,
                             "cidr", cidr,
                             "gateway_ip", has_gw ? json_string(g)
                                                  : api_set_json(json_array()),
                             "allocation_pools", pools,
                             "enable_dhcp", !dhcp || json_is_true(dhcp),
                             "dns_nameservers", dns,
                             "revision_number", 0);
    json_object_set_new(srow, "external_ids", api_map_json(ext));
    api_ts_now(srow, ctx, true);
    api_op_insert(ctx, "Subnet", id, srow);
    return true;
}

static bool
subnet_update(struct api_ctx *ctx, const struct ovsdb_row *row, json_t *attrs)
{
    json_t *u = json_object();
    const char *strs[] = { "name", "description" };
    for (size_t i = 0; i < ARRAY_SIZE(strs); i++) {
        json_t *v = json_object_get(attrs, strs[i]);
        if (v) {
            json_object_set(u, strs[i], v);
        }
    }
    json_t *dhcp = json_object_get(attrs, "enable_dhcp");
    if (dhcp) {
        json_object_set(u, "enable_dhcp", dhcp);
    }
    json_t *jgw = json_object_get(attrs, "gateway_ip");
    if (jgw) {
        struct ipam_addr gw;
        if (json_is_null(jgw)) {
            json_object_set_new(u, "gateway_ip", api_set_json(json_array()));
        } else if (!parse_ip(ctx, "gateway_ip", jgw, &gw)) {
            json_decref(u);
            return false;
        } else {
            char g[64];
            ipam_addr_format(&gw, g);
            json_object_set_new(u, "gateway_ip", json_string(g));
        }
    }
    json_t *jdns = json_object_get(attrs, "dns_nameservers");
    if (jdns) {
        json_t *dns = parse_dns(ctx, jdns);
        if (!dns) {
            json_decref(u);
            return false;
        }
        json_object_set_new(u, "dns_nameservers", dns);
    }
    json_t *jpools = json_object_get(attrs, "allocation_pools");
    if (jpools) {
        struct ipam_prefix prefix;
        if (!ipam_prefix_parse(api_str(row, "cidr"), &prefix)) {
            json_decref(u);
            return api_invalid(ctx, "the subnet's cidr is corrupt");
        }
        json_t *pools = make_pools(ctx, jpools, &prefix, NULL, api_str(row, "cidr"));
        if (!pools) {
            json_decref(u);
            return false;
        }
        json_object_set_new(u, "allocation_pools", pools);
    }
    api_op_revise(ctx, "Subnet", row, u);
    return true;
}

static bool
subnet_remove(struct api_ctx *ctx, const struct ovsdb_row *row)
{
    const struct uuid *id = ovsdb_row_get_uuid(row);
    const struct ovsdb_row *port;
    char s[UUID_LEN + 1];
    API_FOR_EACH_ROW (port, api_table(ctx, "Port")) {
        const struct ovsdb_datum *d = api_datum(port, "fixed_ips");
        for (unsigned int i = 0; d && i < d->n; i++) {
            if (!uuid_equals(&d->values[i].uuid, id)) {
                continue;
            }
            if (strncmp(api_str(port, "device_owner"), "network:", 8)) {
                api_uuid_str(row, s);
                return api_error(ctx, 409, "SubnetInUse", "Unable to complete "
                                 "operation on subnet %s: One or more ports have an "
                                 "IP allocation from this subnet.", s);
            }
            json_array_append_new(ctx->ops, json_pack(
                "{s:s,s:s,s:o,s:[[s,s,o]]}", "op", "mutate", "table", "Port",
                "where", api_where_uuid(ovsdb_row_get_uuid(port)),
                "mutations", "fixed_ips", "delete",
                api_set_json(json_pack("[s]", d->keys[i].string))));
        }
    }
    api_op_delete(ctx, "Subnet", id);
    return true;
}

static const struct api_attr subnet_attrs[] = {
    { "id", 0, API_T_UUID },
    { "name", API_POST | API_PUT, API_T_STRING },
    { "tenant_id", API_POST, API_T_STRING },
    { "project_id", API_POST, API_T_STRING },
    { "network_id", API_POST | API_REQUIRED, API_T_UUID },
    { "ip_version", API_POST | API_REQUIRED, API_T_ANY },
    { "subnetpool_id", API_POST, API_T_ANY },
    { "enable_dhcp", API_POST | API_PUT, API_T_BOOL },
    { "ipv6_ra_mode", API_POST, API_T_STRING_NULL },
    { "ipv6_address_mode", API_POST, API_T_STRING_NULL },
    { "gateway_ip", API_POST | API_PUT, API_T_STRING_NULL },
    { "cidr", API_POST, API_T_STRING_NULL },
    { "allocation_pools", API_POST | API_PUT, API_T_LIST },
    { "host_routes", 0, API_T_ANY },
    { "dns_nameservers", API_POST | API_PUT, API_T_LIST },
    { "description", API_POST | API_PUT, API_T_STRING },
    { "service_types", 0, API_T_ANY },
    { "segment_id", API_POST, API_T_ANY },
    API_STANDARD_ATTRS,
    { NULL, 0, 0 },
};

const struct api_resource api_subnet_resource = {
    .collection = "subnets", .member = "subnet", .plural_key = "subnets",
    .table = "Subnet", .not_found = "SubnetNotFound", .noun = "Subnet",
    .attrs = subnet_attrs, .render = subnet_render, .create = subnet_create,
    .update = subnet_update, .remove = subnet_remove,
};

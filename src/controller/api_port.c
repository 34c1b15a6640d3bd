/* api_port: /v2.0/ports with the binding extension: MAC allocation from
 * base_mac (unique per network), fixed_ips (addresses allocated from the
 * network's subnets or checked), device_owner, binding:host_id,
 * binding:vnic_type, binding:profile (physical_network,
 * local_link_information as Ironic sends it), binding:vif_type and
 * vif_details as seam binds them, and status (written by the reconciler:
 * DOWN until the port is applied on every VTEP it touches).
 *
 * NB: a Port row; fixed_ips is a map ip -> Subnet; binding_profile is the
 * JSON text of binding:profile. */
#include "controller/api-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "controller/ipam.h"
#include "ovsdb/datum.h"

static const char *const vnic_types[] = {
    "normal", "direct", "direct-physical", "macvtap", "baremetal",
    "virtio-forwarder", "smart-nic",
};

static bool
is_sriov(const char *vnic)
{
    return !strcmp(vnic, "direct") || !strcmp(vnic, "macvtap")
        || !strcmp(vnic, "direct-physical");
}

/* The VLAN an SR-IOV port's VF is tagged with: the segment of its network
 * on the profile's physical_network (or its only VLAN segment); -1 if
 * none. */
static long long
port_vlan(struct api_ctx *ctx, const struct ovsdb_row *port, const json_t *profile)
{
    const char *physnet = json_string_value(json_object_get(profile, "physical_network"));
    const struct uuid *net = api_ref(port, "network");
    const struct ovsdb_row *seg;
    long long vlan = -1;
    API_FOR_EACH_ROW (seg, api_table(ctx, "Segment")) {
        const char *p = api_opt_str(seg, "physical_network");
        if (net && api_refers(seg, "network", net)
            && !strcmp(api_str(seg, "network_type"), "vlan")
            && (!physnet || (p && !strcmp(p, physnet)))) {
            vlan = api_int(seg, "segmentation_id");
        }
    }
    return vlan;
}

static json_t *
port_render(struct api_ctx *ctx, const struct ovsdb_row *row)
{
    char net[UUID_LEN + 1] = "";
    const struct uuid *n = api_ref(row, "network");
    if (n) {
        uuid_to_string(n, net);
    }
    json_t *ips = json_array();
    const struct ovsdb_datum *d = api_datum(row, "fixed_ips");
    for (unsigned int i = 0; d && i < d->n; i++) {
        char s[UUID_LEN + 1];
        uuid_to_string(&d->values[i].uuid, s);
        json_array_append_new(ips, json_pack("{s:s,s:s}", "subnet_id", s,
                                             "ip_address", d->keys[i].string));
    }
    json_t *profile = json_loads(api_str(row, "binding_profile"), 0, NULL);
    if (!json_is_object(profile)) {
        json_decref(profile);
        profile = json_object();
    }
    const char *host = api_str(row, "binding_host_id");
    const char *vnic = api_str(row, "binding_vnic_type");
    const char *vif_type;
    json_t *details;
    if (!*host) {
        vif_type = "unbound";
        details = json_object();
    } else if (is_sriov(vnic)) {
        vif_type = "hw_veb";
        details = json_pack("{s:b}", "port_filter", false);
        long long vlan = port_vlan(ctx, row, profile);
        if (vlan >= 0) {
            json_object_set_new(details, "vlan", json_sprintf("%lld", vlan));
        }
    } else if (!strcmp(vnic, "baremetal")) {
        vif_type = "other";
        details = json_object();
    } else {
        vif_type = "tap";
        details = json_pack("{s:b}", "port_filter", false);
    }
    const char *project = api_str(row, "project_id");
    const char *ps = api_map_get(row, "external_ids", "port_security_enabled");
    json_t *obj = json_pack("{s:o,s:s,s:s,s:s,s:s,s:b,s:s,s:s,s:s,s:o,s:[],s:[],s:[]}",
                            "id", api_id_json(row),
                            "name", api_str(row, "name"),
                            "network_id", net,
                            "tenant_id", project,
                            "mac_address", api_str(row, "mac_address"),
                            "admin_state_up", api_bool(row, "admin_state_up"),
                            "status", api_str(row, "status"),
                            "device_id", api_str(row, "device_id"),
                            "device_owner", api_str(row, "device_owner"),
                            "fixed_ips", ips,
                            "allowed_address_pairs", "extra_dhcp_opts",
                            "security_groups");
    json_t *rest = json_pack("{s:s,s:s,s:o,s:s,s:s,s:o,s:b,s:s,s:[],s:s,s:s,s:I,s:s}",
                             "description", api_str(row, "description"),
                             "binding:vnic_type", vnic,
                             "binding:profile", profile,
                             "binding:host_id", host,
                             "binding:vif_type", vif_type,
                             "binding:vif_details", details,
                             "port_security_enabled", !ps || !strcmp(ps, "true"),
                             "ip_allocation", "immediate",
                             "tags",
                             "created_at", api_str(row, "created_at"),
                             "updated_at", api_str(row, "updated_at"),
                             "revision_number",
                             (json_int_t) api_int(row, "revision_number"),
                             "project_id", project);
    json_object_update(obj, rest);
    json_decref(rest);
    const char *detail = api_str(row, "status_detail");
    if (*detail) {
        json_object_set_new(obj, "seam:status_detail", json_string(detail));
    }
    return obj;
}

static bool
mac_in_use(struct api_ctx *ctx, const struct uuid *net, const char *mac,
           const struct uuid *self)
{
    const struct ovsdb_row *row;
    API_FOR_EACH_ROW (row, api_table(ctx, "Port")) {
        if (api_refers(row, "network", net) && !strcmp(api_str(row, "mac_address"), mac)
            && (!self || !uuid_equals(self, ovsdb_row_get_uuid(row)))) {
            return true;
        }
    }
    return false;
}

/* Checks or allocates the MAC; writes it to 'out'. */
static bool
port_mac(struct api_ctx *ctx, const struct uuid *net, const json_t *jmac,
         const struct uuid *self, char out[18])
{
    uint8_t mac[6];
    char net_s[UUID_LEN + 1];
    uuid_to_string(net, net_s);
    if (jmac && !json_is_null(jmac)) {
        if (!json_is_string(jmac) || !ipam_mac_parse(json_string_value(jmac), mac)
            || mac[0] & 1) {
            char *s = api_pystr(jmac);
            api_bad_attr(ctx, "mac_address", "'%s' is not a valid MAC address", s);
            free(s);
            return false;
        }
        ipam_mac_format(mac, out);
        if (mac_in_use(ctx, net, out, self)) {
            return api_error(ctx, 409, "MacAddressInUse", "Unable to complete operation "
                             "for network %s. The mac address %s is in use.", net_s, out);
        }
        return true;
    }
    for (int tries = 0; tries < 16; tries++) {
        ipam_mac_random(ctx->cfg->base_mac, mac);
        ipam_mac_format(mac, out);
        if (!mac_in_use(ctx, net, out, NULL)) {
            return true;
        }
    }
    return api_error(ctx, 503, "MacAddressGenerationFailure", "Unable to generate "
                     "unique mac on network %s.", net_s);
}

static bool
ip_taken(struct api_ctx *ctx, const struct uuid *subnet, const char *ip,
         const struct uuid *self)
{
    const struct ovsdb_row *row;
    API_FOR_EACH_ROW (row, api_table(ctx, "Port")) {
        if (self && uuid_equals(self, ovsdb_row_get_uuid(row))) {
            continue;
        }
        const struct ovsdb_datum *d = api_datum(row, "fixed_ips");
        for (unsigned int i = 0; d && i < d->n; i++) {
            if (uuid_equals(&d->values[i].uuid, subnet) && !strcmp(d->keys[i].string, ip)) {
                return true;
            }
        }
    }
    return false;
}

/* The network's subnets ordered by creation; a new array (free()). */
static const struct ovsdb_row **
net_subnets(struct api_ctx *ctx, const struct uuid *net, size_t *n)
{
    const struct ovsdb_row **subs = NULL;
    size_t allocated = 0;
    const struct ovsdb_row *row;
    *n = 0;
    API_FOR_EACH_ROW (row, api_table(ctx, "Subnet")) {
        if (api_refers(row, "network", net)) {
            subs = xgrow(subs, &allocated, *n + 1, sizeof *subs);
            size_t i = (*n)++;
            while (i > 0 && strcmp(api_str(subs[i - 1], "created_at"),
                                   api_str(row, "created_at")) > 0) {
                subs[i] = subs[i - 1];
                i--;
            }
            subs[i] = row;
        }
    }
    return subs;
}

/* Builds the fixed_ips map (a new OVSDB map ip -> subnet) from 'given'
 * (NULL: one address from the first IPv4 and the first IPv6 subnet). */
/* Is 'subnet' one whose addresses hosts make themselves from their MAC
 * (IPv6 SLAAC or DHCPv6-stateless)? */
static bool
is_slaac(const struct ovsdb_row *subnet)
{
    const char *mode = api_map_get(subnet, "external_ids", "ipv6_address_mode");
    return mode && (!strcmp(mode, "slaac") || !strcmp(mode, "dhcpv6-stateless"));
}

/* The EUI-64 address of 'mac' in the /64 of 'subnet', into 'out'. */
static bool
eui64(const struct ovsdb_row *subnet, const char *mac_s, char out[64])
{
    struct ipam_prefix p;
    uint8_t mac[6];
    if (!ipam_prefix_parse(api_str(subnet, "cidr"), &p) || p.addr.version != 6
        || p.plen > 64 || !ipam_mac_parse(mac_s, mac)) {
        return false;
    }
    const uint8_t iid[8] = { mac[0] ^ 2, mac[1], mac[2], 0xff, 0xfe, mac[3], mac[4],
                             mac[5] };
    struct ipam_addr a = p.addr;
    for (int i = 0; i < 8; i++) {
        a.value |= (ipam_u128) iid[i] << (8 * (7 - i));
    }
    ipam_addr_format(&a, out);
    return true;
}

/* Appends the address 'ip' on subnet 'sub' to 'taken' (strings) and
 * 'pairs' (OVSDB map pairs). */
static void
add_fixed_ip(json_t *taken, json_t *pairs, const char *ip, const struct ovsdb_row *sub)
{
    json_array_append_new(taken, json_string(ip));
    json_array_append_new(pairs, json_pack("[s o]", ip,
                                           api_uuid_json(ovsdb_row_get_uuid(sub))));
}

/* Neutron's choice when a port is created without fixed_ips: an address of
 * the first IPv4 subnet of 'subs', of the first stateful IPv6 one, and of
 * every SLAAC one (from 'mac'), appended with add_fixed_ip().  False after
 * an error (in 'ctx'). */
static bool
default_fixed_ips(struct api_ctx *ctx, const struct ovsdb_row **subs, size_t n_subs,
                  const char *mac, const char *net_s, json_t *taken, json_t *pairs)
{
    bool v4 = false, v6 = false;
    char ip[64];
    for (size_t i = 0; i < n_subs; i++) {
        long long version = api_int(subs[i], "ip_version");
        if (version == 6 && is_slaac(subs[i])) {
            if (eui64(subs[i], mac, ip)) {
                add_fixed_ip(taken, pairs, ip, subs[i]);
            }
            continue;
        }
        if ((version == 4 && v4) || (version == 6 && v6)) {
            continue;
        }
        if (!api_subnet_alloc_ip(ctx, subs[i], taken, ip)) {
            api_error(ctx, 409, "IpAddressGenerationFailure", "No more IP "
                      "addresses available on network %s.", net_s);
            return false;
        }
        v4 = v4 || version == 4;
        v6 = v6 || version == 6;
        add_fixed_ip(taken, pairs, ip, subs[i]);
    }
    return true;
}

/* Checks the shape of one fixed_ips 'entry' ({"subnet_id", "ip_address"},
 * at least one) and its subnet_id, which must name a subnet of 'net': that
 * subnet in '*subp' (NULL when the entry has none).  False after an error
 * (in 'ctx'). */
static bool
fixed_ip_subnet(struct api_ctx *ctx, const json_t *entry, const struct uuid *net,
                const char *net_s, const struct ovsdb_row **subp)
{
    const json_t *jsub = json_object_get(entry, "subnet_id");
    const json_t *jip = json_object_get(entry, "ip_address");
    const char *key;
    json_t *v;
    bool bad = !json_is_object(entry) || (!jsub && !jip);
    if (!bad) {
        json_object_foreach ((json_t *) entry, key, v) {
            bad = bad || (strcmp(key, "subnet_id") && strcmp(key, "ip_address"));
        }
    }
    if (bad) {
        char *s = api_pystr(entry);
        api_bad_attr(ctx, "fixed_ips", "Invalid data format for fixed IP: '%s'", s);
        free(s);
        return false;
    }
    *subp = NULL;
    if (!jsub) {
        return true;
    }
    struct uuid su;
    if (!json_is_string(jsub) || !uuid_from_string(&su, json_string_value(jsub))) {
        char *s = api_pystr(jsub);
        api_bad_attr(ctx, "fixed_ips", "'%s' is not a valid UUID", s);
        free(s);
        return false;
    }
    const struct ovsdb_row *sub = api_get_row(ctx, "Subnet", &su);
    if (!sub) {
        api_not_found(ctx, &api_subnet_resource, json_string_value(jsub));
        return false;
    }
    if (!api_refers(sub, "network", net)) {
        api_invalid(ctx, "Failed to create port on network %s, because "
                    "fixed_ips included invalid subnet %s", net_s,
                    json_string_value(jsub));
        return false;
    }
    *subp = sub;
    return true;
}

/* Checks address 'jip' of a fixed_ips entry: on subnet '*subp' if the
 * entry named one, else on the subnet of 'subs' that contains it (stored
 * in '*subp'), and neither in 'taken' nor used by a port other than 'self'.
 * Writes its canonical text into 'ip'.  False after an error (in 'ctx'). */
static bool
fixed_ip_address(struct api_ctx *ctx, const json_t *jip, const struct ovsdb_row **subs,
                 size_t n_subs, const struct uuid *self, const json_t *taken,
                 const struct ovsdb_row **subp, char ip[64])
{
    struct ipam_addr addr;
    if (!json_is_string(jip) || !ipam_addr_parse(json_string_value(jip), &addr)) {
        char *s = api_pystr(jip);
        api_bad_attr(ctx, "fixed_ips", "'%s' is not a valid IP address", s);
        free(s);
        return false;
    }
    ipam_addr_format(&addr, ip);
    struct ipam_prefix prefix;
    const struct ovsdb_row *sub = *subp;
    if (sub) {
        if (!ipam_prefix_parse(api_str(sub, "cidr"), &prefix)
            || !ipam_prefix_contains(&prefix, &addr)) {
            api_invalid(ctx, "IP address %s is not a valid IP for the "
                        "specified subnet", ip);
            return false;
        }
    } else {
        for (size_t k = 0; k < n_subs && !sub; k++) {
            if (ipam_prefix_parse(api_str(subs[k], "cidr"), &prefix)
                && ipam_prefix_contains(&prefix, &addr)) {
                sub = subs[k];
            }
        }
        if (!sub) {
            api_error(ctx, 400, "InvalidIpForNetwork", "IP address %s is not "
                      "a valid IP for any of the subnets on the specified "
                      "network.", ip);
            return false;
        }
    }
    char sub_s[UUID_LEN + 1];
    api_uuid_str(sub, sub_s);
    size_t k;
    json_t *t;
    bool dup = false;
    json_array_foreach (taken, k, t) {
        dup = dup || !strcmp(json_string_value(t), ip);
    }
    if (dup || ip_taken(ctx, ovsdb_row_get_uuid(sub), ip, self)) {
        api_error(ctx, 409, "IpAddressAlreadyAllocated", "IP address %s "
                  "already allocated in subnet %s", ip, sub_s);
        return false;
    }
    *subp = sub;
    return true;
}

/* The fixed IPs of a port on network 'net' with MAC 'mac': those 'given'
 * (Neutron's fixed_ips list: subnet_id and/or ip_address, checked against
 * the network's subnets and the addresses in use by ports other than
 * 'self'), or, without 'given', Neutron's default choice.  Returns a new
 * OVSDB map ip -> Subnet, or NULL after an error (in 'ctx'). */
static json_t *
port_fixed_ips(struct api_ctx *ctx, const struct uuid *net, const json_t *given,
               const struct uuid *self, const char *mac)
{
    json_t *pairs = json_array();
    json_t *taken = json_array();
    char net_s[UUID_LEN + 1], ip[64];
    uuid_to_string(net, net_s);
    size_t n_subs;
    const struct ovsdb_row **subs = net_subnets(ctx, net, &n_subs);

    if (!given || json_is_null(given)) {
        if (!default_fixed_ips(ctx, subs, n_subs, mac, net_s, taken, pairs)) {
            goto error;
        }
        goto done;
    }
    size_t i;
    json_t *entry;
    json_array_foreach (given, i, entry) {
        const struct ovsdb_row *sub;
        if (!fixed_ip_subnet(ctx, entry, net, net_s, &sub)) {
            goto error;
        }
        const json_t *jip = json_object_get(entry, "ip_address");
        if (jip) {
            if (!fixed_ip_address(ctx, jip, subs, n_subs, self, taken, &sub, ip)) {
                goto error;
            }
        } else if (is_slaac(sub) ? !eui64(sub, mac, ip)
                   : !api_subnet_alloc_ip(ctx, sub, taken, ip)) {
            api_error(ctx, 409, "IpAddressGenerationFailure", "No more IP addresses "
                      "available on network %s.", net_s);
            goto error;
        }
        add_fixed_ip(taken, pairs, ip, sub);
    }
done:
    free(subs);
    json_decref(taken);
    return api_map_json(pairs);

error:
    free(subs);
    json_decref(taken);
    json_decref(pairs);
    return NULL;
}

static bool
check_vnic(struct api_ctx *ctx, const json_t *v)
{
    for (size_t i = 0; v && i < ARRAY_SIZE(vnic_types); i++) {
        if (!strcmp(json_string_value(v), vnic_types[i])) {
            return true;
        }
    }
    return !v || api_bad_attr(ctx, "binding:vnic_type", "%s is not in valid_values",
                              json_string_value(v));
}

/* binding:profile as stored: compact JSON text of the object ({} for
 * null). */
static json_t *
profile_text(const json_t *v)
{
    if (!v || json_is_null(v)) {
        return json_string("{}");
    }
    char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    json_t *j = json_string(s);
    free(s);
    return j;
}

static void
copy_strings(json_t *row, const json_t *attrs, const char *const map[][2], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_object_get(attrs, map[i][0]);
        if (v) {
            json_object_set_new(row, map[i][1], json_string(json_is_string(v)
                                                            ? json_string_value(v) : ""));
        }
    }
}

static const char *const port_strings[][2] = {
    { "name", "name" }, { "description", "description" },
    { "device_id", "device_id" }, { "device_owner", "device_owner" },
    { "binding:host_id", "binding_host_id" },
};

static bool
port_create(struct api_ctx *ctx, json_t *attrs, const struct uuid *id)
{
    const char *net_id = json_string_value(json_object_get(attrs, "network_id"));
    const json_t *vnic = json_object_get(attrs, "binding:vnic_type");
    if (!check_vnic(ctx, vnic)) {
        return false;
    }
    const struct ovsdb_row *net = api_find_row(ctx, "Network", net_id);
    if (!net) {
        return api_not_found(ctx, &api_network_resource, net_id);
    }
    const struct uuid *net_uuid = ovsdb_row_get_uuid(net);
    char mac[18];
    if (!port_mac(ctx, net_uuid, json_object_get(attrs, "mac_address"), NULL, mac)) {
        return false;
    }
    json_t *ips = port_fixed_ips(ctx, net_uuid, json_object_get(attrs, "fixed_ips"), NULL,
                                 mac);
    if (!ips) {
        return false;
    }
    const json_t *admin = json_object_get(attrs, "admin_state_up");
    const json_t *ps = json_object_get(attrs, "port_security_enabled");
    json_t *row = json_pack("{s:o,s:s,s:s,s:b,s:s,s:o,s:s,s:o,s:s,s:i,s:o}",
                            "network", api_uuid_json(net_uuid),
                            "project_id", ctx->project_id,
                            "mac_address", mac,
                            "admin_state_up", !admin || json_is_true(admin),
                            "binding_vnic_type", vnic ? json_string_value(vnic) : "normal",
                            "binding_profile",
                            profile_text(json_object_get(attrs, "binding:profile")),
                            "status", "DOWN",
                            "fixed_ips", ips,
                            "status_detail", "",
                            "revision_number", 1,
                            "external_ids", api_map_json(json_pack(
                                "[[s s]]", "port_security_enabled",
                                !ps || json_is_true(ps) ? "true" : "false")));
    copy_strings(row, attrs, port_strings, ARRAY_SIZE(port_strings));
    api_ts_now(row, ctx, true);
    api_op_insert(ctx, "Port", id, row);
    return true;
}

static bool
port_update(struct api_ctx *ctx, const struct ovsdb_row *row, json_t *attrs)
{
    const struct uuid *self = ovsdb_row_get_uuid(row);
    const struct uuid *net = api_ref(row, "network");
    const json_t *vnic = json_object_get(attrs, "binding:vnic_type");
    if (!check_vnic(ctx, vnic) || !net) {
        return false;
    }
    json_t *u = json_object();
    copy_strings(u, attrs, port_strings, ARRAY_SIZE(port_strings));
    if (vnic) {
        json_object_set(u, "binding_vnic_type", (json_t *) vnic);
    }
    if (json_object_get(attrs, "binding:profile")) {
        json_object_set_new(u, "binding_profile",
                            profile_text(json_object_get(attrs, "binding:profile")));
    }
    json_t *admin = json_object_get(attrs, "admin_state_up");
    if (admin) {
        json_object_set(u, "admin_state_up", admin);
    }
    json_t *ps = json_object_get(attrs, "port_security_enabled");
    if (ps) {
        json_object_set_new(u, "external_ids", api_map_json(json_pack(
            "[[s s]]", "port_security_enabled", json_is_true(ps) ? "true" : "false")));
    }
    json_t *jmac = json_object_get(attrs, "mac_address");
    char mac[18];
    snprintf(mac, sizeof mac, "%s", api_str(row, "mac_address"));
    if (jmac) {
        if (json_is_null(jmac) || !port_mac(ctx, net, jmac, self, mac)) {
            if (json_is_null(jmac)) {
                api_bad_attr(ctx, "mac_address", "'None' is not a valid MAC address");
            }
            json_decref(u);
            return false;
        }
        json_object_set_new(u, "mac_address", json_string(mac));
    }
    json_t *jips = json_object_get(attrs, "fixed_ips");
    if (jips) {
        json_t *ips = port_fixed_ips(ctx, net, jips, self, mac);
        if (!ips) {
            json_decref(u);
            return false;
        }
        json_object_set_new(u, "fixed_ips", ips);
    }
    api_op_revise(ctx, "Port", row, u);
    return true;
}

static bool
port_remove(struct api_ctx *ctx, const struct ovsdb_row *row)
{
    api_op_delete(ctx, "Port", ovsdb_row_get_uuid(row));
    return true;
}

static const struct api_attr port_attrs[] = {
    { "id", 0, API_T_UUID },
    { "name", API_POST | API_PUT, API_T_STRING },
    { "network_id", API_POST | API_REQUIRED, API_T_UUID },
    { "tenant_id", API_POST, API_T_STRING },
    { "project_id", API_POST, API_T_STRING },
    { "mac_address", API_POST | API_PUT, API_T_ANY },
    { "admin_state_up", API_POST | API_PUT, API_T_BOOL },
    { "status", 0, API_T_ANY },
    { "device_id", API_POST | API_PUT, API_T_STRING },
    { "device_owner", API_POST | API_PUT, API_T_STRING },
    { "fixed_ips", API_POST | API_PUT, API_T_LIST },
    { "allowed_address_pairs", 0, API_T_ANY },
    { "extra_dhcp_opts", 0, API_T_ANY },
    { "security_groups", API_POST | API_PUT, API_T_LIST },
    { "description", API_POST | API_PUT, API_T_STRING },
    { "binding:vnic_type", API_POST | API_PUT, API_T_STRING },
    { "binding:profile", API_POST | API_PUT, API_T_DICT },
    { "binding:host_id", API_POST | API_PUT, API_T_STRING },
    { "binding:vif_type", 0, API_T_ANY },
    { "binding:vif_details", 0, API_T_ANY },
    { "port_security_enabled", API_POST | API_PUT, API_T_BOOL },
    { "ip_allocation", 0, API_T_ANY },
    API_STANDARD_ATTRS,
    { NULL, 0, 0 },
};

const struct api_resource api_port_resource = {
    .collection = "ports", .member = "port", .plural_key = "ports",
    .table = "Port", .not_found = "PortNotFound", .noun = "Port",
    .attrs = port_attrs, .render = port_render, .create = port_create,
    .update = port_update, .remove = port_remove,
};

/* resource: seamctl's table of resources and its flag parsers (see
 * resource.h).  Attribute names and paths are Neutron v2.0's
 * (neutron-lib api/definitions), networking-l2gw's (l2-gateways,
 * l2-gateway-connections) and seam's own (/v2.0/seam/vteps, host-links). */
#include "cli/resource.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define OPT_ENABLE(WHAT)                                                    \
    { "enable", "admin_state_up", RESOURCE_OPT_TRUE,                        \
      RESOURCE_CREATE | RESOURCE_UPDATE, NULL, "enable " WHAT " (default)", \
      NULL },                                                               \
    { "disable", "admin_state_up", RESOURCE_OPT_FALSE,                      \
      RESOURCE_CREATE | RESOURCE_UPDATE, NULL, "disable " WHAT, NULL }
#define OPT_NAME                                                            \
    { "name", "name", RESOURCE_OPT_STRING, RESOURCE_UPDATE | RESOURCE_LIST, \
      "NAME", "the new name", NULL }
#define OPT_DESCRIPTION                                                     \
    { "description", "description", RESOURCE_OPT_STRING,                    \
      RESOURCE_CREATE | RESOURCE_UPDATE, "TEXT", "description", NULL }
#define OPT_PROPERTY                                                        \
    { "property", NULL, RESOURCE_OPT_PROPERTY,                              \
      RESOURCE_CREATE | RESOURCE_UPDATE, "KEY=VALUE",                       \
      "any other attribute; VALUE is JSON if it parses as JSON, else a "    \
      "string (repeatable)", NULL },                                        \
    { "filter", NULL, RESOURCE_OPT_PROPERTY, RESOURCE_LIST, "KEY=VALUE",    \
      "only those whose attribute KEY is VALUE (repeatable)", NULL }
#define OPT_END { NULL, NULL, 0, 0, NULL, NULL, NULL }

static const struct resource_arg name_arg[] = {
    { "NAME", "name", NULL, true },
    { NULL, NULL, NULL, false },
};

static const struct resource_arg vtep_args[] = {
    { "NAME", "name", NULL, false },
    { NULL, NULL, NULL, false },
};

static const struct resource_arg no_args[] = {
    { NULL, NULL, NULL, false },
};

static const struct resource_arg l2gw_connection_args[] = {
    { "GATEWAY", "l2_gateway_id", "l2gw", false },
    { "NETWORK", "network_id", "network", false },
    { NULL, NULL, NULL, false },
};

static const struct resource_column network_columns[] = {
    { "id", "ID" },
    { "name", "Name" },
    { "provider:network_type", "Type" },
    { "provider:segmentation_id", "Segment" },
    { "seam:vni", "VNI" },
    { "status", "Status" },
    { "subnets", "Subnets" },
    { NULL, NULL },
};

static const struct resource_opt network_opts[] = {
    OPT_NAME,
    OPT_DESCRIPTION,
    { "provider-network-type", "provider:network_type", RESOURCE_OPT_STRING,
      RESOURCE_CREATE | RESOURCE_LIST, "TYPE", "vxlan, vlan or flat", NULL },
    { "provider-physical-network", "provider:physical_network",
      RESOURCE_OPT_STRING, RESOURCE_CREATE | RESOURCE_LIST, "PHYSNET",
      "physical network of a vlan or flat network", NULL },
    { "provider-segment", "provider:segmentation_id", RESOURCE_OPT_INT,
      RESOURCE_CREATE, "ID", "VLAN ID or VNI (default: allocated)", NULL },
    { "segment", "segments", RESOURCE_OPT_SEGMENT, RESOURCE_CREATE, "SEGMENT",
      "one segment of a multi-segment network, as TYPE (vxlan, ID "
      "allocated), TYPE:ID (vxlan:5000), TYPE:PHYSNET:ID (vlan:physnet1:2901), TYPE:PHYSNET "
      "(flat:physnet2) or KEY=VALUE,... with keys network_type, "
      "physical_network and segmentation_id (repeatable; not with "
      "--provider-*)", NULL },
    { "mtu", "mtu", RESOURCE_OPT_INT, RESOURCE_CREATE | RESOURCE_UPDATE,
      "BYTES", "MTU", NULL },
    OPT_ENABLE("the network"),
    { "share", "shared", RESOURCE_OPT_TRUE, RESOURCE_CREATE | RESOURCE_UPDATE,
      NULL, "share the network between projects", NULL },
    { "no-share", "shared", RESOURCE_OPT_FALSE,
      RESOURCE_CREATE | RESOURCE_UPDATE, NULL, "do not share it", NULL },
    OPT_PROPERTY,
    OPT_END,
};

static const struct resource_column subnet_columns[] = {
    { "id", "ID" },
    { "name", "Name" },
    { "network_id", "Network" },
    { "cidr", "Subnet" },
    { NULL, NULL },
};

static const struct resource_opt subnet_opts[] = {
    OPT_NAME,
    OPT_DESCRIPTION,
    { "network", "network_id", RESOURCE_OPT_REF,
      RESOURCE_CREATE | RESOURCE_LIST, "NETWORK",
      "network (name or ID) the subnet belongs to", "network" },
    { "subnet-range", "cidr", RESOURCE_OPT_STRING,
      RESOURCE_CREATE | RESOURCE_LIST, "CIDR",
      "the subnet, e.g. 10.0.0.0/24 or 2001:db8::/64", NULL },
    { "ip-version", "ip_version", RESOURCE_OPT_INT,
      RESOURCE_CREATE | RESOURCE_LIST, "4|6",
      "IP version (default: from --subnet-range)", NULL },
    { "gateway", "gateway_ip", RESOURCE_OPT_STRING_OR_NULL,
      RESOURCE_CREATE | RESOURCE_UPDATE, "IP|none",
      "gateway address (default: the first address), none for none", NULL },
    { "allocation-pool", "allocation_pools", RESOURCE_OPT_POOL,
      RESOURCE_CREATE | RESOURCE_UPDATE, "start=IP,end=IP",
      "addresses ports get from (repeatable)", NULL },
    { "dhcp", "enable_dhcp", RESOURCE_OPT_TRUE,
      RESOURCE_CREATE | RESOURCE_UPDATE, NULL, "enable DHCP (default)", NULL },
    { "no-dhcp", "enable_dhcp", RESOURCE_OPT_FALSE,
      RESOURCE_CREATE | RESOURCE_UPDATE, NULL, "disable DHCP", NULL },
    OPT_PROPERTY,
    OPT_END,
};

static const struct resource_column port_columns[] = {
    { "id", "ID" },
    { "name", "Name" },
    { "mac_address", "MAC Address" },
    { "fixed_ips", "Fixed IP Addresses" },
    { "binding:host_id", "Host" },
    { "binding:vnic_type", "VNIC Type" },
    { "status", "Status" },
    { NULL, NULL },
};

static const struct resource_opt port_opts[] = {
    OPT_NAME,
    OPT_DESCRIPTION,
    { "network", "network_id", RESOURCE_OPT_REF,
      RESOURCE_CREATE | RESOURCE_LIST, "NETWORK",
      "network (name or ID) of the port", "network" },
    { "fixed-ip", "fixed_ips", RESOURCE_OPT_FIXED_IP,
      RESOURCE_CREATE | RESOURCE_UPDATE, "subnet=SUBNET,ip-address=IP",
      "an address of the port: subnet (name or ID), address or both "
      "(repeatable; update replaces the list)", NULL },
    { "mac-address", "mac_address", RESOURCE_OPT_STRING,
      RESOURCE_CREATE | RESOURCE_LIST, "MAC",
      "MAC address (default: allocated)", NULL },
    { "device-owner", "device_owner", RESOURCE_OPT_STRING,
      RESOURCE_CREATE | RESOURCE_UPDATE | RESOURCE_LIST, "OWNER",
      "e.g. compute:nova, network:dhcp (a DHCP server port)", NULL },
    { "device-id", "device_id", RESOURCE_OPT_STRING,
      RESOURCE_CREATE | RESOURCE_UPDATE | RESOURCE_LIST, "ID",
      "the device (VM, server) using the port", NULL },
    { "host", "binding:host_id", RESOURCE_OPT_STRING,
      RESOURCE_CREATE | RESOURCE_UPDATE | RESOURCE_LIST, "HOST",
      "binding:host_id, the host the port is bound to", NULL },
    { "vnic-type", "binding:vnic_type", RESOURCE_OPT_STRING,
      RESOURCE_CREATE | RESOURCE_UPDATE | RESOURCE_LIST, "TYPE",
      "binding:vnic_type: normal (VM tap), direct (SR-IOV VF), macvtap, "
      "direct-physical or baremetal", NULL },
    { "binding-profile", "binding:profile", RESOURCE_OPT_PROFILE,
      RESOURCE_CREATE | RESOURCE_UPDATE, "KEY=VALUE|JSON",
      "binding:profile entry, e.g. physical_network=physnet1, or a JSON "
      "object, e.g. '{\"local_link_information\": [{\"switch_id\": "
      "\"tor1\", \"port_id\": \"p3\"}]}' (repeatable, merged)", NULL },
    OPT_ENABLE("the port"),
    OPT_PROPERTY,
    OPT_END,
};

static const struct resource_column segment_columns[] = {
    { "id", "ID" },
    { "name", "Name" },
    { "network_id", "Network" },
    { "network_type", "Network Type" },
    { "physical_network", "Physical Network" },
    { "segmentation_id", "Segment" },
    { NULL, NULL },
};

static const struct resource_opt segment_opts[] = {
    OPT_NAME,
    OPT_DESCRIPTION,
    { "network", "network_id", RESOURCE_OPT_REF,
      RESOURCE_CREATE | RESOURCE_LIST, "NETWORK",
      "network (name or ID) the segment belongs to", "network" },
    { "network-type", "network_type", RESOURCE_OPT_STRING,
      RESOURCE_CREATE | RESOURCE_LIST, "TYPE", "vxlan, vlan or flat", NULL },
    { "physical-network", "physical_network", RESOURCE_OPT_STRING,
      RESOURCE_CREATE | RESOURCE_LIST, "PHYSNET",
      "physical network of a vlan or flat segment", NULL },
    { "segment", "segmentation_id", RESOURCE_OPT_INT, RESOURCE_CREATE, "ID",
      "VLAN ID or VNI (default: allocated)", NULL },
    OPT_PROPERTY,
    OPT_END,
};

static const struct resource_column l2gw_columns[] = {
    { "id", "ID" },
    { "name", "Name" },
    { "devices", "Devices" },
    { NULL, NULL },
};

static const struct resource_opt l2gw_opts[] = {
    OPT_NAME,
    { "device", "devices", RESOURCE_OPT_DEVICE,
      RESOURCE_CREATE | RESOURCE_UPDATE,
      "name=VTEP,interface_names=PORT[|VLAN[#VLAN]][;PORT...]",
      "a switch (VTEP name) and its ports, each with optional VLANs, as "
      "networking-l2gw's CLI takes them (repeatable)", NULL },
    OPT_PROPERTY,
    OPT_END,
};

static const struct resource_column l2gw_connection_columns[] = {
    { "id", "ID" },
    { "l2_gateway_id", "L2 Gateway ID" },
    { "network_id", "Network ID" },
    { "segmentation_id", "Segmentation ID" },
    { NULL, NULL },
};

static const struct resource_opt l2gw_connection_opts[] = {
    { "default-segmentation-id", "segmentation_id", RESOURCE_OPT_STRING,
      RESOURCE_CREATE, "VLAN",
      "VLAN for the gateway's ports that have none of their own (sent as "
      "a string, as networking-l2gw wants it)", NULL },
    { "network", "network_id", RESOURCE_OPT_REF, RESOURCE_LIST, "NETWORK",
      NULL, "network" },
    { "l2gw", "l2_gateway_id", RESOURCE_OPT_REF, RESOURCE_LIST, "GATEWAY",
      NULL, "l2gw" },
    OPT_PROPERTY,
    OPT_END,
};

static const struct resource_column vtep_columns[] = {
    { "name", "Name" },
    { "role", "Role" },
    { "target", "Target" },
    { "tunnel_ip", "Tunnel IP" },
    { "host", "Host" },
    { "connection_state", "Connection" },
    { "in_sync", "In Sync" },
    { NULL, NULL },
};

static const struct resource_opt vtep_opts[] = {
    OPT_NAME,
    OPT_DESCRIPTION,
    { "target", "target", RESOURCE_OPT_STRING,
      RESOURCE_CREATE | RESOURCE_UPDATE, "tcp:IP:PORT|ssl:IP:PORT",
      "where seamd connects to the VTEP's OVSDB server (default: none, the "
      "VTEP connects in)", NULL },
    { "tunnel-ip", "tunnel_ip", RESOURCE_OPT_STRING,
      RESOURCE_CREATE | RESOURCE_UPDATE | RESOURCE_LIST, "IP",
      "the VTEP's VXLAN tunnel address", NULL },
    { "role", "role", RESOURCE_OPT_STRING,
      RESOURCE_CREATE | RESOURCE_UPDATE | RESOURCE_LIST, "tor|hypervisor",
      "a top-of-rack switch, or the VTEP of a hypervisor's VM taps", NULL },
    { "host", "host", RESOURCE_OPT_STRING,
      RESOURCE_CREATE | RESOURCE_UPDATE | RESOURCE_LIST, "HOST",
      "hypervisor VTEP: the binding:host_id it serves (default: its name)",
      NULL },
    OPT_PROPERTY,
    OPT_END,
};

static const struct resource_column host_link_columns[] = {
    { "id", "ID" },
    { "host", "Host" },
    { "physical_network", "Physical Network" },
    { "vtep", "VTEP" },
    { "port", "Port" },
    { "source", "Source" },
    { NULL, NULL },
};

static const struct resource_opt host_link_opts[] = {
    { "host", "host", RESOURCE_OPT_STRING,
      RESOURCE_CREATE | RESOURCE_UPDATE | RESOURCE_LIST, "HOST",
      "the compute host (binding:host_id)", NULL },
    { "physical-network", "physical_network", RESOURCE_OPT_STRING,
      RESOURCE_CREATE | RESOURCE_UPDATE | RESOURCE_LIST, "PHYSNET",
      "the physical network the host's link is on", NULL },
    { "vtep", "vtep", RESOURCE_OPT_STRING,
      RESOURCE_CREATE | RESOURCE_UPDATE | RESOURCE_LIST, "VTEP",
      "the switch (VTEP name) at the other end", NULL },
    { "port", "port", RESOURCE_OPT_STRING,
      RESOURCE_CREATE | RESOURCE_UPDATE | RESOURCE_LIST, "PORT",
      "the switch's port (Physical_Port name)", NULL },
    { "source", "source", RESOURCE_OPT_STRING,
      RESOURCE_CREATE | RESOURCE_UPDATE | RESOURCE_LIST, "static|lldp",
      "where the link comes from (default: static)", NULL },
    OPT_PROPERTY,
    OPT_END,
};

const struct resource resources[] = {
    { "network", "network", "/v2.0/networks", "network", "networks", "name",
      "tenant networks (provider and multi-provider segments)",
      name_arg, network_columns, network_opts },
    { "subnet", "subnet", "/v2.0/subnets", "subnet", "subnets", "name",
      "IPv4 and IPv6 subnets of a network", name_arg, subnet_columns,
      subnet_opts },
    { "port", "port", "/v2.0/ports", "port", "ports", "name",
      "ports: VM taps, SR-IOV VFs, bare-metal NICs, DHCP servers",
      name_arg, port_columns, port_opts },
    { "segment", "segment", "/v2.0/segments", "segment", "segments", "name",
      "segments of networks (Neutron's segments extension)", name_arg,
      segment_columns, segment_opts },
    { "l2gw", "L2 gateway", "/v2.0/l2-gateways", "l2_gateway",
      "l2_gateways", "name",
      "L2 gateways: switch ports (and VLANs) to join to networks",
      name_arg, l2gw_columns, l2gw_opts },
    { "l2gw-connection", "L2 gateway connection",
      "/v2.0/l2-gateway-connections", "l2_gateway_connection",
      "l2_gateway_connections", NULL,
      "connections of an L2 gateway to a network", l2gw_connection_args,
      l2gw_connection_columns, l2gw_connection_opts },
    { "vtep", "VTEP", "/v2.0/seam/vteps", "vtep", "vteps", "name",
      "the VTEPs seamd programs (hardware_vtep OVSDB servers)", vtep_args,
      vtep_columns, vtep_opts },
    { "host-link", "host link", "/v2.0/seam/host-links", "host_link",
      "host_links", NULL,
      "which switch port a host reaches a physical network on", no_args,
      host_link_columns, host_link_opts },
    { NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};

const struct resource *
resource_find(const char *command)
{
    for (const struct resource *r = resources; r->command; r++) {
        if (!strcmp(r->command, command)) {
            return r;
        }
    }
    return NULL;
}

bool
resource_parse_int(const char *text, long long *valuep)
{
    char *end;

    if (!text[0]) {
        return false;
    }
    errno = 0;
    *valuep = strtoll(text, &end, 10);
    return !errno && !*end;
}

int
resource_parse_kv(const char *text, json_t **objectp, char **errorp)
{
    json_t *object = json_object();
    char *copy = xstrdup(text);
    char *save = NULL;

    for (char *item = strtok_r(copy, ",", &save); item;
         item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        if (!eq || eq == item) {
            *errorp = xasprintf("\"%s\": want KEY=VALUE[,KEY=VALUE...], "
                                "not \"%s\"", text, item);
            free(copy);
            json_decref(object);
            *objectp = NULL;
            return -EINVAL;
        }
        *eq = '\0';
        for (char *p = item; *p; p++) {
            if (*p == '-') {
                *p = '_';
            }
        }
        json_object_set_new(object, item, json_string(eq + 1));
    }
    free(copy);
    *objectp = object;
    return 0;
}

/* Renames 'object's key 'from' (if present) to 'to'. */
static void
resource_rename(json_t *object, const char *from, const char *to)
{
    json_t *value = json_object_get(object, from);

    if (value) {
        json_object_set(object, to, value);
        json_object_del(object, from);
    }
}

/* Turns 'object's string 'key' into an integer, if it is one. */
static int
resource_make_int(json_t *object, const char *key, const char *text,
                  char **errorp)
{
    json_t *value = json_object_get(object, key);
    long long n;

    if (!value || !json_is_string(value)) {
        return 0;
    }
    if (!resource_parse_int(json_string_value(value), &n)) {
        *errorp = xasprintf("\"%s\": %s \"%s\" is not an integer", text,
                            key, json_string_value(value));
        return -EINVAL;
    }
    json_object_set_new(object, key, json_integer(n));
    return 0;
}

int
resource_parse_segment(const char *text, json_t **segmentp, char **errorp)
{
    json_t *segment;
    int error;

    *segmentp = NULL;
    if (strchr(text, '=')) {
        error = resource_parse_kv(text, &segment, errorp);
        if (error) {
            return error;
        }
        resource_rename(segment, "network_type", "provider:network_type");
        resource_rename(segment, "physical_network",
                        "provider:physical_network");
        resource_rename(segment, "segmentation_id",
                        "provider:segmentation_id");
        resource_rename(segment, "segment", "provider:segmentation_id");
    } else {
        /* TYPE:ID, TYPE:PHYSNET:ID or TYPE:PHYSNET. */
        char *copy = xstrdup(text);
        char *parts[4];
        size_t n = 0;
        long long id;

        for (char *p = copy, *colon; n < 4; p = colon + 1) {
            parts[n++] = p;
            colon = strchr(p, ':');
            if (!colon) {
                break;
            }
            *colon = '\0';
        }
        if (n > 3 || !parts[0][0]) {
            *errorp = xasprintf("\"%s\": want TYPE, TYPE:ID, "
                                "TYPE:PHYSNET:ID, TYPE:PHYSNET or "
                                "KEY=VALUE,...", text);
            free(copy);
            return -EINVAL;
        }
        segment = json_object();
        json_object_set_new(segment, "provider:network_type",
                            json_string(parts[0]));
        if (n == 3) {
            json_object_set_new(segment, "provider:physical_network",
                                json_string(parts[1]));
        }
        if (n == 1) {
            /* TYPE: a segment with an allocated ID. */
        } else if (n == 2 && !resource_parse_int(parts[1], &id)) {
            /* TYPE:PHYSNET (flat, or a vlan with an allocated ID). */
            json_object_set_new(segment, "provider:physical_network",
                                json_string(parts[1]));
        } else {
            json_object_set_new(segment, "provider:segmentation_id",
                                json_string(parts[n - 1]));
        }
        free(copy);
    }
    error = resource_make_int(segment, "provider:segmentation_id", text,
                              errorp);
    if (error) {
        json_decref(segment);
        return error;
    }
    *segmentp = segment;
    return 0;
}

/* Appends to 'interfaces' the interface "NAME[|SEG[#SEG...]]". */
static void
resource_add_interface(json_t *interfaces, const char *text)
{
    json_t *interface = json_object();
    const char *bar = strchr(text, '|');

    if (!bar) {
        json_object_set_new(interface, "name", json_string(text));
    } else {
        json_t *ids = json_array();
        char *copy = xstrdup(bar + 1);
        char *save = NULL;

        json_object_set_new(interface, "name",
                            json_stringn(text, bar - text));
        for (char *id = strtok_r(copy, "#", &save); id;
             id = strtok_r(NULL, "#", &save)) {
            json_array_append_new(ids, json_string(id));
        }
        json_object_set_new(interface, "segmentation_id", ids);
        free(copy);
    }
    json_array_append_new(interfaces, interface);
}

int
resource_parse_device(const char *text, json_t **devicep, char **errorp)
{
    json_t *kv, *device, *interfaces, *value;
    char *copy, *save = NULL;
    int error;

    *devicep = NULL;
    error = resource_parse_kv(text, &kv, errorp);
    if (error) {
        return error;
    }
    device = json_object();
    value = json_object_get(kv, "name");
    if (value) {
        json_object_set(device, "device_name", value);
    }
    interfaces = json_array();
    value = json_object_get(kv, "interface_names");
    if (value) {
        copy = xstrdup(json_string_value(value));
        for (char *item = strtok_r(copy, ";", &save); item;
             item = strtok_r(NULL, ";", &save)) {
            resource_add_interface(interfaces, item);
        }
        free(copy);
    }
    json_object_set_new(device, "interfaces", interfaces);
    json_object_del(kv, "name");
    json_object_del(kv, "interface_names");
    if (json_object_size(kv)) {
        *errorp = xasprintf("\"%s\": a device has only name= and "
                            "interface_names=", text);
        json_decref(kv);
        json_decref(device);
        return -EINVAL;
    }
    json_decref(kv);
    *devicep = device;
    return 0;
}

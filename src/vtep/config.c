/* vtep config: initialization and teardown of the plain-data contract
 * between db.c and fwd.c (see config.h). */
#include "vtep/config.h"

#include <stdlib.h>
#include <string.h>

#include "vtep/pkt.h"

void
vtep_config_init(struct vtep_config *c)
{
    memset(c, 0, sizeof *c);
    c->vxlan_port = VXLAN_DEFAULT_PORT;
    c->mac_aging_s = 300;
    c->tunnel_mtu = 1500;
}

static void
free_remote_macs(struct vtep_remote_mac *macs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(macs[i].locators);
    }
    free(macs);
}

void
vtep_config_destroy(struct vtep_config *c)
{
    if (!c) {
        return;
    }
    for (size_t i = 0; i < c->n_ports; i++) {
        free(c->ports[i].name);
    }
    free(c->ports);
    for (size_t i = 0; i < c->n_switches; i++) {
        struct vtep_switch *sw = &c->switches[i];
        free(sw->name);
        free_remote_macs(sw->ucast, sw->n_ucast);
        free_remote_macs(sw->mcast, sw->n_mcast);
        free(sw->unknown_dst);
    }
    free(c->switches);
    free(c->bindings);
    vtep_config_init(c);
}

static int
hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    } else if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

bool
eth_addr_from_string(const char *s, struct eth_addr *ea)
{
    struct eth_addr tmp;
    for (int i = 0; i < 6; i++) {
        int hi = hex_value(s[0]);
        int lo = hi < 0 ? -1 : hex_value(s[1]);
        if (lo < 0 || (i < 5 ? s[2] != ':' : s[2] != '\0')) {
            return false;
        }
        tmp.ea[i] = (uint8_t) (hi << 4 | lo);
        s += 3;
    }
    *ea = tmp;
    return true;
}

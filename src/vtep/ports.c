/* vtep ports: named and matched ports, following their interfaces (see
 * ports.h). */
#include "vtep/ports.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include "lib/log.h"
#include "vtep/ifmon.h"

LOG_MODULE(ports);

struct vtep_ports {
    struct vtep_port_info *slots;
    size_t n_slots;                     /* Used or free, below max_slots. */
    size_t max_slots;
    char **patterns;
    size_t n_patterns;
    struct vtep_ports_ops ops;
    void *aux;
};

struct vtep_ports *
vtep_ports_create(const char *const *names, size_t n_names,
                  const char *const *patterns, size_t n_patterns,
                  size_t max_slots, const struct vtep_ports_ops *ops, void *aux)
{
    struct vtep_ports *p = xzalloc(sizeof *p);
    p->max_slots = max_slots;
    p->slots = xcalloc(max_slots ? max_slots : 1, sizeof *p->slots);
    for (size_t i = 0; i < n_names && p->n_slots < max_slots; i++) {
        bool dup = false;
        for (size_t j = 0; j < p->n_slots; j++) {
            dup = dup || !strcmp(p->slots[j].name, names[i]);
        }
        if (!dup) {
            p->slots[p->n_slots++].name = xstrdup(names[i]);
        }
    }
    p->patterns = xcalloc(n_patterns ? n_patterns : 1, sizeof *p->patterns);
    for (size_t i = 0; i < n_patterns; i++) {
        p->patterns[i] = xstrdup(patterns[i]);
    }
    p->n_patterns = n_patterns;
    p->ops = *ops;
    p->aux = aux;
    return p;
}

void
vtep_ports_destroy(struct vtep_ports *p)
{
    if (!p) {
        return;
    }
    for (size_t i = 0; i < p->n_slots; i++) {
        free(p->slots[i].name);
        free(p->slots[i].iface_id);
    }
    free(p->slots);
    for (size_t i = 0; i < p->n_patterns; i++) {
        free(p->patterns[i]);
    }
    free(p->patterns);
    free(p);
}

bool
vtep_ports_match(const struct vtep_ports *p, const char *name)
{
    for (size_t i = 0; i < p->n_patterns; i++) {
        if (!fnmatch(p->patterns[i], name, 0)) {
            return true;
        }
    }
    return false;
}

static struct vtep_port_info *
find_port(const struct vtep_ports *p, const char *name)
{
    for (size_t i = 0; i < p->n_slots; i++) {
        if (p->slots[i].name && !strcmp(p->slots[i].name, name)) {
            return &p->slots[i];
        }
    }
    return NULL;
}

/* Gives back the socket of 'port' (slot 'slot'), if it has one. */
static void
let_go(struct vtep_ports *p, size_t slot)
{
    struct vtep_port_info *port = &p->slots[slot];
    if (port->ifindex) {
        p->ops.set(p->aux, slot, NULL, false);
        port->ifindex = 0;
    }
}

/* Records the alias of 'link' as the iface-id of 'port'; true if it
 * changed. */
static bool
update_iface_id(struct vtep_port_info *port, const struct vtep_ifmon_link *link)
{
    const char *id = link && link->alias[0] ? link->alias : NULL;
    if (id ? port->iface_id && !strcmp(id, port->iface_id) : !port->iface_id) {
        return false;
    }
    free(port->iface_id);
    port->iface_id = id ? xstrdup(id) : NULL;
    return true;
}

/* A socket on 'link' for the port of 'slot', in place of the one it has
 * (none, on an interface that went, or broken). */
static void
open_on(struct vtep_ports *p, size_t slot, const struct vtep_ifmon_link *link)
{
    struct vtep_port_info *port = &p->slots[slot];
    struct port_io *io;
    int err = p->ops.open(p->aux, link->name, link->ifindex, &io);
    if (err) {
        static struct log_rl rl = LOG_RL_INIT(5, 5);
        log_warn_rl(&rl, "%s: cannot open the interface (ifindex %d): %s; "
                    "trying again later", link->name, link->ifindex,
                    strerror(-err));
        let_go(p, slot);
        return;
    }
    p->ops.set(p->aux, slot, io, port->fresh);
    port->fresh = false;
    port->ifindex = link->ifindex;
    if (port->lost) {
        log_info("%s: interface back (ifindex %d): forwarding again",
                 port->name, link->ifindex);
        port->lost = false;
    }
}

bool
vtep_ports_reconcile(struct vtep_ports *p, const struct vtep_ifmon *ifmon)
{
    bool changed = false;

    /* The ports there are: follow their interfaces. */
    for (size_t s = 0; s < p->n_slots; s++) {
        struct vtep_port_info *port = &p->slots[s];
        if (!port->name) {
            continue;
        }
        const struct vtep_ifmon_link *link = vtep_ifmon_find(ifmon, port->name);
        if (port->matched && !link) {
            log_info("%s: interface gone: port removed", port->name);
            let_go(p, s);
            free(port->name);
            free(port->iface_id);
            memset(port, 0, sizeof *port);
            changed = true;
            continue;
        }
        if (!link) {
            if (!port->lost && (port->present || port->ifindex)) {
                port->lost = true;
                log_warn("%s: interface gone: the port is down (port_fault_status "
                         "unspecified_fault) until an interface of that name "
                         "comes back", port->name);
            }
            let_go(p, s);
            port->present = port->up = false;
            continue;
        }
        port->present = true;
        port->up = vtep_ifmon_link_is_up(link);
        changed |= update_iface_id(port, link);
        if (port->ifindex != link->ifindex
            || (p->ops.is_broken && p->ops.is_broken(p->aux, s))) {
            open_on(p, s, link);
        }
    }

    /* New interfaces that match: new ports. */
    for (size_t i = 0; p->n_patterns && i < vtep_ifmon_n_links(ifmon); i++) {
        const struct vtep_ifmon_link *link = vtep_ifmon_link_at(ifmon, i);
        if (!vtep_ports_match(p, link->name) || find_port(p, link->name)) {
            continue;
        }
        size_t s = 0;
        while (s < p->n_slots && p->slots[s].name) {
            s++;
        }
        if (s == p->max_slots) {
            static struct log_rl rl = LOG_RL_INIT(5, 5);
            log_warn_rl(&rl, "%s: not a port: all %zu ports are taken",
                        link->name, p->max_slots);
            continue;
        }
        if (s == p->n_slots) {
            p->n_slots++;
        }
        struct vtep_port_info *port = &p->slots[s];
        port->name = xstrdup(link->name);
        port->matched = true;
        port->fresh = true;
        port->present = true;
        port->up = vtep_ifmon_link_is_up(link);
        update_iface_id(port, link);
        log_info("%s: new port (ifindex %d%s%s)", port->name, link->ifindex,
                 port->iface_id ? ", iface-id " : "",
                 port->iface_id ? port->iface_id : "");
        open_on(p, s, link);
        changed = true;
    }

    /* Free slots at the end are no slots. */
    while (p->n_slots && !p->slots[p->n_slots - 1].name) {
        p->n_slots--;
    }
    return changed;
}

size_t
vtep_ports_n_slots(const struct vtep_ports *p)
{
    return p->n_slots;
}

const struct vtep_port_info *
vtep_ports_get(const struct vtep_ports *p, size_t slot)
{
    return &p->slots[slot];
}

bool
vtep_ports_is_healthy(const struct vtep_ports *p, size_t slot)
{
    const struct vtep_port_info *port = &p->slots[slot];
    return (port->name && port->present && port->up && port->ifindex
            && !(p->ops.is_broken && p->ops.is_broken(p->aux, slot)));
}

const char *const *
vtep_ports_patterns(const struct vtep_ports *p, size_t *n)
{
    *n = p->n_patterns;
    return (const char *const *) p->patterns;
}

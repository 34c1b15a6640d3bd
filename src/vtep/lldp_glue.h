/* lldp_glue: seam-vtep's LLDP agent (lldp_agent.h) wired to its datapath
 * and database, in the control thread: frames in from the datapath's LLDP
 * ring, frames out through vtep_dp_lldp_send(), neighbours out as the
 * operations of lldp_db.h for the caller to run.
 *
 * Identity: Chassis ID = the MAC of the interface that holds the tunnel IP
 * (else of the first port), System Name = the Physical_Switch name,
 * Management Address = the tunnel IP (the switch's management_ips), one
 * Port ID per port = its interface name.
 *
 * One thread (the control thread); the only system calls are the
 * SIOCGIFHWADDR ioctls that read a port's MAC when its interface changes. */
#ifndef SEAM_VTEP_LLDP_GLUE_H
#define SEAM_VTEP_LLDP_GLUE_H 1

#include <jansson.h>
#include <stdbool.h>
#include <netinet/in.h>

struct ds;
struct lldp_glue;
struct ovsdb_db;
struct vtep_dp;
struct vtep_ifmon;
struct vtep_ports;

struct lldp_glue_options {
    const char *name;                   /* Physical_Switch name. */
    const char *system_descr;
    struct in_addr tunnel_ip;
    unsigned int interval_s;            /* 1..3600. */
    unsigned int hold;
};

/* Returns a new glue on 'dp' and 'ports' (borrowed, must outlive it);
 * free it with lldp_glue_destroy().  Reads the chassis MAC through
 * 'ifmon' (borrowed for the call). */
struct lldp_glue *lldp_glue_create(const struct lldp_glue_options *,
                                   struct vtep_dp *, struct vtep_ports *,
                                   const struct vtep_ifmon *);
/* NULL is a no-op. */
void lldp_glue_destroy(struct lldp_glue *);

/* The ports (or their links) changed: follow them (an interface that comes
 * up sends at once; one that goes down forgets its neighbour). */
void lldp_glue_ports_changed(struct lldp_glue *, long long now_ms);
/* The database changed or resynced: check the rows again. */
void lldp_glue_db_changed(struct lldp_glue *);

/* Receives, expires and sends what is due at 'now_ms'.  Returns the ops
 * (new reference) that bring 'db' up to date with the neighbours, or NULL
 * when there is nothing to write ('db' NULL: nothing is written). */
json_t *lldp_glue_run(struct lldp_glue *, long long now_ms,
                      const struct ovsdb_db *db);
/* When lldp_glue_run() next has work on its own (the datapath's ring is
 * polled by the caller's regular tick). */
long long lldp_glue_next_ms(const struct lldp_glue *);

/* A clean exit: queues a shutdown LLDPDU (TTL 0) on every port that is up
 * (vtep_dp_destroy() sends them) and returns the ops that remove every
 * neighbour from 'db' (NULL if none). */
json_t *lldp_glue_shutdown(struct lldp_glue *, const struct ovsdb_db *db);

/* dp/show's "lldp:" lines. */
void lldp_glue_format_stats(const struct lldp_glue *, struct ds *out);

#endif /* vtep/lldp_glue.h */

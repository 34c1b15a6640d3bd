/* lldp_agent: seam-vtep's LLDP agent (IEEE 802.1AB-2016 clause 9, in the
 * simple form a switch port needs), sans I/O: it is told the ports, the
 * frames received and the time, and answers with the frames to send, the
 * neighbour of each port and when it next needs to run.  The control
 * thread's glue (ctl.c) moves frames through the datapath's rings
 * (lldp_ring.h) and writes the neighbours into the database (lldp_db.h).
 *
 * Transmit (§9.2.7.7.1, without the fast-start burst): each port that is
 * up sends an LLDPDU every 'interval_s', and at once when it comes up; TTL
 * = interval x hold (802.1AB msgTxInterval x msgTxHold: 30 x 4 = 120 s by
 * default).  What it says: Chassis ID = the chassis MAC (subtype 4, MAC
 * address), Port ID = the port's interface name (subtype 5, interface
 * name), Port Description "seam-vtep port NAME", System Name = the switch
 * name (Physical_Switch name), System Description, System Capabilities
 * bridge (enabled), Management Address = the management IPv4 address.  That
 * is what Ironic's inspector reads into local_link_connection: switch_id =
 * the chassis MAC, port_id = the port name, switch_info = the system name.
 *
 * Receive (§9.2.7.7.2): one neighbour per port, the last one heard (a
 * switch port has one cable); a new chassis/port ID pair replaces the old.
 * A neighbour is forgotten when its TTL runs out, when it sends TTL 0
 * (shutdown), and when the port goes down or away.  A malformed LLDPDU is
 * dropped and counted by reason (lldp.h), and changes nothing.
 *
 * One thread; no allocation per frame; times are time_msec() values. */
#ifndef SEAM_VTEP_LLDP_AGENT_H
#define SEAM_VTEP_LLDP_AGENT_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "lib/util.h"
#include "vtep/config.h"
#include "vtep/lldp.h"

struct ds;
struct lldp_agent;

#define LLDP_AGENT_DEFAULT_INTERVAL_S 30
#define LLDP_AGENT_DEFAULT_HOLD 4

struct lldp_agent_options {
    struct eth_addr chassis_mac;        /* Chassis ID. */
    const char *system_name;            /* Copied. */
    const char *system_descr;           /* Copied; NULL: none. */
    struct in_addr mgmt_ip;             /* 0.0.0.0: none. */
    unsigned int interval_s;            /* 1..3600. */
    unsigned int hold;                  /* 1..100. */
};

/* A port's neighbour. */
struct lldp_neighbor {
    struct lldp_pdu pdu;
    struct eth_addr src;                /* Source MAC of its frames. */
    long long expires_ms;               /* Forgotten then. */
};

struct lldp_agent_stats {
    uint64_t rx;                        /* LLDPDUs accepted. */
    uint64_t tx;                        /* LLDPDUs built to send. */
    uint64_t expired;                   /* Neighbours whose TTL ran out. */
    uint64_t shutdowns;                 /* TTL 0 received. */
    uint64_t drops[LLDP_N_ERRORS];      /* Refused, by reason. */
};

/* Returns a new agent with no ports; free it with lldp_agent_destroy(). */
struct lldp_agent *lldp_agent_create(const struct lldp_agent_options *);
/* NULL is a no-op. */
void lldp_agent_destroy(struct lldp_agent *);

/* The port of 'slot' is now 'name' (copied; NULL: no port there), on
 * interface 'ifindex' with MAC 'mac' (the source of its LLDPDUs), 'up' or
 * not.  A port that comes up (or is new, or is another interface) sends
 * at the next lldp_agent_next_tx(); one that goes down, away or is another
 * interface forgets its neighbour. */
void lldp_agent_set_port(struct lldp_agent *, size_t slot, const char *name,
                         int ifindex, const struct eth_addr *mac, bool up,
                         long long now_ms);

/* Takes the frame of 'size' bytes at 'frame' received on 'slot'.  Returns
 * LLDP_OK (the neighbour is updated or, TTL 0, forgotten) or why it was
 * dropped (counted).  Frames on a slot without a port that is up are
 * ignored (LLDP_OK, not counted). */
enum lldp_error lldp_agent_receive(struct lldp_agent *, size_t slot,
                                   const uint8_t *frame, size_t size,
                                   long long now_ms);

/* Builds the next frame due at 'now_ms' into 'buf' ('size' bytes, at least
 * LLDP_FRAME_MAX) and stores its port in '*slot'; returns its size, or 0
 * when nothing is due.  Call until it returns 0. */
size_t lldp_agent_next_tx(struct lldp_agent *, long long now_ms, size_t *slot,
                          uint8_t *buf, size_t size);

/* Builds the shutdown LLDPDU (TTL 0) of the port of 'slot' into 'buf' and
 * returns its size, or 0 if that port is not up. */
size_t lldp_agent_shutdown_frame(struct lldp_agent *, size_t slot,
                                 uint8_t *buf, size_t size);

/* Forgets the neighbours whose TTL ran out by 'now_ms'. */
void lldp_agent_expire(struct lldp_agent *, long long now_ms);

/* When the agent next has work (a frame due, a TTL to run out). */
long long lldp_agent_next_deadline(const struct lldp_agent *);

/* Whether a neighbour appeared, changed or went since the last call (which
 * clears it). */
bool lldp_agent_take_changed(struct lldp_agent *);

/* The neighbour of 'slot' (borrowed, valid until the next call that
 * changes the agent), or NULL. */
const struct lldp_neighbor *lldp_agent_neighbor(const struct lldp_agent *,
                                                size_t slot);

const struct lldp_agent_stats *lldp_agent_stats(const struct lldp_agent *);

/* Appends the counters to 'out' (dp/show's "lldp:" lines): "rx N, tx N,
 * neighbours N, expired N, shutdowns N" and the drops by reason. */
void lldp_agent_format_stats(const struct lldp_agent *, struct ds *out);

#endif /* vtep/lldp_agent.h */

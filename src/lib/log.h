/* log: leveled, per-module logging with rate limits (after OVS vlog).
 *
 * Each .c file names its module once:
 *     LOG_MODULE(jsonrpc);
 * and then logs with log_err/log_warn/log_info/log_debug(fmt, ...).
 * Levels (FRR's meaning): error = fallout beyond the event; warning =
 * someone should act; info = state changes; debug = behind a switch.
 * Debug output is enabled per module ("-d jsonrpc,txn") or for all.
 * Anything a peer can trigger is rate limited with a 'struct log_rl':
 *     static struct log_rl rl = LOG_RL_INIT(5, 5);
 *     log_warn_rl(&rl, "%s: bad message", peer);
 * Lines go to stderr, or to the file given to log_set_file(). */
#ifndef SEAM_LOG_H
#define SEAM_LOG_H 1

#include <stdbool.h>
#include "util.h"

enum log_level { LOG_LEVEL_OFF, LOG_LEVEL_ERR, LOG_LEVEL_WARN,
                 LOG_LEVEL_INFO, LOG_LEVEL_DBG };

struct log_module {
    const char *name;
    bool debug;                 /* Debug switched on for this module. */
    struct log_module *next;    /* In the registry, once registered. */
    bool registered;
};

/* A token bucket: 'burst' lines at once, then 'per_min' a minute. */
struct log_rl {
    unsigned int per_min;
    unsigned int burst;
    unsigned int tokens;        /* In 1/60000 of a message. */
    long long last_ms;
    unsigned int n_dropped;
    bool init;
};
#define LOG_RL_INIT(PER_MIN, BURST) { PER_MIN, BURST, 0, 0, 0, false }

#define LOG_MODULE(NAME) \
    static struct log_module log_this_module_ __attribute__((unused)) = \
        { #NAME, false, NULL, false }

void log_write(struct log_module *, enum log_level, const char *fmt, ...)
    PRINTF_FMT(3, 4);
void log_write_rl(struct log_module *, enum log_level, struct log_rl *,
                  const char *fmt, ...) PRINTF_FMT(4, 5);
bool log_is_enabled(struct log_module *, enum log_level);

/* Parses "err", "warn", "info", "debug" or "off"; -1 if unknown. */
int log_level_from_string(const char *);
void log_set_level(enum log_level);
/* 'modules' is a comma-separated list, or "all".  Returns 0. */
int log_enable_debug(const char *modules);
/* Appends to 'path' instead of stderr; 0 or -errno. */
int log_set_file(const char *path);
void log_close(void);

#define log_err(...)   log_write(&log_this_module_, LOG_LEVEL_ERR, __VA_ARGS__)
#define log_warn(...)  log_write(&log_this_module_, LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)  log_write(&log_this_module_, LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)                                                    \
    do {                                                                  \
        if (log_is_enabled(&log_this_module_, LOG_LEVEL_DBG)) {          \
            log_write(&log_this_module_, LOG_LEVEL_DBG, __VA_ARGS__);    \
        }                                                                 \
    } while (0)
#define log_err_rl(RL, ...)  log_write_rl(&log_this_module_, LOG_LEVEL_ERR, RL, __VA_ARGS__)
#define log_warn_rl(RL, ...) log_write_rl(&log_this_module_, LOG_LEVEL_WARN, RL, __VA_ARGS__)
#define log_info_rl(RL, ...) log_write_rl(&log_this_module_, LOG_LEVEL_INFO, RL, __VA_ARGS__)

#endif /* log.h */

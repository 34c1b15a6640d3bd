/* log: see log.h. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

static enum log_level global_level = LOG_LEVEL_INFO;
static bool debug_all;
static char *debug_list;        /* ",mod1,mod2," or NULL. */
static FILE *log_file;
static struct log_module *modules;

static const char *const level_names[] = { "OFF", "ERR", "WARN", "INFO", "DBG" };

static void
register_module(struct log_module *m)
{
    if (!m->registered) {
        m->registered = true;
        m->next = modules;
        modules = m;
        if (debug_list) {
            char *key = xasprintf(",%s,", m->name);
            m->debug = strstr(debug_list, key) != NULL;
            free(key);
        }
    }
}

bool
log_is_enabled(struct log_module *m, enum log_level level)
{
    if (level == LOG_LEVEL_DBG) {
        register_module(m);
        return debug_all || m->debug || global_level >= LOG_LEVEL_DBG;
    }
    return level <= global_level;
}

static void PRINTF_FMT(3, 0)
vwrite(struct log_module *m, enum log_level level, const char *fmt, va_list args)
{
    FILE *out = log_file ? log_file : stderr;
    struct timeval tv;
    struct tm tm;
    char stamp[32];

    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    flockfile(out);
    fprintf(out, "%s.%03ldZ|%s|%s|", stamp, (long) tv.tv_usec / 1000,
            m->name, level_names[level]);
    vfprintf(out, fmt, args);
    putc('\n', out);
    funlockfile(out);
    fflush(out);
}

void
log_write(struct log_module *m, enum log_level level, const char *fmt, ...)
{
    if (!log_is_enabled(m, level)) {
        return;
    }
    va_list args;
    va_start(args, fmt);
    vwrite(m, level, fmt, args);
    va_end(args);
}

void
log_write_rl(struct log_module *m, enum log_level level, struct log_rl *rl,
             const char *fmt, ...)
{
    if (!log_is_enabled(m, level)) {
        return;
    }
    long long now = time_msec();
    const unsigned int unit = 60000;
    if (!rl->init) {
        rl->init = true;
        rl->tokens = rl->burst * unit;
        rl->last_ms = now;
    } else if (rl->tokens < rl->burst * unit) {
        long long add = (now - rl->last_ms) * rl->per_min;
        if (add > 0) {
            rl->tokens = MIN((long long) rl->burst * unit, rl->tokens + add);
            rl->last_ms = now;
        }
    } else {
        rl->last_ms = now;
    }
    if (rl->tokens < unit) {
        rl->n_dropped++;
        return;
    }
    rl->tokens -= unit;

    va_list args;
    va_start(args, fmt);
    vwrite(m, level, fmt, args);
    va_end(args);
    if (rl->n_dropped) {
        log_write(m, level, "(%u similar messages suppressed)", rl->n_dropped);
        rl->n_dropped = 0;
    }
}

int
log_level_from_string(const char *s)
{
    static const struct { const char *name; enum log_level level; } map[] = {
        { "off", LOG_LEVEL_OFF }, { "err", LOG_LEVEL_ERR },
        { "error", LOG_LEVEL_ERR }, { "warn", LOG_LEVEL_WARN },
        { "warning", LOG_LEVEL_WARN }, { "info", LOG_LEVEL_INFO },
        { "dbg", LOG_LEVEL_DBG }, { "debug", LOG_LEVEL_DBG },
    };
    for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
        if (!strcasecmp(s, map[i].name)) {
            return map[i].level;
        }
    }
    return -1;
}

void log_set_level(enum log_level level) { global_level = level; }

int
log_enable_debug(const char *list)
{
    if (!strcmp(list, "all")) {
        debug_all = true;
        return 0;
    }
    char *old = debug_list;
    debug_list = xasprintf("%s%s,", old ? old : ",", list);
    free(old);
    for (struct log_module *m = modules; m; m = m->next) {
        char *key = xasprintf(",%s,", m->name);
        m->debug = strstr(debug_list, key) != NULL;
        free(key);
    }
    return 0;
}

int
log_set_file(const char *path)
{
    FILE *f = fopen(path, "a");
    if (!f) {
        return -errno;
    }
    if (log_file) {
        fclose(log_file);
    }
    log_file = f;
    return 0;
}

void
log_close(void)
{
    if (log_file) {
        fclose(log_file);
        log_file = NULL;
    }
    free(debug_list);
    debug_list = NULL;
}

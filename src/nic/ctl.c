/* nic_ctl: control socket server and client of seam-sriov-nic (ctl.h). */
#include "nic/ctl.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/ds.h"
#include "lib/list.h"
#include "lib/log.h"
#include "nic/nic.h"

LOG_MODULE(nic_ctl);

#define MAX_WORDS 64
#define CLIENT_TIMEOUT_S 10             /* To send a command and read the
                                         * answer. */

struct ctl_client {
    struct list node;                   /* In nic_ctl's 'clients'. */
    struct nic_ctl *ctl;
    struct bufferevent *bev;
    bool answered;                      /* Close once the answer is out. */
};

struct nic_ctl {
    struct nic *nic;                    /* Borrowed. */
    char *path;
    struct evconnlistener *listener;
    struct list clients;
    size_t n_clients;
};

static void
client_free(struct ctl_client *c)
{
    list_remove(&c->node);
    c->ctl->n_clients--;
    bufferevent_free(c->bev);
    free(c);
}

static void
client_answer(struct ctl_client *c, int err, const char *text)
{
    struct evbuffer *out = bufferevent_get_output(c->bev);
    evbuffer_add_printf(out, "%s\n%s", err ? "ERROR" : "OK", text);
    c->answered = true;
    bufferevent_disable(c->bev, EV_READ);
}

static void
client_read_cb(struct bufferevent *bev, void *aux)
{
    struct ctl_client *c = aux;
    struct evbuffer *in = bufferevent_get_input(bev);
    size_t len;
    char *line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF);
    if (!line) {
        if (evbuffer_get_length(in) > NIC_CTL_LINE_MAX) {
            client_answer(c, -EMSGSIZE, "command too long\n");
        }
        return;
    }
    char *words[MAX_WORDS];
    int n = 0;
    char *save = NULL;
    for (char *w = strtok_r(line, " \t\r", &save); w;
         w = strtok_r(NULL, " \t\r", &save)) {
        if (n == MAX_WORDS) {
            free(line);
            client_answer(c, -E2BIG, "too many words\n");
            return;
        }
        words[n++] = w;
    }
    struct ds out = DS_EMPTY_INITIALIZER;
    int err = len > NIC_CTL_LINE_MAX ? -EMSGSIZE
              : nic_command(c->ctl->nic, n, words, &out);
    if (len > NIC_CTL_LINE_MAX) {
        ds_put_cstr(&out, "command too long\n");
    }
    client_answer(c, err, ds_cstr(&out));
    ds_destroy(&out);
    free(line);
}

static void
client_write_cb(struct bufferevent *bev, void *aux)
{
    struct ctl_client *c = aux;
    if (c->answered) {
        client_free(c);
    }
}

static void
client_event_cb(struct bufferevent *bev, short what, void *aux)
{
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
        client_free(aux);
    }
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
          int socklen, void *aux)
{
    struct nic_ctl *ctl = aux;
    if (ctl->n_clients >= NIC_CTL_MAX_CLIENTS) {
        static struct log_rl rl = LOG_RL_INIT(5, 5);
        log_warn_rl(&rl, "%s: too many control clients, closing one",
                    ctl->path);
        close(fd);
        return;
    }
    struct ctl_client *c = xzalloc(sizeof *c);
    c->ctl = ctl;
    c->bev = bufferevent_socket_new(evconnlistener_get_base(l), fd,
                                    BEV_OPT_CLOSE_ON_FREE);
    if (!c->bev) {
        close(fd);
        free(c);
        return;
    }
    list_push_back(&ctl->clients, &c->node);
    ctl->n_clients++;
    bufferevent_setcb(c->bev, client_read_cb, client_write_cb,
                      client_event_cb, c);
    struct timeval tv = { CLIENT_TIMEOUT_S, 0 };
    bufferevent_set_timeouts(c->bev, &tv, &tv);
    bufferevent_setwatermark(c->bev, EV_READ, 0, NIC_CTL_LINE_MAX + 2);
    bufferevent_enable(c->bev, EV_READ);
}

struct nic_ctl *
nic_ctl_create(struct event_base *base, struct nic *nic, const char *path)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof sun.sun_path) {
        log_err("%s: control socket path too long", path);
        return NULL;
    }
    memcpy(sun.sun_path, path, strlen(path) + 1);
    (void) unlink(path);
    struct nic_ctl *ctl = xzalloc(sizeof *ctl);
    ctl->nic = nic;
    ctl->path = xstrdup(path);
    list_init(&ctl->clients);
    ctl->listener = evconnlistener_new_bind(
        base, accept_cb, ctl, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
        16, (struct sockaddr *) &sun, sizeof sun);
    if (!ctl->listener) {
        log_err("%s: cannot listen: %s", path, strerror(errno));
        free(ctl->path);
        free(ctl);
        return NULL;
    }
    return ctl;
}

void
nic_ctl_destroy(struct nic_ctl *ctl)
{
    if (!ctl) {
        return;
    }
    struct ctl_client *c;
    LIST_FOR_EACH (c, node, &ctl->clients) {
        client_free(c);
    }
    evconnlistener_free(ctl->listener);
    (void) unlink(ctl->path);
    free(ctl->path);
    free(ctl);
}

int
nic_ctl_client(const char *path, int argc, char **argv)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof sun.sun_path) {
        fprintf(stderr, "%s: control socket path too long\n", path);
        return 2;
    }
    memcpy(sun.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *) &sun, sizeof sun) < 0) {
        fprintf(stderr, "%s: cannot connect: %s (is seam-sriov-nic "
                "running?)\n", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return 2;
    }
    struct ds req = DS_EMPTY_INITIALIZER;
    for (int i = 0; i < argc; i++) {
        ds_put_format(&req, "%s%s", i ? " " : "", argv[i]);
    }
    ds_put_char(&req, '\n');
    const char *p = ds_cstr(&req);
    size_t left = req.length;
    while (left) {
        ssize_t n = write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            fprintf(stderr, "%s: cannot send: %s\n", path, strerror(errno));
            ds_destroy(&req);
            close(fd);
            return 2;
        }
        p += n;
        left -= (size_t) n;
    }
    ds_destroy(&req);
    struct ds ans = DS_EMPTY_INITIALIZER;
    char buf[4096];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        ds_put_buffer(&ans, buf, (size_t) n);
    }
    close(fd);
    const char *s = ds_cstr(&ans);
    int status;
    if (!strncmp(s, "OK\n", 3)) {
        fputs(s + 3, stdout);
        status = 0;
    } else if (!strncmp(s, "ERROR\n", 6)) {
        fputs(s + 6, stderr);
        status = 1;
    } else {
        fprintf(stderr, "%s: no answer\n", path);
        status = 2;
    }
    ds_destroy(&ans);
    return status;
}

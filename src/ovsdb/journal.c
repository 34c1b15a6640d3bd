/* journal: the on-disk record log of a standalone OVSDB database.
 *
 * The format and the recovery rules are Open vSwitch's (ovsdb/log.c), so a
 * file moves both ways between seam-ovsdb and ovsdb-tool/ovsdb-server:
 *
 *   - A record is "OVSDB JSON <length> <sha1>\n" followed by <length> bytes:
 *     compact JSON text and a final "\n", which the length and the SHA-1
 *     (40 lowercase hex digits; either case is accepted) both cover.
 *   - A clustered file ("OVSDB CLUSTER ...") is refused with -EPROTO.
 *   - A bad record ends the log: ovsdb-server logs it, keeps the records
 *     before it and overwrites it with its next write.  We do the same but
 *     truncate at open, so the file is valid (ovsdb-tool itself refuses a
 *     file with a torn tail) as soon as we have opened it read-write.
 *   - The lock is an fcntl(F_SETLK) write lock on "DIR/.NAME.~lock~", NAME
 *     being the file after symlinks are followed (lib/lockfile.c).  Locks
 *     are per process, and closing any descriptor of the lock file drops
 *     them, so the locks this process holds are also kept in a table: a
 *     second open of a file already open here fails with -EDEADLK without
 *     touching the lock file.  READ_ONLY opens take no lock, as ovsdb-tool's
 *     read-only commands don't, so a live database can be inspected.
 *   - Compaction writes "NAME.tmp", fsync()s it, rename()s it over NAME and
 *     fsync()s the directory.
 *
 * Open scans the whole file once (headers and SHA-1 of every record, no JSON
 * parsing) to find the end of the valid log; journal_read() then parses one
 * record per call.  A record whose hash is right but whose JSON does not
 * parse also ends the log, found when it is read. */
#include "ovsdb/journal.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lib/log.h"

LOG_MODULE(journal);

#define JOURNAL_MAGIC "OVSDB JSON "
#define JOURNAL_CLUSTER_MAGIC "OVSDB CLUSTER "
#define SHA1_SIZE 20
#define SHA1_HEX_LEN 40
#define HEADER_MAX 128          /* Longest header line we accept, with \n. */
#define IO_CHUNK (64 * 1024)

struct journal {
    char *path;                 /* As given to journal_open(). */
    char *real_path;            /* With symlinks followed: what we rename. */
    enum journal_mode mode;
    int fd;

    /* Lock, unless READ_ONLY. */
    int lock_fd;                /* -1 if none. */
    dev_t lock_dev;
    ino_t lock_ino;
    struct journal *next_locked;    /* In 'locked_journals'. */

    off_t read_offset;          /* Next record journal_read() returns. */
    off_t end;                  /* End of the last good record. */
    off_t base_size;            /* 'end' after open or the last replace. */
    unsigned long long n_records;   /* Good records in [0, end). */
    unsigned long long n_read;      /* Records journal_read() returned. */
    bool broken;                /* A failed write could not be undone. */

    uint8_t last_sha1[SHA1_SIZE];   /* Of the last record read or written. */
    EVP_MD_CTX *md;
    char *buf;                  /* Reused for encoding and reading bodies. */
    size_t buf_size;            /* Allocated bytes in 'buf'. */
};

/* The locks this process holds.  fork() does not pass fcntl locks to the
 * child, so the child starts with an empty table. */
static pthread_mutex_t lock_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct journal *locked_journals;
static pthread_once_t lock_once = PTHREAD_ONCE_INIT;

enum scan_result { SCAN_OK, SCAN_BAD };

static int lock_acquire(struct journal *);
static void lock_release(struct journal *);
static char *follow_symlinks(const char *path);
static int fsync_parent_dir(const char *path);
static int scan_log(struct journal *);
static int check_record(struct journal *, off_t offset, off_t file_size,
                        off_t *nextp, char *why, size_t why_size);
static bool parse_header(const char *line, size_t len,
                         unsigned long long *lengthp,
                         uint8_t sha1[SHA1_SIZE]);
static int write_all(int fd, off_t offset, const struct iovec *, int n_iov);
static int truncate_tail(struct journal *, off_t offset,
                         unsigned long long n_records, const char *why);
static void grow_buf(struct journal *, size_t size);

int
journal_open(const char *path, enum journal_mode mode,
             struct journal **journalp)
{
    struct journal *j;
    int flags;
    int err;

    *journalp = NULL;

    j = xzalloc(sizeof *j);
    j->path = xstrdup(path);
    j->real_path = follow_symlinks(path);
    j->mode = mode;
    j->fd = -1;
    j->lock_fd = -1;
    j->md = EVP_MD_CTX_new();
    if (!j->md) {
        util_abort("journal: out of memory for a SHA-1 context");
    }

    if (mode != JOURNAL_READ_ONLY) {
        err = lock_acquire(j);
        if (err) {
            goto out_free;
        }
    }

    flags = O_CLOEXEC;
    if (mode == JOURNAL_READ_ONLY) {
        flags |= O_RDONLY;
    } else if (mode == JOURNAL_READ_WRITE) {
        flags |= O_RDWR;
    } else {
        flags |= O_RDWR | O_CREAT | O_EXCL;
    }
    j->fd = open(j->real_path, flags, 0640);
    if (j->fd < 0) {
        err = -errno;
        goto out_unlock;
    }

    if (mode == JOURNAL_CREATE_EXCL) {
        /* Make the new name durable before anything is written to it. */
        err = fsync_parent_dir(j->real_path);
        if (err) {
            unlink(j->real_path);
            goto out_close;
        }
    } else {
        err = scan_log(j);
        if (err) {
            goto out_close;
        }
    }
    j->base_size = j->end;
    *journalp = j;
    return 0;

out_close:
    close(j->fd);
out_unlock:
    lock_release(j);
out_free:
    EVP_MD_CTX_free(j->md);
    free(j->buf);
    free(j->real_path);
    free(j->path);
    free(j);
    return err;
}

int
journal_read(struct journal *j, json_t **jsonp)
{
    unsigned long long length;
    uint8_t sha1[SHA1_SIZE];
    char header[HEADER_MAX];
    json_error_t jerr;
    char why[256];
    const char *nl;
    size_t header_len;
    ssize_t n;
    json_t *json;

    *jsonp = NULL;
    if (j->read_offset >= j->end) {
        return 0;
    }

    /* scan_log() or journal_write() vouched for the record: it is whole and
     * its hash is right, so any failure here is an I/O error. */
    n = pread(j->fd, header, sizeof header, j->read_offset);
    if (n < 0) {
        return -errno;
    }
    nl = memchr(header, '\n', n);
    if (!nl || !parse_header(header, nl - header + 1, &length, sha1)
        || length > (unsigned long long) (j->end - j->read_offset)) {
        return -EIO;
    }
    header_len = nl - header + 1;

    grow_buf(j, length);
    for (size_t done = 0; done < length; done += n) {
        n = pread(j->fd, j->buf + done, length - done,
                  j->read_offset + header_len + done);
        if (n <= 0) {
            return n < 0 ? -errno : -EIO;
        }
    }

    json = json_loadb(j->buf, length, 0, &jerr);
    if (!json) {
        snprintf(why, sizeof why, "record at offset %lld is not valid JSON "
                 "(%s at byte %d)", (long long) j->read_offset, jerr.text,
                 jerr.position);
        if (j->mode == JOURNAL_READ_ONLY) {
            log_warn("%s: %s; ignoring the rest of the file",
                     j->path, why);
            j->end = j->read_offset;
            j->n_records = j->n_read;
            return 0;
        }
        return truncate_tail(j, j->read_offset, j->n_read, why);
    }

    j->read_offset += header_len + length;
    j->n_read++;
    memcpy(j->last_sha1, sha1, SHA1_SIZE);
    *jsonp = json;
    return 0;
}

static int write_record(struct journal *, const char *text, size_t len,
                        bool durable);
static void record_header(const char *text, size_t len, char *header,
                          size_t *header_lenp, uint8_t sha1[]);

int
journal_write(struct journal *j, const json_t *json, bool durable)
{
    if (!json || (!json_is_object(json) && !json_is_array(json))) {
        return -EINVAL;
    }
    size_t n = json_dumpb(json, j->buf, j->buf_size, JSON_COMPACT);
    if (!n) {
        return -EINVAL;
    }
    if (n + 1 > j->buf_size) {
        grow_buf(j, n + 1);
        n = json_dumpb(json, j->buf, j->buf_size, JSON_COMPACT);
        if (!n || n + 1 > j->buf_size) {
            return -EINVAL;
        }
    }
    return write_record(j, j->buf, n, durable);
}

void
journal_last_digest(const struct journal *j, uint8_t digest[JOURNAL_DIGEST_SIZE])
{
    memcpy(digest, j->last_sha1, SHA1_SIZE);
}

int
journal_write_text(struct journal *j, const char *text, size_t len, bool durable)
{
    return write_record(j, text, len, durable);
}

static int
write_record(struct journal *j, const char *text, size_t len, bool durable)
{
    char header[HEADER_MAX];
    size_t header_len;
    struct iovec iov[3];
    int err;

    if (j->mode == JOURNAL_READ_ONLY) {
        return -EBADF;
    }
    if (j->broken) {
        return -EIO;
    }
    record_header(text, len, header, &header_len, j->last_sha1);
    iov[0].iov_base = header;
    iov[0].iov_len = header_len;
    iov[1].iov_base = (char *) text;
    iov[1].iov_len = len;
    iov[2].iov_base = "\n";
    iov[2].iov_len = 1;
    err = write_all(j->fd, j->end, iov, 3);
    if (!err && durable && fdatasync(j->fd)) {
        err = -errno;
    }
    if (err) {
        if (ftruncate(j->fd, j->end)) {
            log_err("%s: cannot remove a partly written record (%s); "
                    "refusing further writes", j->path, strerror(errno));
            j->broken = true;
        }
        return err;
    }

    j->end += header_len + len + 1;
    j->n_records++;
    return 0;
}

/* Formats the header line of a record whose body is 'text' ('len' bytes)
 * followed by a newline. */
static void
record_header(const char *text, size_t len, char *header, size_t *header_lenp,
              uint8_t sha1[])
{
    static const char hex[] = "0123456789abcdef";
    char sha1_hex[SHA1_HEX_LEN + 1];
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha1(), NULL)
        || !EVP_DigestUpdate(ctx, text, len) || !EVP_DigestUpdate(ctx, "\n", 1)
        || !EVP_DigestFinal_ex(ctx, sha1, NULL)) {
        util_abort("SHA-1 failed");
    }
    EVP_MD_CTX_free(ctx);
    for (int i = 0; i < SHA1_SIZE; i++) {
        sha1_hex[2 * i] = hex[sha1[i] >> 4];
        sha1_hex[2 * i + 1] = hex[sha1[i] & 15];
    }
    sha1_hex[SHA1_HEX_LEN] = '\0';
    int n = snprintf(header, HEADER_MAX, JOURNAL_MAGIC "%zu %s\n", len + 1, sha1_hex);
    assert(n > 0 && n < HEADER_MAX);
    *header_lenp = n;
}

int
journal_replace(struct journal *j, json_t *const *jsons, size_t n)
{
    char **texts = xcalloc(n ? n : 1, sizeof *texts);
    size_t *lens = xcalloc(n ? n : 1, sizeof *lens);
    int err = 0;

    for (size_t i = 0; i < n && !err; i++) {
        if (!jsons[i] || (!json_is_object(jsons[i]) && !json_is_array(jsons[i]))) {
            err = -EINVAL;
            break;
        }
        texts[i] = json_dumps(jsons[i], JSON_COMPACT);
        if (!texts[i]) {
            err = -EINVAL;
            break;
        }
        lens[i] = strlen(texts[i]);
    }
    if (!err) {
        err = journal_replace_text(j, (const char *const *) texts, lens, n);
    } else if (j->mode != JOURNAL_READ_ONLY) {
        /* As after any failed replace, no stale temporary file remains. */
        char *tmp_path = xasprintf("%s.tmp", j->real_path);
        unlink(tmp_path);
        free(tmp_path);
    }
    for (size_t i = 0; i < n; i++) {
        free(texts[i]);
    }
    free(texts);
    free(lens);
    return err;
}

int
journal_replace_text(struct journal *j, const char *const *texts,
                     const size_t *lens, size_t n)
{
    struct stat st;
    char *tmp_path;
    off_t offset;
    int err;
    int fd;

    if (j->mode == JOURNAL_READ_ONLY) {
        return -EBADF;
    }

    tmp_path = xasprintf("%s.tmp", j->real_path);
    if (unlink(tmp_path) && errno != ENOENT) {
        err = -errno;
        goto out_free;
    }
    fd = open(tmp_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) {
        err = -errno;
        goto out_free;
    }
    if (!fstat(j->fd, &st)) {
        /* Keep the old file's permissions; failing that, 0640 will do. */
        (void) fchmod(fd, st.st_mode & 07777);
    }

    offset = 0;
    for (size_t i = 0; i < n; i++) {
        char header[HEADER_MAX];
        size_t header_len;
        struct iovec iov[3];

        record_header(texts[i], lens[i], header, &header_len, j->last_sha1);
        iov[0].iov_base = header;
        iov[0].iov_len = header_len;
        iov[1].iov_base = (char *) texts[i];
        iov[1].iov_len = lens[i];
        iov[2].iov_base = "\n";
        iov[2].iov_len = 1;
        err = write_all(fd, offset, iov, 3);
        if (err) {
            goto out_unlink;
        }
        offset += header_len + lens[i] + 1;
    }
    if (fsync(fd)) {
        err = -errno;
        goto out_unlink;
    }
    if (rename(tmp_path, j->real_path)) {
        err = -errno;
        goto out_unlink;
    }

    /* The new log is in place: switch to it whatever happens next. */
    close(j->fd);
    j->fd = fd;
    j->end = j->base_size = j->read_offset = offset;
    j->n_records = j->n_read = n;
    j->broken = false;
    free(tmp_path);

    err = fsync_parent_dir(j->real_path);
    if (err) {
        log_warn("%s: compacted, but the directory could not be synced "
                 "(%s); the rename may not survive a crash",
                 j->path, strerror(-err));
    }
    return err;

out_unlink:
    close(fd);
    unlink(tmp_path);
out_free:
    free(tmp_path);
    return err;
}

off_t
journal_size(const struct journal *j)
{
    return j->end;
}

off_t
journal_base_size(const struct journal *j)
{
    return j->base_size;
}

unsigned long long
journal_n_records(const struct journal *j)
{
    return j->n_records;
}

const char *
journal_path(const struct journal *j)
{
    return j->path;
}

void
journal_close(struct journal *j)
{
    if (!j) {
        return;
    }
    close(j->fd);
    lock_release(j);
    EVP_MD_CTX_free(j->md);
    free(j->buf);
    free(j->real_path);
    free(j->path);
    free(j);
}

/* Locking. */

static void
lock_prepare(void)
{
    pthread_mutex_lock(&lock_mutex);
}

static void
lock_parent(void)
{
    pthread_mutex_unlock(&lock_mutex);
}

static void
lock_child(void)
{
    /* The child holds none of its parent's locks.  The journals stay
     * allocated; lock_release() finds them missing from the table. */
    pthread_mutex_init(&lock_mutex, NULL);
    locked_journals = NULL;
}

static void
lock_init_once(void)
{
    pthread_atfork(lock_prepare, lock_parent, lock_child);
}

static char *
lock_name(const char *real_path)
{
    const char *slash = strrchr(real_path, '/');

    return (slash
            ? xasprintf("%.*s/.%s.~lock~", (int) (slash - real_path),
                        real_path, slash + 1)
            : xasprintf(".%s.~lock~", real_path));
}

/* Takes the lock of 'j' (its 'real_path' set).  Returns 0, -EDEADLK if this
 * process has the file open already, -EAGAIN if another process holds it, or
 * another -errno. */
static int
lock_acquire(struct journal *j)
{
    struct flock fl;
    struct stat st;
    char *name;
    int err;
    int fd;

    pthread_once(&lock_once, lock_init_once);
    name = lock_name(j->real_path);
    pthread_mutex_lock(&lock_mutex);

    /* Opening and closing the lock file again would drop our own lock. */
    if (!stat(name, &st)) {
        for (struct journal *p = locked_journals; p; p = p->next_locked) {
            if (p->lock_dev == st.st_dev && p->lock_ino == st.st_ino) {
                err = -EDEADLK;
                goto out;
            }
        }
    } else if (errno != ENOENT) {
        err = -errno;
        goto out;
    }

    fd = open(name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        err = -errno;
        goto out;
    }
    if (fstat(fd, &st)) {
        err = -errno;
        close(fd);
        goto out;
    }
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (fcntl(fd, F_SETLK, &fl)) {
        err = errno == EACCES ? -EAGAIN : -errno;
        memset(&fl, 0, sizeof fl);
        fl.l_type = F_WRLCK;
        fl.l_whence = SEEK_SET;
        if (err == -EAGAIN && !fcntl(fd, F_GETLK, &fl)
            && fl.l_type != F_UNLCK) {
            log_warn("%s: cannot lock, already locked by pid %ld",
                     name, (long) fl.l_pid);
        }
        close(fd);
        goto out;
    }

    j->lock_fd = fd;
    j->lock_dev = st.st_dev;
    j->lock_ino = st.st_ino;
    j->next_locked = locked_journals;
    locked_journals = j;
    err = 0;
out:
    pthread_mutex_unlock(&lock_mutex);
    free(name);
    return err;
}

static void
lock_release(struct journal *j)
{
    if (j->lock_fd < 0) {
        return;
    }
    pthread_mutex_lock(&lock_mutex);
    for (struct journal **pp = &locked_journals; *pp;
         pp = &(*pp)->next_locked) {
        if (*pp == j) {
            *pp = j->next_locked;
            break;
        }
    }
    pthread_mutex_unlock(&lock_mutex);
    close(j->lock_fd);
    j->lock_fd = -1;
}

/* Files and paths. */

/* Returns a new string (free() it): 'path' with symlinks followed, up to 10
 * deep, so that the lock and the rename apply to the file itself. */
static char *
follow_symlinks(const char *path)
{
    char *cur = xstrdup(path);

    for (int depth = 0; depth < 10; depth++) {
        char target[PATH_MAX];
        ssize_t n = readlink(cur, target, sizeof target - 1);
        const char *slash;
        char *next;

        if (n < 0) {
            break;
        }
        target[n] = '\0';
        slash = strrchr(cur, '/');
        if (target[0] == '/' || !slash) {
            next = xstrdup(target);
        } else {
            next = xasprintf("%.*s/%s", (int) (slash - cur), cur, target);
        }
        free(cur);
        cur = next;
    }
    return cur;
}

static int
fsync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    int err = 0;
    int fd;

    dir = (!slash ? xstrdup(".")
           : slash == path ? xstrdup("/")
           : xstrndup(path, slash - path));
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd)) {
        err = -errno;
    }
    if (fd >= 0) {
        close(fd);
    }
    free(dir);
    return err;
}

/* Finds the end of the valid log of 'j' ('end', 'n_records'); truncates a
 * bad tail unless READ_ONLY.  Returns 0, -EPROTO if the first record is bad,
 * or another -errno. */
static int
scan_log(struct journal *j)
{
    unsigned long long n = 0;
    char why[160];
    struct stat st;
    off_t offset = 0;

    if (fstat(j->fd, &st)) {
        return -errno;
    }
    if (!S_ISREG(st.st_mode)) {
        return -EPROTO;
    }

    while (offset < st.st_size) {
        off_t next = offset;
        int r = check_record(j, offset, st.st_size, &next, why, sizeof why);

        if (r < 0) {
            return r;
        } else if (r == SCAN_BAD) {
            if (!n) {
                log_warn("%s: not an OVSDB standalone database: %s",
                         j->path, why);
                return -EPROTO;
            }
            if (j->mode == JOURNAL_READ_ONLY) {
                log_warn("%s: %s; ignoring the %lld bytes from there",
                         j->path, why, (long long) (st.st_size - offset));
                break;
            }
            j->end = st.st_size;
            return truncate_tail(j, offset, n, why);
        }
        offset = next;
        n++;
    }
    if (!n) {
        log_warn("%s: not an OVSDB standalone database: empty file",
                 j->path);
        return -EPROTO;
    }
    j->end = offset;
    j->n_records = n;
    return 0;
}

/* Checks the record at 'offset' of a file 'file_size' bytes long.  Returns
 * SCAN_OK and the offset after it in '*nextp', SCAN_BAD with the reason in
 * 'why', or -errno. */
static int
check_record(struct journal *j, off_t offset, off_t file_size, off_t *nextp,
             char *why, size_t why_size)
{
    uint8_t expect[SHA1_SIZE], actual[SHA1_SIZE];
    unsigned long long length;
    char header[HEADER_MAX];
    size_t header_len;
    const char *nl;
    off_t body;
    ssize_t n;

    n = pread(j->fd, header, sizeof header, offset);
    if (n < 0) {
        return -errno;
    }
    nl = memchr(header, '\n', n);
    if (!nl || !parse_header(header, nl - header + 1, &length, expect)) {
        size_t show = nl ? (size_t) (nl - header) : MIN((size_t) n, 40);

        if (!offset && !strncmp(header, JOURNAL_CLUSTER_MAGIC,
                                MIN((size_t) n,
                                    strlen(JOURNAL_CLUSTER_MAGIC)))) {
            snprintf(why, why_size, "clustered database");
        } else {
            snprintf(why, why_size, "bad record header at offset %lld "
                     "\"%.*s\"", (long long) offset, (int) MIN(show, 60),
                     header);
        }
        return SCAN_BAD;
    }
    header_len = nl - header + 1;
    body = offset + header_len;
    if (length > (unsigned long long) (file_size - body)) {
        snprintf(why, why_size, "record at offset %lld is cut short "
                 "(%llu of %llu bytes)", (long long) offset,
                 (unsigned long long) (file_size - body), length);
        return SCAN_BAD;
    }

    grow_buf(j, MIN(length, IO_CHUNK));
    if (!EVP_DigestInit_ex(j->md, EVP_sha1(), NULL)) {
        return -EIO;
    }
    for (unsigned long long done = 0; done < length; done += n) {
        n = pread(j->fd, j->buf, MIN(length - done, IO_CHUNK), body + done);
        if (n <= 0) {
            return n < 0 ? -errno : -EIO;
        }
        if (!EVP_DigestUpdate(j->md, j->buf, n)) {
            return -EIO;
        }
    }
    if (!EVP_DigestFinal_ex(j->md, actual, NULL)) {
        return -EIO;
    }
    if (memcmp(actual, expect, SHA1_SIZE)) {
        snprintf(why, why_size, "record at offset %lld has the wrong "
                 "SHA-1", (long long) offset);
        return SCAN_BAD;
    }
    *nextp = body + length;
    return SCAN_OK;
}

static int
hex_value(char c)
{
    return (c >= '0' && c <= '9' ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
            : -1);
}

/* Parses the header 'line' ('len' bytes, ending in \n). */
static bool
parse_header(const char *line, size_t len, unsigned long long *lengthp,
             uint8_t sha1[SHA1_SIZE])
{
    size_t magic_len = strlen(JOURNAL_MAGIC);
    unsigned long long length = 0;
    const char *p, *end = line + len - 1;

    if (len < magic_len || memcmp(line, JOURNAL_MAGIC, magic_len)) {
        return false;
    }
    p = line + magic_len;
    if (p >= end || *p < '0' || *p > '9') {
        return false;
    }
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
        if (length > (ULLONG_MAX - 9) / 10) {
            return false;
        }
        length = length * 10 + (*p - '0');
    }
    if (!length || p >= end || *p++ != ' ' || end - p != SHA1_HEX_LEN) {
        return false;
    }
    for (int i = 0; i < SHA1_SIZE; i++) {
        int hi = hex_value(p[2 * i]), lo = hex_value(p[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            return false;
        }
        sha1[i] = hi << 4 | lo;
    }
    *lengthp = length;
    return true;
}

/* Writes all of 'iov' at 'offset' of 'fd'.  Returns 0 or -errno. */
static int
write_all(int fd, off_t offset, const struct iovec *iov_, int n_iov)
{
    struct iovec iov[3];

    assert(n_iov <= 3);
    memcpy(iov, iov_, n_iov * sizeof *iov);
    while (n_iov > 0) {
        ssize_t n = pwritev(fd, iov, n_iov, offset);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        } else if (!n) {
            return -EIO;
        }
        offset += n;
        while (n_iov > 0 && (size_t) n >= iov[0].iov_len) {
            n -= iov[0].iov_len;
            memmove(iov, iov + 1, (n_iov - 1) * sizeof *iov);
            n_iov--;
        }
        if (n_iov > 0) {
            iov[0].iov_base = (char *) iov[0].iov_base + n;
            iov[0].iov_len -= n;
        }
    }
    return 0;
}

/* Ends the log of 'j' (not READ_ONLY) at 'offset', after 'n_records' good
 * records, because of 'why'.  Returns 0 or -errno. */
static int
truncate_tail(struct journal *j, off_t offset, unsigned long long n_records,
              const char *why)
{
    log_warn("%s: %s; dropping the %lld bytes from there (%s)", j->path,
             why, (long long) (j->end - offset),
             "a torn write, or corruption");
    if (ftruncate(j->fd, offset)) {
        int err = -errno;

        log_err("%s: cannot truncate to %lld bytes: %s", j->path,
                (long long) offset, strerror(-err));
        return err;
    }
    j->end = offset;
    j->n_records = n_records;
    return 0;
}

static void
grow_buf(struct journal *j, size_t size)
{
    if (size > j->buf_size) {
        size_t new_size = MAX(size, MAX(j->buf_size * 2, 4096));

        j->buf = xrealloc(j->buf, new_size);
        j->buf_size = new_size;
    }
}

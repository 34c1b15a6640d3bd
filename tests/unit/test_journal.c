/* Unit tests of ovsdb/journal: the record format, torn-tail recovery,
 * compaction, locking and modes, and interchange with Open vSwitch's
 * ovsdb-tool both ways (skipped when ovsdb-tool is not installed). */
#include "ovsdb/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/testlib.h"
#include "lib/util.h"

#define VTEP_SCHEMA "/usr/share/openvswitch/vtep.ovsschema"
#define LS_UUID "6d1c8f4e-3b5a-4c21-9e0f-7a2b1c3d4e5f"

struct fixture {
    char dir[64];
    char *db;                   /* dir + "/x.db" */
};

/* Helpers. */

static int
setup(void **state)
{
    struct fixture *f = xzalloc(sizeof *f);

    strcpy(f->dir, "/tmp/test_journal.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    f->db = xasprintf("%s/x.db", f->dir);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    struct dirent *de;
    DIR *d = opendir(f->dir);

    if (d) {
        while ((de = readdir(d))) {
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
                char *p = xasprintf("%s/%s", f->dir, de->d_name);

                unlink(p);
                free(p);
            }
        }
        closedir(d);
    }
    rmdir(f->dir);
    free(f->db);
    free(f);
    return 0;
}

static bool
file_exists(const char *path)
{
    struct stat st;

    return !lstat(path, &st);
}

/* Returns the contents of 'path' (free() it), its size in '*sizep'. */
static char *
slurp(const char *path, size_t *sizep)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    long n;

    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    n = ftell(fp);
    rewind(fp);
    buf = xmalloc(n + 1);
    assert_int_equal(fread(buf, 1, n, fp), (size_t) n);
    buf[n] = '\0';
    fclose(fp);
    *sizep = n;
    return buf;
}

static void
write_file(const char *path, const char *bytes, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, bytes, n), (ssize_t) n);
    close(fd);
}

static void
append_bytes(const char *path, const char *bytes, size_t n)
{
    int fd = open(path, O_WRONLY | O_APPEND);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, bytes, n), (ssize_t) n);
    close(fd);
}

/* Record 'i' of the synthetic logs. */
static json_t *
record(int i)
{
    return json_pack("{s:i, s:s, s:[i,i]}", "i", i, "name", "rec", "v", i,
                     i * i);
}

static void
assert_record(json_t *json, int i)
{
    json_t *expect = record(i);

    assert_non_null(json);
    assert_true(json_equal(json, expect));
    json_decref(expect);
    json_decref(json);
}

/* Creates 'path' with records 0..n-1.  Returns the offset where record
 * 'n - 1' starts. */
static off_t
make_log(const char *path, int n)
{
    struct journal *j;
    off_t last = 0;

    assert_int_equal(journal_open(path, JOURNAL_CREATE_EXCL, &j), 0);
    for (int i = 0; i < n; i++) {
        json_t *json = record(i);

        last = journal_size(j);
        assert_int_equal(journal_write(j, json, i == n - 1), 0);
        json_decref(json);
    }
    journal_close(j);
    return last;
}

/* Opens 'path' in 'mode' and checks it holds records 0..n-1, no more. */
static void
expect_log(const char *path, enum journal_mode mode, int n)
{
    struct journal *j;
    json_t *json;

    assert_int_equal(journal_open(path, mode, &j), 0);
    for (int i = 0; i < n; i++) {
        assert_int_equal(journal_read(j, &json), 0);
        assert_record(json, i);
    }
    assert_int_equal(journal_read(j, &json), 0);
    assert_null(json);
    assert_int_equal(journal_n_records(j), n);
    journal_close(j);
}

static bool
have_ovsdb_tool(void)
{
    return !system("command -v ovsdb-tool >/dev/null 2>&1")
           && !access(VTEP_SCHEMA, R_OK);
}

/* Runs the shell command 'fmt' and returns its exit status; its stdout and
 * stderr, if 'outp', as a new string (free() it). */
static int PRINTF_FMT(2, 3)
run(char **outp, const char *fmt, ...)
{
    char *cmd, buf[4096];
    size_t len = 0, n;
    char *out = xstrdup("");
    va_list args;
    FILE *fp;
    int status;

    va_start(args, fmt);
    cmd = xvasprintf(fmt, args);
    va_end(args);
    char *full = xasprintf("%s 2>&1", cmd);
    fp = popen(full, "r");
    assert_non_null(fp);
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0) {
        out = xrealloc(out, len + n + 1);
        memcpy(out + len, buf, n);
        len += n;
        out[len] = '\0';
    }
    status = pclose(fp);
    free(full);
    free(cmd);
    if (outp) {
        *outp = out;
    } else {
        free(out);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Runs 'fn(arg)' in a child process; returns its exit status. */
static int
in_child(int (*fn)(const char *), const char *arg)
{
    int status;
    pid_t pid = fork();

    assert_true(pid >= 0);
    if (!pid) {
        _exit(fn(arg));
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

/* In a child: 0 if opening 'path' read-write fails with -EAGAIN. */
static int
child_expect_locked(const char *path)
{
    struct journal *j;
    int err = journal_open(path, JOURNAL_READ_WRITE, &j);

    journal_close(j);
    return err == -EAGAIN ? 0 : 1;
}

/* In a child: 0 if 'path' opens read-write and read-only. */
static int
child_expect_unlocked(const char *path)
{
    struct journal *j;

    if (journal_open(path, JOURNAL_READ_WRITE, &j)) {
        return 1;
    }
    journal_close(j);
    if (journal_open(path, JOURNAL_READ_ONLY, &j)) {
        return 2;
    }
    journal_close(j);
    return 0;
}

/* In a child: 0 if 'path' opens read-only although locked. */
static int
child_expect_readable(const char *path)
{
    struct journal *j;
    json_t *json;
    int ok;

    if (journal_open(path, JOURNAL_READ_ONLY, &j)) {
        return 1;
    }
    ok = !journal_read(j, &json) && json;
    json_decref(json);
    journal_close(j);
    return ok ? 0 : 2;
}

/* Format and basic use. */

static void
test_roundtrip(void **state)
{
    struct fixture *f = *state;
    struct journal *j;
    json_t *json;
    size_t size;
    char *text;

    make_log(f->db, 3);
    expect_log(f->db, JOURNAL_READ_WRITE, 3);

    /* The exact bytes of a record: header, compact JSON, newline. */
    text = slurp(f->db, &size);
    assert_memory_equal(text, "OVSDB JSON 31 ", 14);
    assert_int_equal(text[14 + 40], '\n');
    assert_memory_equal(text + 55, "{\"i\":0,\"name\":\"rec\",\"v\":[0,0]}\n",
                        31);
    free(text);

    /* Sizes, counts, and appending after reading. */
    assert_int_equal(journal_open(f->db, JOURNAL_READ_WRITE, &j), 0);
    assert_string_equal(journal_path(j), f->db);
    assert_int_equal(journal_size(j), testlib_file_size(f->db));
    assert_int_equal(journal_base_size(j), journal_size(j));
    assert_int_equal(journal_n_records(j), 3);
    json = record(3);
    assert_int_equal(journal_write(j, json, true), 0);
    json_decref(json);
    assert_int_equal(journal_n_records(j), 4);
    assert_int_equal(journal_size(j), testlib_file_size(f->db));
    assert_true(journal_base_size(j) < journal_size(j));
    journal_close(j);
    expect_log(f->db, JOURNAL_READ_ONLY, 4);
}

static void
test_write_rejects_scalars(void **state)
{
    struct fixture *f = *state;
    struct journal *j;
    json_t *json = json_integer(5);
    off_t size;

    make_log(f->db, 1);
    size = testlib_file_size(f->db);
    assert_int_equal(journal_open(f->db, JOURNAL_READ_WRITE, &j), 0);
    assert_int_equal(journal_write(j, json, false), -EINVAL);
    assert_int_equal(journal_write(j, NULL, false), -EINVAL);
    assert_int_equal(journal_size(j), size);
    journal_close(j);
    json_decref(json);
    assert_int_equal(testlib_file_size(f->db), size);
    expect_log(f->db, JOURNAL_READ_ONLY, 1);
}

static void
test_create_excl_existing(void **state)
{
    struct fixture *f = *state;
    struct journal *j = (struct journal *) 1;
    off_t size;

    make_log(f->db, 2);
    size = testlib_file_size(f->db);
    assert_int_equal(journal_open(f->db, JOURNAL_CREATE_EXCL, &j), -EEXIST);
    assert_null(j);
    assert_int_equal(testlib_file_size(f->db), size);
    /* The failed open released its lock. */
    expect_log(f->db, JOURNAL_READ_WRITE, 2);
}

static void
test_open_missing(void **state)
{
    struct fixture *f = *state;
    struct journal *j;

    assert_int_equal(journal_open(f->db, JOURNAL_READ_WRITE, &j), -ENOENT);
    assert_int_equal(journal_open(f->db, JOURNAL_READ_ONLY, &j), -ENOENT);
    assert_false(file_exists(f->db));
}

static void
test_not_standalone(void **state)
{
    static const char *const bad[] = {
        "",                                     /* Empty. */
        "OVSDB CLUSTER 3 0123456789012345678901234567890123456789\n{}\n",
        "OVSDB JSON 3 0123456789012345678901234567890123456789\n{}\n",
        "OVSDB JSON 0 da39a3ee5e6b4b0d3255bfef95601890afd80709\n",
        "OVSDB JSON 2 da39a3ee5e6b4b0d3255bfef95601890afd80709\n{}",
        "OVSDB JSON x 0123\n",
        "hello, world\n",
    };
    struct fixture *f = *state;

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct journal *j;
        size_t size;
        char *text;

        write_file(f->db, bad[i], strlen(bad[i]));
        assert_int_equal(journal_open(f->db, JOURNAL_READ_WRITE, &j),
                         -EPROTO);
        assert_int_equal(journal_open(f->db, JOURNAL_READ_ONLY, &j),
                         -EPROTO);
        text = slurp(f->db, &size);
        assert_int_equal(size, strlen(bad[i]));    /* Left alone. */
        free(text);
    }
}

/* Torn and corrupt tails. */

enum damage { CUT_BODY, CUT_HEADER, GARBAGE, WRONG_HASH, BAD_JSON };

/* Damages the log at 'path', whose last record starts at 'last'.  Returns
 * how many of its 3 records survive. */
static int
damage(const char *path, off_t last, enum damage how)
{
    size_t size;
    char *text;

    switch (how) {
    case CUT_BODY:
        assert_int_equal(truncate(path, testlib_file_size(path) - 5), 0);
        return 2;
    case CUT_HEADER:
        assert_int_equal(truncate(path, last + 20), 0);
        return 2;
    case GARBAGE:
        append_bytes(path, "garbage\n", 8);
        return 3;
    case WRONG_HASH:
        text = slurp(path, &size);
        text[size - 4] ^= 1;            /* "4" of [2,4] in the last body. */
        write_file(path, text, size);
        free(text);
        return 3 - 1;
    case BAD_JSON:
        /* The hash is right: sha1("{\"a\":\n") . */
        append_bytes(path, "OVSDB JSON 6 "
                     "bec7812d4d8af25a0c41970490dc5936b5acd369\n{\"a\":\n", 60);
        return 3;
    }
    return -1;
}

static void
check_torn(struct fixture *f, enum damage how)
{
    struct journal *j;
    json_t *json;
    off_t last;
    int n_good;

    last = make_log(f->db, 3);
    n_good = damage(f->db, last, how);

    /* Read-only: the good records, and the file is left alone. */
    off_t damaged_size = testlib_file_size(f->db);
    expect_log(f->db, JOURNAL_READ_ONLY, n_good);
    assert_int_equal(testlib_file_size(f->db), damaged_size);

    /* Read-write: the good records, then the file ends after them. */
    assert_int_equal(journal_open(f->db, JOURNAL_READ_WRITE, &j), 0);
    for (int i = 0; i < n_good; i++) {
        assert_int_equal(journal_read(j, &json), 0);
        assert_record(json, i);
    }
    assert_int_equal(journal_read(j, &json), 0);
    assert_null(json);
    assert_int_equal(journal_n_records(j), n_good);
    assert_int_equal(journal_size(j), testlib_file_size(f->db));
    assert_true(testlib_file_size(f->db) < damaged_size);

    /* The next append is a valid record right after the good ones. */
    json = record(n_good);
    assert_int_equal(journal_write(j, json, true), 0);
    json_decref(json);
    journal_close(j);
    expect_log(f->db, JOURNAL_READ_WRITE, n_good + 1);
}

static void
test_torn_cut_body(void **state)
{
    check_torn(*state, CUT_BODY);
}

static void
test_torn_cut_header(void **state)
{
    check_torn(*state, CUT_HEADER);
}

static void
test_torn_garbage(void **state)
{
    check_torn(*state, GARBAGE);
}

static void
test_torn_wrong_hash(void **state)
{
    check_torn(*state, WRONG_HASH);
}

static void
test_torn_bad_json(void **state)
{
    check_torn(*state, BAD_JSON);
}

/* Compaction. */

static void
test_replace(void **state)
{
    struct fixture *f = *state;
    json_t *recs[2] = { record(0), record(1) };
    struct journal *j;
    struct stat before, after;
    char *tmp = xasprintf("%s.tmp", f->db);
    json_t *json;

    make_log(f->db, 5);
    assert_int_equal(stat(f->db, &before), 0);
    assert_int_equal(journal_open(f->db, JOURNAL_READ_WRITE, &j), 0);
    assert_int_equal(journal_read(j, &json), 0);
    assert_record(json, 0);

    assert_int_equal(journal_replace(j, recs, 2), 0);
    assert_int_equal(journal_n_records(j), 2);
    assert_int_equal(journal_size(j), journal_base_size(j));
    assert_int_equal(journal_size(j), testlib_file_size(f->db));
    assert_int_equal(journal_read(j, &json), 0);    /* Reads are done. */
    assert_null(json);
    assert_false(file_exists(tmp));
    assert_int_equal(stat(f->db, &after), 0);
    assert_true(before.st_ino != after.st_ino);     /* rename()d in. */
    assert_int_equal(after.st_mode, before.st_mode);

    /* Appends go to the new file. */
    json = record(2);
    assert_int_equal(journal_write(j, json, true), 0);
    json_decref(json);
    journal_close(j);
    expect_log(f->db, JOURNAL_READ_WRITE, 3);

    json_decref(recs[0]);
    json_decref(recs[1]);
    free(tmp);
}

static void
test_replace_failure_keeps_old(void **state)
{
    struct fixture *f = *state;
    json_t *recs[2] = { record(0), json_string("not a record") };
    char *tmp = xasprintf("%s.tmp", f->db);
    char *before, *after;
    size_t n_before, n_after;
    struct journal *j;
    json_t *json;

    make_log(f->db, 3);
    before = slurp(f->db, &n_before);
    write_file(tmp, "stale", 5);

    assert_int_equal(journal_open(f->db, JOURNAL_READ_WRITE, &j), 0);
    assert_int_equal(journal_replace(j, recs, 2), -EINVAL);
    after = slurp(f->db, &n_after);
    assert_int_equal(n_after, n_before);
    assert_memory_equal(after, before, n_before);
    assert_false(file_exists(tmp));

    /* The journal still works on the old file. */
    assert_int_equal(journal_n_records(j), 3);
    json = record(3);
    assert_int_equal(journal_write(j, json, false), 0);
    json_decref(json);
    journal_close(j);
    expect_log(f->db, JOURNAL_READ_ONLY, 4);

    json_decref(recs[0]);
    json_decref(recs[1]);
    free(before);
    free(after);
    free(tmp);
}

static void
test_replace_through_symlink(void **state)
{
    struct fixture *f = *state;
    char *link = xasprintf("%s/link.db", f->dir);
    char *lock = xasprintf("%s/.x.db.~lock~", f->dir);
    json_t *recs[1] = { record(0) };
    struct journal *j;
    struct stat st;

    make_log(f->db, 3);
    assert_int_equal(symlink("x.db", link), 0);
    assert_int_equal(journal_open(link, JOURNAL_READ_WRITE, &j), 0);
    assert_true(file_exists(lock));     /* Named after the target. */
    assert_int_equal(journal_replace(j, recs, 1), 0);
    journal_close(j);

    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    expect_log(f->db, JOURNAL_READ_ONLY, 1);

    json_decref(recs[0]);
    free(lock);
    free(link);
}

/* Locking and modes. */

static void
test_lock(void **state)
{
    struct fixture *f = *state;
    char *lock = xasprintf("%s/.x.db.~lock~", f->dir);
    struct journal *j, *j2;

    make_log(f->db, 2);
    assert_int_equal(journal_open(f->db, JOURNAL_READ_WRITE, &j), 0);
    assert_true(file_exists(lock));

    /* Another process: refused read-write, allowed read-only. */
    assert_int_equal(in_child(child_expect_locked, f->db), 0);
    assert_int_equal(in_child(child_expect_readable, f->db), 0);

    /* This process again: refused, and our lock survives the attempt. */
    assert_int_equal(journal_open(f->db, JOURNAL_READ_WRITE, &j2), -EDEADLK);
    assert_int_equal(journal_open(f->db, JOURNAL_CREATE_EXCL, &j2),
                     -EDEADLK);
    assert_int_equal(in_child(child_expect_locked, f->db), 0);

    /* Open vSwitch honours our lock. */
    if (have_ovsdb_tool()) {
        char *out;

        assert_int_not_equal(run(&out, "ovsdb-tool compact %s", f->db), 0);
        assert_non_null(strstr(out, "lock"));
        free(out);
    }

    journal_close(j);
    assert_int_equal(in_child(child_expect_unlocked, f->db), 0);
    free(lock);
}

static void
test_read_only(void **state)
{
    struct fixture *f = *state;
    json_t *recs[1] = { record(0) };
    struct journal *j;
    json_t *json;
    off_t size;

    make_log(f->db, 2);
    size = testlib_file_size(f->db);
    assert_int_equal(chmod(f->db, 0400), 0);
    assert_int_equal(journal_open(f->db, JOURNAL_READ_ONLY, &j), 0);
    assert_int_equal(journal_read(j, &json), 0);
    assert_record(json, 0);
    assert_int_equal(journal_write(j, recs[0], true), -EBADF);
    assert_int_equal(journal_replace(j, recs, 1), -EBADF);
    assert_int_equal(journal_read(j, &json), 0);
    assert_record(json, 1);
    journal_close(j);
    assert_int_equal(testlib_file_size(f->db), size);
    json_decref(recs[0]);
}

/* Interchange with Open vSwitch. */

/* Creates the Open vSwitch standalone database 'path' with the VTEP
 * schema, with ovsdb-tool. */
static void
ovs_create(const char *path)
{
    assert_int_equal(run(NULL, "ovsdb-tool create %s %s", path, VTEP_SCHEMA),
                     0);
}

/* Returns what ovsdb-tool selects from table Logical_Switch of 'path', as
 * a new string (free() it); fails the test if ovsdb-tool fails. */
static char *
ovs_select_ls(const char *path)
{
    char *out;

    assert_int_equal(run(&out, "ovsdb-tool query %s '[\"hardware_vtep\","
                         "{\"op\":\"select\",\"table\":\"Logical_Switch\","
                         "\"where\":[]}]'", path), 0);
    return out;
}

/* Returns a new transaction record that inserts Logical_Switch LS_UUID
 * named "ls0", with comment "x"; release it with json_decref(). */
static json_t *
ls0_txn(void)
{
    return json_pack("{s:{s:{s:s}}, s:I, s:s}",
                     "Logical_Switch", LS_UUID, "name", "ls0",
                     "_date", (json_int_t) time_wall_msec(),
                     "_comment", "x");
}

#define SKIP_WITHOUT_OVS()                                              \
    do {                                                                \
        if (!have_ovsdb_tool()) {                                       \
            print_message("ovsdb-tool or %s missing: skipped\n",       \
                          VTEP_SCHEMA);                                 \
            skip();                                                     \
        }                                                               \
    } while (0)

static void
test_ovs_file_opens(void **state)
{
    struct fixture *f = *state;
    struct journal *j;
    json_t *json, *ls;
    char *out;

    SKIP_WITHOUT_OVS();
    ovs_create(f->db);
    assert_int_equal(run(&out, "ovsdb-tool transact %s '[\"hardware_vtep\","
                         "{\"op\":\"insert\",\"table\":\"Logical_Switch\","
                         "\"row\":{\"name\":\"ls-ovs\"}},"
                         "{\"op\":\"comment\",\"comment\":\"from ovs\"}]'",
                         f->db), 0);
    free(out);

    assert_int_equal(journal_open(f->db, JOURNAL_READ_WRITE, &j), 0);
    assert_int_equal(journal_n_records(j), 2);
    assert_int_equal(journal_size(j), testlib_file_size(f->db));
    assert_int_equal(journal_read(j, &json), 0);
    assert_string_equal(json_string_value(json_object_get(json, "name")),
                        "hardware_vtep");
    assert_non_null(json_object_get(json_object_get(json, "tables"),
                                    "Ucast_Macs_Remote"));
    json_decref(json);
    assert_int_equal(journal_read(j, &json), 0);
    assert_string_equal(json_string_value(json_object_get(json, "_comment")),
                        "from ovs");
    ls = json_object_get(json, "Logical_Switch");
    assert_int_equal(json_object_size(ls), 1);
    json_decref(json);
    assert_int_equal(journal_read(j, &json), 0);
    assert_null(json);

    /* Append to OVS's file; ovsdb-tool reads both transactions. */
    json = ls0_txn();
    assert_int_equal(journal_write(j, json, true), 0);
    json_decref(json);
    journal_close(j);

    out = ovs_select_ls(f->db);
    assert_non_null(strstr(out, "ls-ovs"));
    assert_non_null(strstr(out, "\"ls0\""));
    assert_non_null(strstr(out, LS_UUID));
    free(out);
}

static void
test_journal_file_accepted_by_ovs(void **state)
{
    struct fixture *f = *state;
    char *ovs_db = xasprintf("%s/ovs.db", f->dir);
    struct journal *j;
    json_t *schema, *txn;
    char *out;

    SKIP_WITHOUT_OVS();
    ovs_create(ovs_db);
    assert_int_equal(journal_open(ovs_db, JOURNAL_READ_ONLY, &j), 0);
    assert_int_equal(journal_read(j, &schema), 0);
    assert_non_null(schema);
    journal_close(j);

    assert_int_equal(journal_open(f->db, JOURNAL_CREATE_EXCL, &j), 0);
    assert_int_equal(journal_write(j, schema, true), 0);
    txn = ls0_txn();
    assert_int_equal(journal_write(j, txn, true), 0);
    journal_close(j);

    assert_int_equal(run(&out, "ovsdb-tool show-log %s", f->db), 0);
    assert_non_null(strstr(out, "record 0: \"hardware_vtep\" schema"));
    assert_non_null(strstr(out, "record 1:"));
    assert_non_null(strstr(out, "\"x\""));
    free(out);
    out = ovs_select_ls(f->db);
    assert_non_null(strstr(out, "\"ls0\""));
    assert_non_null(strstr(out, LS_UUID));
    free(out);

    /* A compacted file too. */
    assert_int_equal(journal_open(f->db, JOURNAL_READ_WRITE, &j), 0);
    json_t *recs[2] = { schema, txn };
    assert_int_equal(journal_replace(j, recs, 2), 0);
    journal_close(j);
    out = ovs_select_ls(f->db);
    assert_non_null(strstr(out, LS_UUID));
    free(out);

    json_decref(schema);
    json_decref(txn);
    free(ovs_db);
}

static void
test_torn_ovs_file_repaired_for_ovs(void **state)
{
    struct fixture *f = *state;
    struct journal *j;
    json_t *json;
    char *out;

    SKIP_WITHOUT_OVS();
    ovs_create(f->db);
    assert_int_equal(run(NULL, "ovsdb-tool transact %s '[\"hardware_vtep\","
                         "{\"op\":\"insert\",\"table\":\"Logical_Switch\","
                         "\"row\":{\"name\":\"ls-torn\"}}]'", f->db), 0);
    assert_int_equal(truncate(f->db, testlib_file_size(f->db) - 10), 0);

    /* ovsdb-tool refuses a torn file... */
    assert_int_not_equal(run(NULL, "ovsdb-tool show-log %s", f->db), 0);

    /* ...which opening it read-write repairs. */
    assert_int_equal(journal_open(f->db, JOURNAL_READ_WRITE, &j), 0);
    assert_int_equal(journal_n_records(j), 1);
    json = json_pack("{s:{s:{s:s}}, s:I}", "Logical_Switch", LS_UUID,
                     "name", "ls-after", "_date",
                     (json_int_t) time_wall_msec());
    assert_int_equal(journal_write(j, json, true), 0);
    json_decref(json);
    journal_close(j);

    out = ovs_select_ls(f->db);
    assert_non_null(strstr(out, "ls-after"));
    assert_null(strstr(out, "ls-torn"));
    free(out);
}

#define T(NAME) cmocka_unit_test_setup_teardown(NAME, setup, teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_roundtrip),
        T(test_write_rejects_scalars),
        T(test_create_excl_existing),
        T(test_open_missing),
        T(test_not_standalone),
        T(test_torn_cut_body),
        T(test_torn_cut_header),
        T(test_torn_garbage),
        T(test_torn_wrong_hash),
        T(test_torn_bad_json),
        T(test_replace),
        T(test_replace_failure_keeps_old),
        T(test_replace_through_symlink),
        T(test_lock),
        T(test_read_only),
        T(test_ovs_file_opens),
        T(test_journal_file_accepted_by_ovs),
        T(test_torn_ovs_file_repaired_for_ovs),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

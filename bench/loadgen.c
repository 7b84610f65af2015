/*
 * scoreline load generator: drives a points server (or the bare baseline) and prints one JSON line.
 *
 *   loadgen --mode oneshot|persistent|udp --port P[,P...] [--host 127.0.0.1] [--concurrency 16]
 *           [--duration 5] [--warmup 1] [--timeout-ms 2000] [--threads 1] [--request TEXT] [--expect PREFIX]
 *
 * oneshot:    per request: connect, send "REQUEST_LATEST_POINTS\n", read the reply to EOF, close.
 * persistent: one connection per client, "REQUEST_LATEST_POINTS KEEP-ALIVE\n" then one reply line, repeated.
 * udp:        one connected UDP socket per client, one datagram "REQUEST_LATEST_POINTS", await one back.
 * Each client has one request in flight (closed loop). Ports are spread round-robin over the clients.
 * A reply must start with --expect (default "User: ") and, on TCP, end with '\n'; otherwise it is an error.
 * Latency is from the first syscall of a request (socket() for oneshot, send for the others) to its reply.
 * Only requests that start after the warm-up and finish before the end are counted. The generator's own CPU
 * use over the measured window (getrusage) is reported as cpu_share (1.0 = one core busy), so a reader can
 * tell whether the generator or the server was the bottleneck.
 *
 * Built at run time by bench/loadgen.ts with `cc -O2 -pthread`. One epoll loop per thread, level-triggered.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum mode { ONESHOT, PERSISTENT, UDP };
enum { E_CONNECT, E_RESET, E_BAD_REPLY, E_CLOSED, E_KINDS };
static const char *error_names[E_KINDS] = { "connect", "reset", "bad_reply", "closed_early" };

static enum mode mode = ONESHOT;
static const char *host = "127.0.0.1";
static int ports[256], nports = 0;
static int concurrency = 16, threads = 1;
static double duration = 5, warmup = 1;
static long timeout_ns = 2000L * 1000000L;
static const char *request = NULL, *expect = "User: ";
static size_t request_len, expect_len;
static int64_t t_measure, t_end; /* ns, CLOCK_MONOTONIC */
static atomic_int stop = 0;

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000L + ts.tv_nsec;
}

struct client {
  int fd, port, connecting;
  int64_t started;
  size_t got;
  char buf[4096];
};

struct worker {
  pthread_t thread;
  int epfd, nclients;
  struct client *clients;
  uint64_t *lat; size_t nlat, caplat;
  uint64_t errors[E_KINDS], timeouts;
};

static void record(struct worker *w, int64_t started, int64_t done) {
  if (started < t_measure || done > t_end) return;
  if (w->nlat == w->caplat) {
    w->caplat = w->caplat ? w->caplat * 2 : 65536;
    w->lat = realloc(w->lat, w->caplat * sizeof *w->lat);
    if (!w->lat) { perror("realloc"); exit(2); }
  }
  w->lat[w->nlat++] = (uint64_t)(done - started);
}

static void fail(struct worker *w, int kind, int64_t started) {
  if (started >= t_measure && now_ns() <= t_end) w->errors[kind]++;
}

static int open_socket(struct worker *w, struct client *c) {
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(c->port) };
  inet_pton(AF_INET, host, &addr.sin_addr);
  int fd = socket(AF_INET, (mode == UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) { perror("socket"); exit(2); }
  if (mode != UDP) { int one = 1; setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); }
  int r = connect(fd, (struct sockaddr *)&addr, sizeof addr);
  c->fd = fd;
  c->connecting = r < 0 && errno == EINPROGRESS;
  if (r < 0 && !c->connecting) { close(fd); c->fd = -1; return -1; }
  struct epoll_event ev = { .events = c->connecting ? EPOLLOUT : EPOLLIN, .data.u32 = (uint32_t)(c - w->clients) };
  epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev);
  return 0;
}

static void drop(struct client *c) {
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
}

/* Starts the client's next request; on a persistent or UDP client the socket is reused. */
static void begin(struct worker *w, struct client *c) {
  for (;;) {
    if (atomic_load(&stop)) return;
    c->started = now_ns();
    c->got = 0;
    if (c->fd < 0 && open_socket(w, c) < 0) { fail(w, E_CONNECT, c->started); continue; }
    if (c->connecting) return; /* the request goes out once connected */
    ssize_t n = send(c->fd, request, request_len, MSG_NOSIGNAL);
    if (n == (ssize_t)request_len) return;
    fail(w, errno == ECONNREFUSED ? E_CONNECT : E_RESET, c->started);
    drop(c);
  }
}

static int reply_ok(struct client *c) {
  if (c->got < expect_len || memcmp(c->buf, expect, expect_len) != 0) return 0;
  return mode == UDP || c->buf[c->got - 1] == '\n';
}

static void on_event(struct worker *w, struct client *c, uint32_t events) {
  if (c->connecting) {
    int err = 0; socklen_t len = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) { fail(w, E_CONNECT, c->started); drop(c); begin(w, c); return; }
    c->connecting = 0;
    struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)(c - w->clients) };
    epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev);
    if (send(c->fd, request, request_len, MSG_NOSIGNAL) != (ssize_t)request_len) {
      fail(w, E_RESET, c->started); drop(c); begin(w, c);
    }
    return;
  }
  (void)events;
  for (;;) {
    ssize_t n = recv(c->fd, c->buf + c->got, sizeof c->buf - c->got, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (mode == PERSISTENT && c->got > 0 && c->buf[c->got - 1] == '\n') break;
      return; /* more to come */
    }
    if (n < 0) { fail(w, errno == ECONNREFUSED ? E_CONNECT : E_RESET, c->started); drop(c); begin(w, c); return; }
    if (n == 0) { /* EOF: the end of a one-shot reply, anything else closed too early */
      int ok = mode == ONESHOT && reply_ok(c);
      if (ok) record(w, c->started, now_ns()); else fail(w, c->got ? E_BAD_REPLY : E_CLOSED, c->started);
      drop(c); begin(w, c); return;
    }
    c->got += (size_t)n;
    if (mode == UDP) break;
    if (c->got == sizeof c->buf) { fail(w, E_BAD_REPLY, c->started); drop(c); begin(w, c); return; }
  }
  /* A whole datagram, or a persistent reply line. */
  if (reply_ok(c) && (mode == UDP || memchr(c->buf, '\n', c->got) == c->buf + c->got - 1)) record(w, c->started, now_ns());
  else { fail(w, E_BAD_REPLY, c->started); drop(c); }
  begin(w, c);
}

static void *run_worker(void *arg) {
  struct worker *w = arg;
  struct epoll_event events[256];
  for (int i = 0; i < w->nclients; i++) begin(w, &w->clients[i]);
  int64_t next_scan = now_ns() + 10000000L;
  while (!atomic_load(&stop)) {
    int n = epoll_wait(w->epfd, events, 256, 10);
    for (int i = 0; i < n; i++) on_event(w, &w->clients[events[i].data.u32], events[i].events);
    int64_t t = now_ns();
    if (t < next_scan) continue;
    next_scan = t + 10000000L;
    for (int i = 0; i < w->nclients; i++) { /* requests that outlived --timeout-ms start over */
      struct client *c = &w->clients[i];
      if (c->fd >= 0 && t - c->started > timeout_ns) {
        if (c->started >= t_measure && t <= t_end) w->timeouts++;
        drop(c); begin(w, c);
      }
    }
  }
  for (int i = 0; i < w->nclients; i++) drop(&w->clients[i]);
  return NULL;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static double pct_us(uint64_t *v, size_t n, double p) {
  if (n == 0) return 0;
  size_t i = (size_t)(p / 100.0 * (double)n);
  if (i >= n) i = n - 1;
  return (double)v[i] / 1000.0;
}

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void sleep_until(int64_t t) {
  for (int64_t d; (d = t - now_ns()) > 0;) {
    struct timespec ts = { d / 1000000000L, d % 1000000000L };
    nanosleep(&ts, NULL);
  }
}

static void usage(void) {
  fprintf(stderr, "usage: loadgen --mode oneshot|persistent|udp --port P[,P...] [--host H] [--concurrency N] "
                  "[--duration S] [--warmup S] [--timeout-ms MS] [--threads T] [--request TEXT] [--expect PREFIX]\n");
  exit(2);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!v) usage();
    i++;
    if (!strcmp(a, "--mode")) mode = !strcmp(v, "oneshot") ? ONESHOT : !strcmp(v, "persistent") ? PERSISTENT : !strcmp(v, "udp") ? UDP : (usage(), 0);
    else if (!strcmp(a, "--host")) host = v;
    else if (!strcmp(a, "--port")) for (char *s = strdup(v), *t; (t = strsep(&s, ",")) && nports < 256;) ports[nports++] = atoi(t);
    else if (!strcmp(a, "--concurrency")) concurrency = atoi(v);
    else if (!strcmp(a, "--duration")) duration = atof(v);
    else if (!strcmp(a, "--warmup")) warmup = atof(v);
    else if (!strcmp(a, "--timeout-ms")) timeout_ns = atol(v) * 1000000L;
    else if (!strcmp(a, "--threads")) threads = atoi(v);
    else if (!strcmp(a, "--request")) request = v;
    else if (!strcmp(a, "--expect")) expect = v;
    else usage();
  }
  if (nports == 0 || concurrency < 1 || threads < 1 || duration <= 0) usage();
  if (threads > concurrency) threads = concurrency;
  if (!request) request = mode == ONESHOT ? "REQUEST_LATEST_POINTS\n" : mode == PERSISTENT ? "REQUEST_LATEST_POINTS KEEP-ALIVE\n" : "REQUEST_LATEST_POINTS";
  request_len = strlen(request);
  expect_len = strlen(expect);

  int64_t t0 = now_ns();
  t_measure = t0 + (int64_t)(warmup * 1e9);
  t_end = t_measure + (int64_t)(duration * 1e9);
  struct worker *workers = calloc((size_t)threads, sizeof *workers);
  for (int t = 0, next = 0; t < threads; t++) {
    struct worker *w = &workers[t];
    w->nclients = concurrency / threads + (t < concurrency % threads);
    w->clients = calloc((size_t)w->nclients, sizeof *w->clients);
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    for (int i = 0; i < w->nclients; i++, next++) { w->clients[i].fd = -1; w->clients[i].port = ports[next % nports]; }
    pthread_create(&w->thread, NULL, run_worker, w);
  }
  sleep_until(t_measure);
  double cpu0 = cpu_seconds();
  sleep_until(t_end);
  double cpu1 = cpu_seconds();
  atomic_store(&stop, 1);

  size_t total = 0;
  uint64_t errors[E_KINDS] = { 0 }, timeouts = 0;
  for (int t = 0; t < threads; t++) {
    pthread_join(workers[t].thread, NULL);
    total += workers[t].nlat;
    timeouts += workers[t].timeouts;
    for (int k = 0; k < E_KINDS; k++) errors[k] += workers[t].errors[k];
  }
  uint64_t *all = malloc((total ? total : 1) * sizeof *all);
  for (int t = 0, at = 0; t < threads; t++) {
    memcpy(all + at, workers[t].lat, workers[t].nlat * sizeof *all);
    at += (int)workers[t].nlat;
  }
  qsort(all, total, sizeof *all, cmp_u64);
  uint64_t error_total = 0;
  for (int k = 0; k < E_KINDS; k++) error_total += errors[k];
  printf("{\"mode\":\"%s\",\"concurrency\":%d,\"threads\":%d,\"duration_s\":%.3f,\"requests\":%zu,\"rps\":%.1f,"
         "\"p50_ms\":%.4f,\"p99_ms\":%.4f,\"p999_ms\":%.4f,\"max_ms\":%.4f,\"errors\":%llu,\"timeouts\":%llu,\"error_kinds\":{",
         mode == ONESHOT ? "oneshot" : mode == PERSISTENT ? "persistent" : "udp", concurrency, threads, duration, total,
         (double)total / duration, pct_us(all, total, 50) / 1000, pct_us(all, total, 99) / 1000,
         pct_us(all, total, 99.9) / 1000, total ? (double)all[total - 1] / 1e6 : 0,
         (unsigned long long)error_total, (unsigned long long)timeouts);
  for (int k = 0; k < E_KINDS; k++) printf("%s\"%s\":%llu", k ? "," : "", error_names[k], (unsigned long long)errors[k]);
  printf("},\"cpu_share\":%.3f}\n", (cpu1 - cpu0) / duration);
  return 0;
}

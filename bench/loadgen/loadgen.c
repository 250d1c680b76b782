/*
 * loadgen: a WebSocket echo load generator (plain C, epoll, no third-party code).
 *
 * Opens N connections, upgrades them all (checking 101 and Sec-WebSocket-Accept) before any
 * traffic, then keeps K messages in flight per connection with pre-built masked frames, counts
 * echoed frames by parsing headers only (payloads are skipped, never copied), and reports
 * messages/s, MB/s, latency p50/p99 and its own CPU use.
 *
 *   loadgen --port P [--host 127.0.0.1] [--conns N] [--inflight K] [--size S] [--text|--binary]
 *           [--duration SECS] [--warmup SECS] [--path /] [--json] [--idle] [--sink T] [--accept [--window W]]
 *
 * --idle: connect and upgrade N connections, print "READY <n>" and hold them (no traffic) until
 * stdin closes or --duration elapses.
 * --sink T: connect and upgrade N connections, print "READY <n>", then only read, counting data
 * frames; when T frames have arrived print "DONE <CLOCK_MONOTONIC ns>" (for broadcast runs).
 * --cpu-of PID: also report the CPU time process PID (the server) spent in the measured window
 * (from /proc/PID/stat, all its threads): under load from other processes a server's CPU per
 * message moves far less than its rate.
 * --accept: open and upgrade N connections as fast as the server accepts them, at most --window W
 * (default 64) handshakes outstanding at once, holding every upgraded connection open; print the
 * upgrades per second from the first connect to the last 101 (JSON with --json), then reset them
 * all (SO_LINGER 0: no TIME_WAIT, so repeated runs do not run out of ports).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* RFC 6455 §1.3 example: this key's accept value is known, so no SHA-1 is needed here. */
#define WS_KEY "dGhlIHNhbXBsZSBub25jZQ=="
#define WS_ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

#define RBUF (256 * 1024)
#define HBUCKETS (64 * 16)

typedef struct {
  int fd;
  int upgraded;
  int requested; /* --accept: the upgrade request is out, the response is awaited */
  char hs[4096];
  int hs_len;
  /* frame parsing state: header bytes gathered, payload bytes still to skip */
  uint8_t hdr[14];
  int hdr_have;
  uint64_t skip;
  int cur_op;
  /* in-flight send timestamps, FIFO ring of K */
  uint64_t *sent_at;
  int ring_head, ring_count;
  /* bytes of the outgoing buffer still to write (partial writes) */
  size_t out_off, out_len;
} conn_t;

static const char *host = "127.0.0.1", *path = "/";
static long long sink_target = 0;
static int port = 0, nconns = 1, inflight = 16, size = 16, text = 0, json = 0, idle = 0, accept_mode = 0, window = 64;
static double duration = 5, warmup = 1;
static int cpu_of = 0; /* --cpu-of: the server's pid, 0 = none */
static uint8_t *frames; /* K copies of one masked frame */
static size_t frame_len;
static uint64_t hist[HBUCKETS];
static uint64_t msgs, payload_bytes, errors;
static int measuring;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* log-linear histogram of microseconds: 16 sub-buckets per power of two */
static int bucket_of(uint64_t us) {
  if (us < 16) return (int)us;
  int lg = 63 - __builtin_clzll(us);
  int sub = (int)((us >> (lg - 4)) & 15);
  int b = (lg - 3) * 16 + sub;
  return b < HBUCKETS ? b : HBUCKETS - 1;
}
static double bucket_value(int b) {
  if (b < 16) return b;
  int lg = b / 16 + 3, sub = b % 16;
  return (double)((16ull + (uint64_t)sub) << (lg - 4));
}
static double percentile(double p) {
  uint64_t total = 0, acc = 0;
  for (int i = 0; i < HBUCKETS; i++) total += hist[i];
  if (total == 0) return 0;
  uint64_t want = (uint64_t)(p * (double)total);
  for (int i = 0; i < HBUCKETS; i++) {
    acc += hist[i];
    if (acc > want) return bucket_value(i);
  }
  return bucket_value(HBUCKETS - 1);
}

static void build_frames(void) {
  size_t hl = 2 + (size < 126 ? 0 : size < 65536 ? 2 : 8) + 4;
  frame_len = hl + (size_t)size;
  frames = malloc(frame_len * (size_t)inflight);
  uint8_t *f = frames;
  f[0] = 0x80 | (text ? 1 : 2);
  size_t o = 2;
  if (size < 126) f[1] = 0x80 | (uint8_t)size;
  else if (size < 65536) { f[1] = 0x80 | 126; f[2] = (uint8_t)(size >> 8); f[3] = (uint8_t)size; o = 4; }
  else { f[1] = 0x80 | 127; for (int i = 0; i < 8; i++) f[2 + i] = (uint8_t)((uint64_t)size >> (56 - 8 * i)); o = 10; }
  uint8_t key[4] = {0x12, 0x34, 0x56, 0x78};
  memcpy(f + o, key, 4);
  o += 4;
  /* text payload is ASCII so it is valid UTF-8; masked once here, sent many times */
  for (int i = 0; i < size; i++) f[o + i] = (uint8_t)('a' + i % 26) ^ key[i & 3];
  for (int k = 1; k < inflight; k++) memcpy(frames + frame_len * (size_t)k, frames, frame_len);
}

static int set_nonblock(int fd) { return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

static int upgrade_request(char *req, size_t cap) {
  return snprintf(req, cap,
                  "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Key: " WS_KEY "\r\nSec-WebSocket-Version: 13\r\n\r\n", path, host, port);
}

/* the response head gathered so far in c->hs: 1 = a valid 101, 0 = incomplete, -1 = refused */
static int check_response(conn_t *c) {
  char *end = strstr(c->hs, "\r\n\r\n");
  if (!end) return c->hs_len >= (int)sizeof c->hs - 1 ? -1 : 0;
  if (strncmp(c->hs, "HTTP/1.1 101", 12) != 0) return -1;
  if (!strcasestr(c->hs, "Sec-WebSocket-Accept: " WS_ACCEPT)) return -1;
  return 1;
}

static int open_conn(struct sockaddr_in *sa) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, (struct sockaddr *)sa, sizeof *sa) < 0) { close(fd); return -1; }
  return fd;
}

/* blocking handshake, one connection at a time (before traffic: no effect on measurements) */
static int handshake(conn_t *c) {
  char req[512];
  int n = upgrade_request(req, sizeof req);
  if (write(c->fd, req, (size_t)n) != n) return -1;
  c->hs_len = 0;
  for (;;) {
    ssize_t r = read(c->fd, c->hs + c->hs_len, sizeof c->hs - 1 - (size_t)c->hs_len);
    if (r <= 0) return -1;
    c->hs_len += (int)r;
    c->hs[c->hs_len] = 0;
    int ok = check_response(c);
    /* bytes after the head would be frames: none are expected before we send */
    if (ok != 0) return ok > 0 ? 0 : -1;
  }
}

/* --accept: nonblocking connects, W handshakes in flight; returns the process exit code */
static int run_accept(struct sockaddr_in *sa) {
  conn_t *conns = calloc((size_t)nconns, sizeof(conn_t));
  int ep = epoll_create1(0);
  char req[512];
  int reqlen = upgrade_request(req, sizeof req);
  int started = 0, upgraded = 0, pending = 0;
  struct epoll_event evs[512];
  uint64_t t0 = now_ns();
  uint64_t give_up = t0 + (uint64_t)(duration * 1e9);
  while (upgraded + (int)errors < nconns && now_ns() < give_up) {
    while (pending < window && started < nconns) {
      conn_t *c = &conns[started++];
      c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      int one = 1;
      setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (c->fd < 0 || (connect(c->fd, (struct sockaddr *)sa, sizeof *sa) < 0 && errno != EINPROGRESS)) { errors++; continue; }
      struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
      epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
      pending++;
    }
    int n = epoll_wait(ep, evs, 512, 100);
    for (int e = 0; e < n; e++) {
      conn_t *c = evs[e].data.ptr;
      int ok = 0;
      if (!c->requested) {
        /* connected (or failed): send the request, then wait for the response */
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0 || write(c->fd, req, (size_t)reqlen) != reqlen) ok = -1;
        else {
          c->requested = 1;
          struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
          epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
          continue;
        }
      } else {
        ssize_t r = read(c->fd, c->hs + c->hs_len, sizeof c->hs - 1 - (size_t)c->hs_len);
        if (r < 0 && errno == EAGAIN) continue;
        if (r <= 0) ok = -1;
        else {
          c->hs_len += (int)r;
          c->hs[c->hs_len] = 0;
          ok = check_response(c);
        }
      }
      if (ok == 0) continue;
      epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
      pending--;
      if (ok > 0) upgraded++, c->upgraded = 1;
      else errors++;
    }
  }
  double secs = (double)(now_ns() - t0) / 1e9;
  if (json) printf("{\"conns\":%d,\"upgraded\":%d,\"seconds\":%.4f,\"perSec\":%.1f,\"errors\":%llu}\n", nconns, upgraded, secs, upgraded / secs, (unsigned long long)errors);
  else printf("%d of %d connections upgraded in %.3f s: %.0f/s, errors %llu\n", upgraded, nconns, secs, upgraded / secs, (unsigned long long)errors);
  fflush(stdout);
  struct linger reset = {1, 0};
  for (int i = 0; i < started; i++) {
    if (conns[i].fd < 0) continue;
    setsockopt(conns[i].fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    close(conns[i].fd);
  }
  return upgraded == nconns ? 0 : 1;
}

static void flush_out(conn_t *c, int ep) {
  while (c->out_off < c->out_len) {
    ssize_t w = write(c->fd, frames + c->out_off, c->out_len - c->out_off);
    if (w < 0) {
      if (errno == EAGAIN) {
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
        epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        return;
      }
      errors++;
      return;
    }
    c->out_off += (size_t)w;
  }
  c->out_off = c->out_len = 0;
}

/* queue `count` more frames (count ≤ K) and stamp their send times */
static void send_frames(conn_t *c, int count, int ep) {
  uint64_t t = now_ns();
  for (int i = 0; i < count; i++) {
    c->sent_at[(c->ring_head + c->ring_count) % inflight] = t;
    c->ring_count++;
  }
  if (c->out_len == 0) {
    c->out_off = 0;
    c->out_len = frame_len * (size_t)count;
    flush_out(c, ep);
  } else {
    /* a partial write is pending. The buffer holds K identical frames, so "the rest of the
     * pending bytes + `count` more frames" is exactly a suffix of it: same offset within a frame. */
    size_t left = c->out_len - c->out_off;
    size_t add = frame_len * (size_t)count;
    if (left + add > frame_len * (size_t)inflight) add = frame_len * (size_t)inflight - left;
    c->out_off = frame_len * (size_t)inflight - left - add;
    c->out_len = frame_len * (size_t)inflight;
    flush_out(c, ep);
  }
}

/* parse frame headers in buf; returns data frames completed */
static int consume(conn_t *c, const uint8_t *buf, size_t n) {
  int done = 0;
  size_t i = 0;
  while (i < n) {
    if (c->skip > 0) {
      size_t take = (size_t)(c->skip < (uint64_t)(n - i) ? c->skip : (n - i));
      c->skip -= take;
      i += take;
      if (c->skip == 0 && c->cur_op >= 0) { if (c->cur_op == 1 || c->cur_op == 2) done++; c->cur_op = -1; }
      continue;
    }
    c->hdr[c->hdr_have++] = buf[i++];
    if (c->hdr_have < 2) continue;
    int len7 = c->hdr[1] & 0x7f;
    int need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((c->hdr[1] & 0x80) ? 4 : 0);
    if (c->hdr_have < need) continue;
    uint64_t len = (uint64_t)len7;
    if (len7 == 126) len = ((uint64_t)c->hdr[2] << 8) | c->hdr[3];
    else if (len7 == 127) { len = 0; for (int k = 0; k < 8; k++) len = (len << 8) | c->hdr[2 + k]; }
    int op = c->hdr[0] & 0x0f, fin = c->hdr[0] & 0x80;
    c->hdr_have = 0;
    /* a message counts when its final frame ends (continuations carry op 0) */
    c->cur_op = fin ? (op == 0 ? 1 : op) : -1;
    if (op == 8) { errors++; c->cur_op = -1; }
    c->skip = len;
    if (len == 0 && c->cur_op >= 0) { if (c->cur_op == 1 || c->cur_op == 2) done++; c->cur_op = -1; }
  }
  return done;
}

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* CPU seconds (user + system, all threads) of process `pid`, or -1 if unreadable */
static double process_cpu_seconds(int pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  /* fields after the command name, which is in parentheses and may hold spaces */
  char *p = strrchr(buf, ')');
  unsigned long long utime, stime;
  if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2) return -1;
  return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : "";
    if (!strcmp(a, "--host")) host = v, i++;
    else if (!strcmp(a, "--port")) port = atoi(v), i++;
    else if (!strcmp(a, "--conns")) nconns = atoi(v), i++;
    else if (!strcmp(a, "--inflight")) inflight = atoi(v), i++;
    else if (!strcmp(a, "--size")) size = atoi(v), i++;
    else if (!strcmp(a, "--duration")) duration = atof(v), i++;
    else if (!strcmp(a, "--warmup")) warmup = atof(v), i++;
    else if (!strcmp(a, "--path")) path = v, i++;
    else if (!strcmp(a, "--text")) text = 1;
    else if (!strcmp(a, "--binary")) text = 0;
    else if (!strcmp(a, "--json")) json = 1;
    else if (!strcmp(a, "--idle")) idle = 1;
    else if (!strcmp(a, "--sink")) sink_target = atoll(v), i++;
    else if (!strcmp(a, "--accept")) accept_mode = 1;
    else if (!strcmp(a, "--cpu-of")) cpu_of = atoi(v), i++;
    else if (!strcmp(a, "--window")) window = atoi(v), i++;
    else { fprintf(stderr, "unknown option %s\n", a); return 2; }
  }
  if (port <= 0 || nconns <= 0 || inflight <= 0 || size < 0 || window <= 0) { fprintf(stderr, "usage: see the header comment\n"); return 2; }
  struct rlimit rl = {65536, 65536};
  setrlimit(RLIMIT_NOFILE, &rl);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, host, &sa.sin_addr);
  if (accept_mode) return run_accept(&sa);
  conn_t *conns = calloc((size_t)nconns, sizeof(conn_t));
  for (int i = 0; i < nconns; i++) {
    conns[i].fd = open_conn(&sa);
    if (conns[i].fd < 0 || handshake(&conns[i]) < 0) { fprintf(stderr, "connection %d failed to upgrade\n", i); return 1; }
    conns[i].upgraded = 1;
    conns[i].cur_op = -1;
    set_nonblock(conns[i].fd);
  }
  if (idle) {
    printf("READY %d\n", nconns);
    fflush(stdout);
    struct pollfd p = {.fd = 0, .events = POLLIN};
    poll(&p, 1, (int)(duration * 1000));
    return 0;
  }
  if (sink_target > 0) {
    int sep = epoll_create1(0);
    for (int i = 0; i < nconns; i++) {
      struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &conns[i]};
      epoll_ctl(sep, EPOLL_CTL_ADD, conns[i].fd, &ev);
    }
    printf("READY %d\n", nconns);
    fflush(stdout);
    uint8_t *sbuf = malloc(RBUF);
    struct epoll_event sevs[512];
    long long seen = 0;
    uint64_t give_up = now_ns() + (uint64_t)(duration * 1e9);
    while (seen < sink_target && now_ns() < give_up) {
      int n = epoll_wait(sep, sevs, 512, 100);
      for (int e = 0; e < n; e++) {
        conn_t *c = sevs[e].data.ptr;
        for (;;) {
          ssize_t r = read(c->fd, sbuf, RBUF);
          if (r > 0) { seen += consume(c, sbuf, (size_t)r); if (r < RBUF) break; continue; }
          if (r == 0 || errno != EAGAIN) { errors++; epoll_ctl(sep, EPOLL_CTL_DEL, c->fd, NULL); }
          break;
        }
      }
    }
    printf("DONE %llu %lld %llu\n", (unsigned long long)now_ns(), seen, (unsigned long long)errors);
    fflush(stdout);
    // the connections stay open a moment: the server's CPU read at DONE must not include its
    // handling of 10,000 closes
    usleep(500000);
    return seen >= sink_target ? 0 : 1;
  }
  build_frames();
  int ep = epoll_create1(0);
  for (int i = 0; i < nconns; i++) {
    conns[i].sent_at = calloc((size_t)inflight, sizeof(uint64_t));
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &conns[i]};
    epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
  }
  uint8_t *rbuf = malloc(RBUF);
  struct epoll_event evs[512];
  uint64_t start = now_ns();
  uint64_t measure_start = start + (uint64_t)(warmup * 1e9);
  uint64_t end = measure_start + (uint64_t)(duration * 1e9);
  double cpu0 = 0, server_cpu0 = 0;
  for (int i = 0; i < nconns; i++) send_frames(&conns[i], inflight, ep);
  for (;;) {
    uint64_t t = now_ns();
    if (!measuring && t >= measure_start) {
      measuring = 1;
      msgs = payload_bytes = 0;
      memset(hist, 0, sizeof hist);
      cpu0 = cpu_seconds();
      if (cpu_of) server_cpu0 = process_cpu_seconds(cpu_of);
    }
    if (t >= end) break;
    int n = epoll_wait(ep, evs, 512, 100);
    for (int e = 0; e < n; e++) {
      conn_t *c = evs[e].data.ptr;
      if (evs[e].events & EPOLLOUT) {
        flush_out(c, ep);
        if (c->out_len == 0) {
          struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
          epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        }
      }
      if (!(evs[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
      int got = 0;
      for (;;) {
        ssize_t r = read(c->fd, rbuf, RBUF);
        if (r > 0) { got += consume(c, rbuf, (size_t)r); if (r < RBUF) break; continue; }
        if (r == 0 || errno != EAGAIN) { errors++; epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL); }
        break;
      }
      if (got == 0) continue;
      uint64_t now = now_ns();
      for (int k = 0; k < got && c->ring_count > 0; k++) {
        uint64_t lat = (now - c->sent_at[c->ring_head]) / 1000;
        c->ring_head = (c->ring_head + 1) % inflight;
        c->ring_count--;
        if (measuring) hist[bucket_of(lat)]++;
      }
      if (measuring) { msgs += (uint64_t)got; payload_bytes += (uint64_t)got * (uint64_t)size; }
      send_frames(c, got, ep);
    }
  }
  double secs = (double)(now_ns() - measure_start) / 1e9;
  double cpu = (cpu_seconds() - cpu0) / secs * 100.0;
  /* -1 when no --cpu-of or /proc was unreadable */
  double server_cpu = cpu_of && server_cpu0 >= 0 ? process_cpu_seconds(cpu_of) - server_cpu0 : -1;
  double rate = (double)msgs / secs, mbps = (double)payload_bytes / secs / 1e6;
  if (json)
    printf("{\"conns\":%d,\"inflight\":%d,\"size\":%d,\"text\":%s,\"seconds\":%.3f,\"messages\":%llu,"
           "\"msgsPerSec\":%.1f,\"mbPerSec\":%.2f,\"p50us\":%.0f,\"p99us\":%.0f,\"cpuPercent\":%.1f,\"serverCpuSec\":%.3f,\"errors\":%llu}\n",
           nconns, inflight, size, text ? "true" : "false", secs, (unsigned long long)msgs, rate, mbps,
           percentile(0.5), percentile(0.99), cpu, server_cpu, (unsigned long long)errors);
  else
    printf("%d conns x %d in flight, %d B %s: %.0f msg/s, %.2f MB/s, p50 %.0f us, p99 %.0f us, loadgen cpu %.1f%%, errors %llu\n",
           nconns, inflight, size, text ? "text" : "binary", rate, mbps, percentile(0.5), percentile(0.99), cpu,
           (unsigned long long)errors);
  return 0;
}

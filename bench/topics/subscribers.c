/*
 * subscribers: the receiving side of the cross-node topics benchmark (plain C, epoll), the SAME
 * client for every contender, so the client's cost is equal and small (a Node client process
 * pays an event per message per connection and became the bottleneck).
 *
 *   subscribers --mode qws|sio --conns N PORT [PORT...]     (connections spread over the ports)
 *
 * Connects and upgrades N connections on 127.0.0.1, prints "READY <n>" once each is subscribed
 * (qws: the server subscribes it on accept; sio: it sends Engine.IO "40" and waits for the
 * namespace's "40{...}" answer, and answers pings "2" with "3"). stdin "expect K": once every
 * connection has K more messages it prints one line (fields in µs but the count):
 *   DONE <last read> <count> <p50> <p99> <max> <p50> <p99> of the connections on the first
 *   (publishing) server <p50> <p99> of the others <read p50> <read p99>
 *   <local first p50> <p99> <local span p50> <p99> <remote first p50> <p99> <remote span p50> <p99>
 * Latency runs from the 16-digit publish stamp (µs, CLOCK_MONOTONIC, the clock the publishing
 * Node process reads with process.hrtime; at the start of a qws message or before the closing
 * `"]` of a socket.io event `42["m","<stamp>"]`) to the message's ARRIVAL: the kernel's receive
 * timestamp of the socket (SO_TIMESTAMPNS; on loopback taken when the server's write reaches the
 * receiving socket), so this process's own queueing (one thread reading 1,000 sockets) is not
 * counted. "read" latencies end when this process read the bytes instead (that queueing
 * included). Per publish: "first" is stamp → first arrival on a server's connections, "span"
 * first → last arrival there (how long that server's fan-out took), each as p50/p99 over the
 * publishes.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF (64 * 1024)

typedef struct {
  int fd, joined, remote; /* remote: on a server other than the first (the publisher) */
  long got;
  size_t have;
  uint8_t buf[BUF];
} conn_t;

static int sio;
static long expected, done_conns, received, nconns, ready;
/* arrival latencies of connections on the publishing server [0] and on the others [1]; read latencies */
static uint32_t *lat[2], *rlat;
static long lat_n[2], rlat_n, lat_cap;
static uint64_t last_us;

/* one publish: its stamp and its first and last arrival on each group of connections */
typedef struct {
  uint64_t stamp, first[2], last[2];
} pub_t;
static pub_t *pubs; /* open addressing on the stamp, 4 slots per expected publish */
static size_t pubs_mask;

static pub_t *pub_of(uint64_t stamp) {
  size_t i = (size_t)(stamp * 0x9E3779B97F4A7C15ull >> 20) & pubs_mask;
  while (pubs[i].stamp != 0 && pubs[i].stamp != stamp) i = (i + 1) & pubs_mask;
  if (pubs[i].stamp == 0) {
    pubs[i].stamp = stamp;
    pubs[i].first[0] = pubs[i].first[1] = UINT64_MAX;
  }
  return &pubs[i];
}

static uint64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000ull + (uint64_t)ts.tv_nsec / 1000;
}

/* a masked client text frame; a zero key keeps it simple and is valid (RFC 6455 §5.3) */
static void send_text(int fd, const char *s) {
  uint8_t f[16] = {0x81, (uint8_t)(0x80 | strlen(s)), 0, 0, 0, 0};
  memcpy(f + 6, s, strlen(s));
  if (write(fd, f, 6 + strlen(s)) < 0) perror("write");
}

static uint64_t real_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000ull + (uint64_t)ts.tv_nsec / 1000;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static uint32_t pct(const uint32_t *v, long n, double q) { return n ? v[(long)((double)n * q) < n ? (long)((double)n * q) : n - 1] : 0; }

/* p50 and p99 over the publishes of f(first, last, stamp) for group g (publishes it reached) */
static void publish_pct(int g, int span, uint32_t out[2]) {
  uint32_t *v = malloc((pubs_mask + 1) * sizeof *v);
  long n = 0;
  for (size_t i = 0; i <= pubs_mask; i++) {
    pub_t *p = &pubs[i];
    if (p->stamp == 0 || p->first[g] == UINT64_MAX) continue;
    uint64_t from = span ? p->first[g] : p->stamp, to = span ? p->last[g] : p->first[g];
    v[n++] = (uint32_t)(to > from ? to - from : 0);
  }
  qsort(v, (size_t)n, sizeof *v, cmp_u32);
  out[0] = pct(v, n, 0.5), out[1] = pct(v, n, 0.99);
  free(v);
}

static void report(void) {
  /* all latencies: both groups' sorted arrays merged by sorting their concatenation */
  long n = lat_n[0] + lat_n[1];
  uint32_t *all = malloc((size_t)(n ? n : 1) * sizeof *all);
  memcpy(all, lat[0], (size_t)lat_n[0] * sizeof *all);
  memcpy(all + lat_n[0], lat[1], (size_t)lat_n[1] * sizeof *all);
  for (int g = 0; g < 2; g++) qsort(lat[g], (size_t)lat_n[g], sizeof *lat[g], cmp_u32);
  qsort(all, (size_t)n, sizeof *all, cmp_u32);
  qsort(rlat, (size_t)rlat_n, sizeof *rlat, cmp_u32);
  uint32_t f[4][2];
  for (int g = 0; g < 2; g++) publish_pct(g, 0, f[2 * g]), publish_pct(g, 1, f[2 * g + 1]);
  printf("DONE %llu %ld %u %u %u %u %u %u %u %u %u %u %u %u %u %u %u %u %u\n", (unsigned long long)last_us, received, pct(all, n, 0.5),
         pct(all, n, 0.99), pct(all, n, 1), pct(lat[0], lat_n[0], 0.5), pct(lat[0], lat_n[0], 0.99), pct(lat[1], lat_n[1], 0.5),
         pct(lat[1], lat_n[1], 0.99), pct(rlat, rlat_n, 0.5), pct(rlat, rlat_n, 0.99), f[0][0], f[0][1], f[1][0], f[1][1], f[2][0], f[2][1],
         f[3][0], f[3][1]);
  fflush(stdout);
  free(all);
  received = done_conns = lat_n[0] = lat_n[1] = rlat_n = 0;
  memset(pubs, 0, (pubs_mask + 1) * sizeof *pubs);
}

/* a message stamped `stamp` that arrived at `arrived` and was read at `t` */
static void deliver(conn_t *c, const uint8_t *stamp, uint64_t t, uint64_t arrived) {
  uint64_t v = 0;
  for (int i = 0; i < 16; i++) v = v * 10 + (uint64_t)(stamp[i] - '0');
  received++;
  int g = c->remote;
  if (lat_n[g] < lat_cap) lat[g][lat_n[g]++] = (uint32_t)(arrived > v ? arrived - v : 0);
  if (rlat_n < lat_cap) rlat[rlat_n++] = (uint32_t)(t > v ? t - v : 0);
  pub_t *p = pub_of(v);
  if (arrived < p->first[g]) p->first[g] = arrived;
  if (arrived > p->last[g]) p->last[g] = arrived;
  last_us = t;
  if (++c->got == expected) {
    c->got = 0;
    if (++done_conns == nconns) report();
  }
}

static void subscribed(conn_t *c) {
  if (c->joined) return;
  c->joined = 1;
  if (++ready == nconns) {
    printf("READY %ld\n", ready);
    fflush(stdout);
  }
}

/* parses the complete frames in c->buf (server frames: unmasked) */
static void frames(conn_t *c, uint64_t t, uint64_t arrived) {
  size_t off = 0;
  while (off + 2 <= c->have) {
    uint8_t *b = c->buf + off;
    uint64_t len = b[1] & 0x7f;
    size_t h = 2;
    if (len == 126) {
      if (off + 4 > c->have) break;
      len = ((uint64_t)b[2] << 8) | b[3], h = 4;
    } else if (len == 127) {
      if (off + 10 > c->have) break;
      len = 0, h = 10;
      for (int i = 0; i < 8; i++) len = (len << 8) | b[2 + i];
    }
    if (len > BUF - 16) { fprintf(stderr, "frame too large\n"); exit(1); }
    if (off + h + len > c->have) break;
    uint8_t *p = b + h;
    if (!sio) {
      if (len >= 16) deliver(c, p, t, arrived);
    } else if (len >= 2 && p[0] == '0' && p[1] == '{') {
      send_text(c->fd, "40"); /* Engine.IO open → join the default namespace */
    } else if (len == 1 && p[0] == '2') {
      send_text(c->fd, "3");
    } else if (len >= 2 && p[0] == '4' && p[1] == '0') {
      subscribed(c); /* the server joined it to the room in its connection handler */
    } else if (len >= 20 && p[0] == '4' && p[1] == '2') {
      deliver(c, p + len - 18, t, arrived);
    }
    off += h + len;
  }
  memmove(c->buf, c->buf + off, c->have - off);
  c->have -= off;
}

static int open_conn(conn_t *c, int port) {
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  c->fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt(c->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one); /* kernel receive times */
  if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0) return -1;
  char req[512];
  int n = snprintf(req, sizeof req,
                   "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                   sio ? "/socket.io/?EIO=4&transport=websocket" : "/", port);
  if (write(c->fd, req, (size_t)n) != n) return -1;
  /* read the response head byte by byte: frames after it stay in the socket for the loop */
  char hs[4096];
  int hl = 0;
  while (hl < (int)sizeof hs - 1) {
    if (read(c->fd, hs + hl, 1) != 1) return -1;
    hs[++hl] = 0;
    if (hl >= 4 && !memcmp(hs + hl - 4, "\r\n\r\n", 4)) break;
  }
  if (strncmp(hs, "HTTP/1.1 101", 12) != 0) return -1;
  if (!sio) subscribed(c);
  return 0;
}

int main(int argc, char **argv) {
  int ports[16], np = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--mode") && i + 1 < argc) sio = !strcmp(argv[++i], "sio");
    else if (!strcmp(argv[i], "--conns") && i + 1 < argc) nconns = atol(argv[++i]);
    else if (np < 16) ports[np++] = atoi(argv[i]);
  }
  if (np == 0 || nconns < 1) { fprintf(stderr, "usage: subscribers --mode qws|sio --conns N PORT...\n"); return 2; }
  conn_t *conns = calloc((size_t)nconns, sizeof(conn_t));
  int ep = epoll_create1(0);
  for (long i = 0; i < nconns; i++) {
    conns[i].remote = i % np != 0;
    if (open_conn(&conns[i], ports[i % np]) < 0) { fprintf(stderr, "connection %ld failed\n", i); return 1; }
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &conns[i]};
    epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
  }
  struct epoll_event in = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(ep, EPOLL_CTL_ADD, 0, &in);
  struct epoll_event evs[512];
  for (;;) {
    int n = epoll_wait(ep, evs, 512, 1000);
    for (int e = 0; e < n; e++) {
      conn_t *c = evs[e].data.ptr;
      if (c == NULL) {
        char line[128];
        ssize_t r = read(0, line, sizeof line - 1);
        if (r <= 0) return 0;
        line[r] = 0;
        if (!strncmp(line, "expect ", 7)) {
          expected = atol(line + 7);
          lat_cap = expected * nconns;
          for (int g = 0; g < 2; g++) lat[g] = realloc(lat[g], (size_t)lat_cap * sizeof *lat[g]), lat_n[g] = 0;
          rlat = realloc(rlat, (size_t)lat_cap * sizeof *rlat), rlat_n = 0;
          size_t slots = 1;
          while (slots < (size_t)expected * 4) slots <<= 1;
          free(pubs);
          pubs = calloc(slots, sizeof *pubs), pubs_mask = slots - 1;
        }
        continue;
      }
      uint64_t t = now_us(), real = real_us();
      char cbuf[128];
      struct iovec iov = {.iov_base = c->buf + c->have, .iov_len = BUF - c->have};
      struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
      ssize_t r = recvmsg(c->fd, &mh, 0);
      if (r <= 0) { fprintf(stderr, "a connection closed\n"); return 1; }
      c->have += (size_t)r;
      /* the kernel's time of the last segment read, on CLOCK_REALTIME: moved to the monotonic clock */
      uint64_t arrived = t;
      for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h != NULL; h = CMSG_NXTHDR(&mh, h)) {
        if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SO_TIMESTAMPNS) continue;
        struct timespec ts;
        memcpy(&ts, CMSG_DATA(h), sizeof ts);
        uint64_t k = (uint64_t)ts.tv_sec * 1000000ull + (uint64_t)ts.tv_nsec / 1000;
        if (k <= real) arrived = t - (real - k);
      }
      frames(c, t, arrived);
    }
  }
}

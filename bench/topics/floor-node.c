/*
 * floor-node: one server process of the cross-node benchmark with no runtime at all, so the
 * benchmark can run the exact topology of the contenders (two servers, one Redis, the same
 * subscribers process) with nothing but the kernel's and Redis's share: the floor under every
 * contender's latency on this machine.
 *
 *   REDIS_URL=redis://127.0.0.1:PORT floor-node ID      (ID: one digit, distinct per process)
 *
 * It answers each WebSocket upgrade with a fixed 101 (the subscribers process sends one fixed key
 * and checks only the status line), SUBSCRIBEs to "room" on Redis with one connection and
 * PUBLISHes on another. A message from Redis published by another node goes to every local
 * connection; its own come back from Redis and are dropped, as RedisBroker does. The stdin
 * protocol is publisher.mjs's: "burst K" prints "START <µs>" and publishes K stamped messages, 50
 * per loop turn (each turn one PUBLISH pipeline and one write of the 50 frames per connection);
 * "pace K MS" publishes K, one every MS ms (one write() per connection each). Stamps are
 * CLOCK_MONOTONIC µs as 16 digits, the clock the subscribers read.
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
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 65536
#define GROUP 50
#define FRAME 18 /* a 16 B text frame: 2 header bytes + the stamp */

static const char RESPONSE[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                               "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
/* a message from the subscription: this prefix, the 17 B payload (node id + stamp), CRLF */
static const char MESSAGE[] = "*3\r\n$7\r\nmessage\r\n$4\r\nroom\r\n$17\r\n";
#define MESSAGE_LEN (sizeof MESSAGE - 1 + 17 + 2)

static int joined[MAX_CONNS], njoined;
static char id;

static void die(const char *what) {
  perror(what);
  exit(1);
}

static uint64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000ull + (uint64_t)ts.tv_nsec / 1000;
}

static void write_all(int fd, const void *p, size_t n) {
  if (write(fd, p, n) != (ssize_t)n) die("write");
}

static int redis_connect(int port) {
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) die("connect to redis");
  return fd;
}

/* writes `k` frames (k * FRAME bytes) to every joined connection */
static void fan_out(const uint8_t *frames, int k) {
  for (int i = 0; i < njoined; i++) write_all(joined[i], frames, (size_t)k * FRAME);
}

/* k stamped publishes: one PUBLISH pipeline, then the local fan-out */
static void publish(int pub, int k) {
  static uint8_t frames[GROUP * FRAME];
  static char cmds[GROUP * 64];
  size_t len = 0;
  for (int i = 0; i < k; i++) {
    char stamp[17];
    snprintf(stamp, sizeof stamp, "%016llu", (unsigned long long)now_us());
    len += (size_t)sprintf(cmds + len, "*3\r\n$7\r\nPUBLISH\r\n$4\r\nroom\r\n$17\r\n%c%s\r\n", id, stamp);
    frames[i * FRAME] = 0x81, frames[i * FRAME + 1] = 16;
    memcpy(frames + i * FRAME + 2, stamp, 16);
  }
  write_all(pub, cmds, len);
  fan_out(frames, k);
}

/* the messages read from the subscription: others' go to the local connections, GROUP frames per write */
static void relay(char *buf, size_t *have) {
  static uint8_t frames[GROUP * FRAME];
  size_t off = 0;
  int k = 0;
  for (; off + MESSAGE_LEN <= *have; off += MESSAGE_LEN) {
    if (k == GROUP) fan_out(frames, k), k = 0;
    if (memcmp(buf + off, MESSAGE, sizeof MESSAGE - 1) != 0) { fprintf(stderr, "floor-node: unexpected reply from redis\n"); exit(1); }
    const char *payload = buf + off + sizeof MESSAGE - 1;
    if (payload[0] == id) continue;
    frames[k * FRAME] = 0x81, frames[k * FRAME + 1] = 16;
    memcpy(frames + k * FRAME + 2, payload + 1, 16);
    k++;
  }
  if (k > 0) fan_out(frames, k);
  memmove(buf, buf + off, *have - off);
  *have -= off;
}

int main(int argc, char **argv) {
  const char *url = getenv("REDIS_URL");
  if (argc != 2 || url == NULL || strrchr(url, ':') == NULL) { fprintf(stderr, "usage: REDIS_URL=redis://127.0.0.1:PORT floor-node ID\n"); return 2; }
  id = argv[1][0];
  int rport = atoi(strrchr(url, ':') + 1), sub = redis_connect(rport), pub = redis_connect(rport);
  static const char SUBSCRIBE[] = "*2\r\n$9\r\nSUBSCRIBE\r\n$4\r\nroom\r\n";
  write_all(sub, SUBSCRIBE, sizeof SUBSCRIBE - 1);
  char ack[64];
  size_t got = 0;
  while (got < 4 || memcmp(ack + got - 4, ":1\r\n", 4) != 0) { /* the subscription is live */
    ssize_t r = read(sub, ack + got, sizeof ack - got);
    if (r <= 0 || (got += (size_t)r) == sizeof ack) die("subscribe");
  }

  struct sockaddr_in sa = {.sin_family = AF_INET};
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  socklen_t sl = sizeof sa;
  if (bind(l, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(l, 4096) < 0 || getsockname(l, (struct sockaddr *)&sa, &sl) < 0) die("listen");
  printf("PORT %d\n", ntohs(sa.sin_port));
  fflush(stdout);

  int ep = epoll_create1(0), timer = timerfd_create(CLOCK_MONOTONIC, 0);
  int watched[] = {l, 0, sub, pub, timer};
  for (size_t i = 0; i < sizeof watched / sizeof *watched; i++) {
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = watched[i]};
    epoll_ctl(ep, EPOLL_CTL_ADD, watched[i], &ev);
  }
  static char subbuf[1 << 16];
  size_t subhave = 0;
  long burst_left = 0, pace_left = 0;
  for (;;) {
    struct epoll_event evs[64];
    int n = epoll_wait(ep, evs, 64, burst_left > 0 ? 0 : -1);
    for (int e = 0; e < n; e++) {
      int fd = evs[e].data.fd;
      char buf[4096];
      if (fd == l) {
        int c = accept(l, NULL, NULL);
        if (c < 0) die("accept");
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = c};
        epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
      } else if (fd == 0) {
        ssize_t r = read(0, buf, sizeof buf - 1);
        if (r <= 0) return 0;
        buf[r] = 0;
        long k = 0, ms = 0;
        if (sscanf(buf, "burst %ld", &k) == 1) {
          printf("START %llu\n", (unsigned long long)now_us());
          fflush(stdout);
          burst_left = k;
        } else if (sscanf(buf, "pace %ld %ld", &k, &ms) == 2 && k > 0 && ms > 0) {
          struct itimerspec its = {.it_interval = {ms / 1000, ms % 1000 * 1000000}, .it_value = {ms / 1000, ms % 1000 * 1000000}};
          timerfd_settime(timer, 0, &its, NULL);
          pace_left = k;
        }
      } else if (fd == sub) {
        ssize_t r = read(sub, subbuf + subhave, sizeof subbuf - subhave);
        if (r <= 0) die("redis subscription");
        subhave += (size_t)r;
        relay(subbuf, &subhave);
      } else if (fd == pub) {
        if (read(pub, buf, sizeof buf) <= 0) die("redis"); /* the PUBLISH replies: counts, unused */
      } else if (fd == timer) {
        uint64_t ticks;
        if (read(timer, &ticks, sizeof ticks) != sizeof ticks) die("timer");
        if (pace_left > 0) publish(pub, 1);
        if (--pace_left <= 0) timerfd_settime(timer, 0, &(struct itimerspec){0}, NULL);
      } else {
        /* an upgrade request (the subscribers send nothing after it): answer once it is whole */
        ssize_t r = read(fd, buf, sizeof buf - 1);
        if (r <= 0) { close(fd); continue; }
        buf[r] = 0;
        if (strstr(buf, "\r\n\r\n") == NULL) { fprintf(stderr, "floor-node: split upgrade request\n"); return 1; }
        write_all(fd, RESPONSE, sizeof RESPONSE - 1);
        epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
        if (njoined == MAX_CONNS) { fprintf(stderr, "floor-node: too many connections\n"); return 1; }
        joined[njoined++] = fd;
      }
    }
    if (burst_left > 0) {
      int k = burst_left < GROUP ? (int)burst_left : GROUP;
      publish(pub, k);
      burst_left -= k;
    }
  }
}

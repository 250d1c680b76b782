/*
 * fanout-floor: the kernel's share of a fan-out on this machine, with no runtime at all. One
 * process writes an 18-byte WebSocket text frame (what a 16 B publish is on the wire) to each of
 * N loopback TCP connections (TCP_NODELAY, as our server's), one write() per connection as every
 * server must; a second process reads them all (epoll), as the subscribers do. K rounds, one
 * every E ms; for each round, how long the N writes took: the "span" a server of the cross-node
 * benchmark cannot beat when it fans one message out to N subscribers.
 *
 *   fanout-floor N K E     → prints "FANOUT <p50 µs> <p99 µs>"
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000ull + (uint64_t)ts.tv_nsec / 1000;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* reads every connection until all rounds arrived (the subscribers' side) */
static void reader(const int *fds, int n, long frames) {
  int ep = epoll_create1(0);
  for (int i = 0; i < n; i++) {
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fds[i]};
    epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
  }
  struct epoll_event evs[512];
  char buf[4096];
  long bytes = 0;
  while (bytes < frames * 18) {
    int k = epoll_wait(ep, evs, 512, 5000);
    if (k <= 0) break;
    for (int e = 0; e < k; e++) {
      ssize_t r = read(evs[e].data.fd, buf, sizeof buf);
      if (r > 0) bytes += r;
    }
  }
}

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: fanout-floor N K E\n"); return 2; }
  int n = atoi(argv[1]), rounds = atoi(argv[2]), every = atoi(argv[3]);
  if (n < 1 || rounds < 1 || every < 0) { fprintf(stderr, "fanout-floor: bad arguments\n"); return 2; }
  struct sockaddr_in sa = {.sin_family = AF_INET};
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  int l = socket(AF_INET, SOCK_STREAM, 0);
  socklen_t sl = sizeof sa;
  if (bind(l, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(l, 4096) < 0 || getsockname(l, (struct sockaddr *)&sa, &sl) < 0) { perror("listen"); return 1; }
  int *peer = malloc((size_t)n * sizeof *peer), *conn = malloc((size_t)n * sizeof *conn), one = 1;
  for (int i = 0; i < n; i++) {
    peer[i] = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(peer[i], (struct sockaddr *)&sa, sizeof sa) < 0 || (conn[i] = accept(l, NULL, NULL)) < 0) { perror("connect"); return 1; }
    setsockopt(conn[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  pid_t child = fork();
  if (child == 0) {
    reader(peer, n, (long)n * rounds);
    _exit(0);
  }
  for (int i = 0; i < n; i++) close(peer[i]);
  const uint8_t frame[18] = {0x81, 16, '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0'};
  uint64_t *took = malloc((size_t)rounds * sizeof *took);
  for (int r = 0; r < rounds; r++) {
    usleep((useconds_t)every * 1000);
    uint64_t t0 = now_us();
    for (int i = 0; i < n; i++)
      if (write(conn[i], frame, sizeof frame) != (ssize_t)sizeof frame) { perror("write"); return 1; }
    took[r] = now_us() - t0;
  }
  waitpid(child, NULL, 0);
  qsort(took, (size_t)rounds, sizeof *took, cmp_u64);
  printf("FANOUT %llu %llu\n", (unsigned long long)took[rounds / 2], (unsigned long long)took[(int)(rounds * 0.99)]);
  return 0;
}

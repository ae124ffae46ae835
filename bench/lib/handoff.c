/* bench/handoff.sh's measure: the operating system's cost of handing work from one thread to another on one CPU.
 *
 * Two threads of one process, pinned by the caller to the same CPU, pass a token back and forth through futexes, the
 * primitive under every blocking wait on Linux. The waker takes a timestamp, wakes the sleeper and blocks; the sleeper
 * takes one as soon as it runs. The difference is a hand-off as a thread pool's worker would see it with nothing of a
 * runtime's around it: the wake, the waker's block and the switch. With a gap, the waker first sleeps that long, so
 * that the CPU idles between hand-offs as the proxy's does while a backend works.
 *
 *   handoff ROUNDS GAP_US  ->  "gap GAP_US us: median M us, p90 P us"
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static atomic_int to_sleeper, to_waker;
static int rounds;
static double *woken_at;

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void take(atomic_int *token) {
  while (atomic_exchange(token, 0) == 0) {
    syscall(SYS_futex, token, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
  }
}

static void give(atomic_int *token) {
  atomic_store(token, 1);
  syscall(SYS_futex, token, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *sleeper(void *unused) {
  (void)unused;
  for (int i = 0; i < rounds; i++) {
    take(&to_sleeper);
    woken_at[i] = now_us();
    give(&to_waker);
  }
  return NULL;
}

static int by_value(const void *a, const void *b) {
  double d = *(const double *)a - *(const double *)b;
  return (d > 0) - (d < 0);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: handoff ROUNDS GAP_US\n");
    return 2;
  }
  rounds = atoi(argv[1]);
  long gap_us = atol(argv[2]);
  woken_at = calloc(rounds, sizeof *woken_at);
  double *waking_at = calloc(rounds, sizeof *waking_at);
  pthread_t thread;
  pthread_create(&thread, NULL, sleeper, NULL);
  for (int i = 0; i < rounds; i++) {
    if (gap_us > 0) {
      struct timespec gap = {gap_us / 1000000, (gap_us % 1000000) * 1000};
      nanosleep(&gap, NULL);
    }
    waking_at[i] = now_us();
    give(&to_sleeper);
    take(&to_waker);
  }
  pthread_join(thread, NULL);
  for (int i = 0; i < rounds; i++) {
    waking_at[i] = woken_at[i] - waking_at[i];
  }
  qsort(waking_at, rounds, sizeof *waking_at, by_value);
  printf("gap %ld us: median %.1f us, p90 %.1f us\n", gap_us, waking_at[rounds / 2], waking_at[rounds * 9 / 10]);
  return 0;
}

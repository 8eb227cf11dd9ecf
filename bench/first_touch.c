// What fresh memory costs on this machine: the time to touch every page of a new anonymous
// mapping once (the kernel faults each page in and zeroes it), with transparent huge pages asked
// for (madvise MADV_HUGEPAGE, as the engine's large arrays do) or not, and a second pass over
// the same pages for comparison. bench/README.md, "Cold and steady replicates".
//
//   cc -O2 bench/first_touch.c -o first_touch && ./first_touch 64
//
// usage: first_touch [MEGABYTES] (default 64); prints one line per mode.
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void run(size_t mb, int huge) {
  const size_t n = mb << 20, align = (size_t)2 << 20;
  char* m = mmap(NULL, n + align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) {
    perror("mmap");
    exit(1);
  }
  char* p = (char*)(((uintptr_t)m + align - 1) & ~(uintptr_t)(align - 1));
  madvise(p, n, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
  double t = now();
  for (size_t i = 0; i < n; i += 4096) p[i] = 1;
  const double first = now() - t;
  t = now();
  memset(p, 2, n);
  const double second = now() - t;
  printf("%zu MB, %-13s first touch %7.1f ms (%6.0f MB/s), second pass %5.1f ms\n", mb,
         huge ? "huge pages" : "4 KiB pages", first * 1e3, (double)mb / first, second * 1e3);
  munmap(m, n + align);
}

int main(int argc, char** argv) {
  const size_t mb = argc > 1 ? (size_t)atol(argv[1]) : 64;
  if (mb == 0) {
    fprintf(stderr, "usage: first_touch [MEGABYTES > 0]\n");
    return 2;
  }
  run(mb, 1);
  run(mb, 0);
  return 0;
}

#pragma once
// TREDE_ASSERT: invariant checks, on in Debug builds and when TREDE_ENABLE_ASSERTS is set
// (the test build). A failed invariant is a bug in trede, so it aborts with its location.

#include <cstdio>
#include <cstdlib>

#if defined(TREDE_ENABLE_ASSERTS)
#define TREDE_ASSERT(cond)                                                                       \
  do {                                                                                           \
    if (!(cond)) {                                                                               \
      std::fprintf(stderr, "%s:%d: trede invariant failed: %s\n", __FILE__, __LINE__, #cond);   \
      std::abort();                                                                              \
    }                                                                                            \
  } while (0)
#else
#define TREDE_ASSERT(cond) ((void)0)
#endif

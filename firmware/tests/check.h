/* A tiny assertion kit: every failed check prints where and what, the exit status counts them. */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        check_count++;                                                                \
        if (!(cond)) {                                                                \
            check_failures++;                                                         \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                             \
    } while (0)

#define CHECK_STR(actual, expected)                                                              \
    do {                                                                                         \
        const char *a_ = (actual), *e_ = (expected);                                             \
        check_count++;                                                                           \
        if (strcmp(a_, e_) != 0) {                                                               \
            check_failures++;                                                                    \
            fprintf(stderr, "%s:%d: expected\n  \"%s\"\ngot\n  \"%s\"\n", __FILE__, __LINE__, e_, a_); \
        }                                                                                        \
    } while (0)

#define CHECK_CONTAINS(haystack, needle)                                                          \
    do {                                                                                          \
        const char *h_ = (haystack), *n_ = (needle);                                              \
        check_count++;                                                                            \
        if (strstr(h_, n_) == NULL) {                                                             \
            check_failures++;                                                                     \
            fprintf(stderr, "%s:%d: \"%s\" not found in\n  \"%s\"\n", __FILE__, __LINE__, n_, h_); \
        }                                                                                         \
    } while (0)

#define CHECK_NEAR(actual, expected, tol)                                                           \
    do {                                                                                            \
        double a_ = (actual), e_ = (expected);                                                      \
        check_count++;                                                                              \
        if (!(a_ - e_ <= (tol) && e_ - a_ <= (tol))) {                                              \
            check_failures++;                                                                       \
            fprintf(stderr, "%s:%d: %s = %.9g, expected %.9g +- %g\n", __FILE__, __LINE__, #actual, \
                    a_, e_, (double)(tol));                                                         \
        }                                                                                           \
    } while (0)

static inline int check_report(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
    return check_failures ? 1 : 0;
}

#endif

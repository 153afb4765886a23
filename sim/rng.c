/*
 * rng.c - xoshiro256** seeded through splitmix64, and distribution sampling.
 *
 * Each entity that draws random numbers (a thread, a GIL) owns a stream
 * seeded from (scenario seed, stream id), so adding a thread does not
 * change the draws of the others.
 */
#include <math.h>

#include "sim_internal.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void sim_rng_seed(SimRng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL + 0x632be59bd9b4e019ULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t sim_rng_next(SimRng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t sim_rng_below(SimRng *r, uint64_t n)
{
    /* Lemire's multiply-shift with rejection: unbiased and deterministic. */
    uint64_t x = sim_rng_next(r);
    __uint128_t m = (__uint128_t)x * n;
    uint64_t l = (uint64_t)m;
    if (l < n) {
        uint64_t t = -n % n;
        while (l < t) {
            x = sim_rng_next(r);
            m = (__uint128_t)x * n;
            l = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

double sim_rng_unit(SimRng *r)
{
    return (double)(sim_rng_next(r) >> 11) * 0x1.0p-53;
}

SimTime sim_dist_sample(const SimDist *d, SimRng *r)
{
    switch (d->kind) {
    case SIM_DIST_UNIFORM:
        if (d->b <= d->a)
            return d->a;
        return d->a + (SimTime)sim_rng_below(r, (uint64_t)(d->b - d->a) + 1);
    case SIM_DIST_EXP: {
        double u = sim_rng_unit(r);
        double v = -log1p(-u) * (double)d->a;
        if (v > (double)SIM_DURATION_MAX)
            v = (double)SIM_DURATION_MAX;
        return (SimTime)llround(v);
    }
    default:
        return d->a;
    }
}

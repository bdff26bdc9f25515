#ifndef ATLAS_UMAP_EPOCH_H
#define ATLAS_UMAP_EPOCH_H

#include <stdint.h>

/// xoshiro256** state (the layout module's SeededGenerator), one per slice of points.
typedef struct {
    uint64_t s[4];
} atlas_random;

/// What a round of an epoch shares. Positions hold `stride` floats per point (2 or 4): the
/// layout, which each slice moves in place for its own rows, and a copy that every slice reads.
typedef struct {
    /// The epoch, from 0.
    int32_t epoch;
    float alpha;
    float a;
    float b;
    float repulsion;
    int32_t negative_rate;
    int64_t count;
    float *positions;
    const float *snapshot;
    /// The graph's rows: where each row's edges start (and the end), each edge's tail, and how
    /// often it is sampled: `frequency` + 1 times in 65,536 epochs (UMAP's weight / largest weight
    /// in 16 bits).
    const int64_t *offsets;
    const int32_t *tails;
    const uint16_t *frequencies;
} atlas_umap_round;

/// Samples the due edges of rows [begin, end) for one round (positions of 2 floats). `scratch`
/// holds at least as many int32 as the rows and their edges together, and 15 more.
void atlas_umap_rows2(const atlas_umap_round *round, int64_t begin, int64_t end, atlas_random *random,
                      int32_t *scratch);
/// The same with positions of 4 floats (3 or 4 output dimensions).
void atlas_umap_rows4(const atlas_umap_round *round, int64_t begin, int64_t end, atlas_random *random,
                      int32_t *scratch);

/// The kernel's list of the due edges of rows [begin, end) in `round.epoch`, for tests: `scratch`
/// receives each row's end in the list, then the due edges' tails; returns how many are due.
int64_t atlas_umap_list_due(const atlas_umap_round *round, int64_t begin, int64_t end, int32_t *scratch);

/// x^y for eight x > 0 at once, as the kernel computes it (about 1e-4 relative error): for tests.
void atlas_fast_pow8(const float *x, float y, float *result);

#endif

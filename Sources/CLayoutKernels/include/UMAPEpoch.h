#ifndef ATLAS_UMAP_EPOCH_H
#define ATLAS_UMAP_EPOCH_H

#include <stdint.h>

/// One edge as the epochs read it, in 16 bytes: a due edge's tail, period and counters lie in
/// the cache line that its due check has just read.
typedef struct {
    int32_t tail;
    /// Epochs between two samples.
    float period;
    /// The epochs of its next sample and of its next negative samples.
    float next_sample;
    float next_negative;
} atlas_umap_edge;

/// xoshiro256** state (the layout module's SeededGenerator), one per slice of points.
typedef struct {
    uint64_t s[4];
} atlas_random;

/// What a round of an epoch shares. Positions hold `stride` floats per point (2 or 4): the
/// layout, which each slice moves in place for its own rows, and a copy that every slice reads.
typedef struct {
    float epoch;
    float alpha;
    float a;
    float b;
    float repulsion;
    int32_t negative_rate;
    int64_t count;
    float *positions;
    const float *snapshot;
    const int64_t *offsets;
    atlas_umap_edge *edges;
} atlas_umap_round;

/// Samples the due edges of rows [begin, end) for one round (positions of 2 floats).
void atlas_umap_rows2(const atlas_umap_round *round, int64_t begin, int64_t end, atlas_random *random);
/// The same with positions of 4 floats (3 or 4 output dimensions).
void atlas_umap_rows4(const atlas_umap_round *round, int64_t begin, int64_t end, atlas_random *random);

/// x^y for eight x > 0 at once, as the kernel computes it (about 1e-4 relative error): for tests.
void atlas_fast_pow8(const float *x, float y, float *result);

#endif

// UMAP's epoch kernel: the one loop of the layout module written in C. Swift's SIMD types
// implement their arithmetic as generic per-lane loops that LLVM has to re-vectorise, and in
// this loop it did so in two- and four-lane pieces, with a branch per lane for the clip
// (docs/benchmarks.md, "The epoch loop"); clang's vector extensions give whole 8-lane
// operations. The arithmetic is that of umap-learn's optimize_layout_euclidean, as the
// Swift caller (UMAPOptimizer) describes it.

#include "UMAPEpoch.h"

// AVX-512 with byte and word operations on 256-bit registers too (BW, VL), as the due list and
// the power use them; without it the same values come from portable code.
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#define ATLAS_AVX512 1
#include <immintrin.h>
#endif

typedef float v8 __attribute__((ext_vector_type(8)));
typedef float v4 __attribute__((ext_vector_type(4)));
typedef float v2 __attribute__((ext_vector_type(2)));
typedef int32_t i8 __attribute__((ext_vector_type(8)));
typedef uint32_t u8 __attribute__((ext_vector_type(8)));

#define ALWAYS static inline __attribute__((always_inline))

// xoshiro256**, as SeededGenerator.next().
ALWAYS uint64_t rotate(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

ALWAYS uint64_t next(atlas_random *r) {
    uint64_t *s = r->s;
    uint64_t result = rotate(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotate(s[3], 45);
    return result;
}

ALWAYS v8 splat(float x) { return (v8)(x); }
ALWAYS v8 fma8(v8 a, v8 b, v8 c) { return __builtin_elementwise_fma(a, b, c); }
ALWAYS v8 select8(i8 mask, v8 yes, v8 no) { return (v8)(((i8)yes & mask) | ((i8)no & ~mask)); }
ALWAYS v8 clamp8(v8 v, float low, float high) {
    v = select8(v < low, splat(low), v);
    return select8(v > high, splat(high), v);
}

ALWAYS float sum8(v8 v) {
    v4 four = v.lo + v.hi;
    v2 two = four.lo + four.hi;
    return two.x + two.y;
}

// log2, exp2 and pow to about 1e-4 relative error. With AVX-512 a float's exponent and
// mantissa, the rounding and the scaling by a power of two are one instruction each (getexp,
// getmant, roundscale, scalef); otherwise bit patterns ("magic number" tricks) give the same
// values in a few more.

// y log2(x): the scale y is folded into the last step (y x exponent off the chain of steps).
ALWAYS v8 scaled_log2(v8 x, float y) {
#if defined(ATLAS_AVX512)
    v8 exponent = (v8)_mm256_getexp_ps((__m256)x);
    v8 m = (v8)_mm256_getmant_ps((__m256)x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_src);
#else
    u8 b = (u8)x;
    v8 exponent = (v8)((b >> 23) | 0x4B000000u) - 8388735.0f;
    v8 m = (v8)((b & 0x007FFFFFu) | 0x3F800000u);
#endif
    // The polynomial is ln(m) on [1, 2), to about 6e-5; times log2(e) it is log2(m). (The Swift
    // kernel before this one added ln(m) to the exponent unscaled: its powers were off by up
    // to 2^(0.31 y) - 1, 18% at umap-learn's b = 0.79.)
    // Estrin's scheme: the terms in parallel pairs, three steps deep where Horner's is four.
    v8 m2 = m * m;
    v8 high = fma8(splat(-0.056570851f), m, splat(0.44717955f));
    v8 middle = fma8(splat(2.8212026f), m, splat(-1.7417939f));
    v8 p = fma8(fma8(high, m, splat(-1.4699568f)), m2, middle);
    return fma8(p, splat(1.44269504f * y), y * exponent);
}

ALWAYS v8 fast_exp2(v8 y) {
    v8 clamped = clamp8(y, -126, 126);
#if defined(ATLAS_AVX512)
    v8 whole = (v8)_mm256_roundscale_ps((__m256)clamped, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
#else
    v8 shifted = clamped + 12582912.0f;
    v8 whole = shifted - 12582912.0f;
#endif
    v8 f = clamped - whole;
    // Estrin's scheme, three steps deep where Horner's is five.
    v8 f2 = f * f;
    v8 p01 = fma8(splat(0.6931472f), f, splat(1));
    v8 p23 = fma8(splat(0.05550411f), f, splat(0.2402265f));
    v8 p45 = fma8(splat(0.001333355f), f, splat(0.009618129f));
    v8 p = fma8(fma8(p45, f2, p23), f2, p01);
#if defined(ATLAS_AVX512)
    return (v8)_mm256_scalef_ps((__m256)p, (__m256)whole);
#else
    i8 n = (i8)shifted - 0x4B400000;
    return p * (v8)((n + 127) << 23);
#endif
}

ALWAYS v8 fast_pow(v8 x, float y) {
    return fast_exp2(scaled_log2(clamp8(x, 1.17549435e-38f, 3.40282347e+38f), y));
}

// Per lane, the gradient's numerator (attractive x d^b + repulsive), the offset added to the
// squared distance in its denominator, and how often the lane's clipped gradient counts: lane 0
// the pull (counted twice: umap-learn moves both ends of an edge, here each end moves itself,
// once per direction of the symmetric graph) and lanes 1-7 pushes, or eight pushes.
typedef struct {
    v8 attractive, repulsive, offset, weight;
} terms;

ALWAYS terms make_terms(const atlas_umap_round *c, int pull) {
    terms t = {splat(0), splat(2 * c->repulsion * c->b), splat(0.001f), splat(1)};
    if (pull) {
        t.attractive[0] = -2 * c->a * c->b;
        t.repulsive[0] = 0;
        t.offset[0] = 0;
        t.weight[0] = 2;
    }
    return t;
}

// The lanes' points, coordinate by coordinate (up to 4), and which lanes count: gathered
// without reading the head, so that the loads are off the chain of dependent steps that each
// sample of a row waits on (the head's last move).
typedef struct {
    v8 x[4];
    i8 active;
} lanes;

ALWAYS lanes empty_lanes(void) {
    lanes l = {{splat(0), splat(0), splat(0), splat(0)}, (i8)(0)};
    return l;
}

ALWAYS void put(lanes *l, int lane, const float *point, const int stride) {
    for (int d = 0; d < stride; d++) l->x[d][lane] = point[d];
    l->active[lane] = -1;
}

// head += alpha x the weighted sum of the active lanes' clipped gradients: per lane, UMAP's pull
// -2ab d^(b-1) / (a d^b + 1) or push 2 gamma b / ((0.001 + d) (a d^b + 1)) of squared distance
// d from the head, times the difference, each coordinate clipped to [-4, 4]. A lane at distance
// 0 adds nothing.
ALWAYS void move(float *head, const lanes *l, const terms *t, const atlas_umap_round *c, const int stride) {
    v8 difference[4];
    v8 squared = splat(0);
    for (int d = 0; d < stride; d++) {
        difference[d] = head[d] - l->x[d];
        squared = fma8(difference[d], difference[d], squared);
    }
    v8 power = fast_pow(squared, c->b);
    v8 numerator = fma8(t->attractive, power, t->repulsive);
    v8 coefficient = numerator / ((squared + t->offset) * (c->a * power + 1));
    coefficient = select8(l->active & (squared > 0), coefficient, splat(0));
    for (int d = 0; d < stride; d++)
        head[d] += c->alpha * sum8(t->weight * clamp8(coefficient * difference[d], -4, 4));
}

// `count` random points into lanes first..<first + count; a point drawn as its own negative
// sample stays inactive (umap-learn skips it). Each 64-bit draw gives two indices.
ALWAYS void draw(lanes *l, int first, int count, int64_t i, const atlas_umap_round *c, atlas_random *random,
                 const int stride) {
    for (int lane = first; lane < first + count; lane += 2) {
        uint64_t bits = next(random);
        int64_t k = (int64_t)(((bits >> 32) * (uint64_t)c->count) >> 32);
        if (k != i) put(l, lane, c->snapshot + k * stride, stride);
        if (lane + 1 == first + count) break;
        k = (int64_t)(((bits & 0xFFFFFFFFu) * (uint64_t)c->count) >> 32);
        if (k != i) put(l, lane + 1, c->snapshot + k * stride, stride);
    }
}

// Takes a sample of an edge of point i into lanes: the pull towards its tail (lane 0) and up to
// seven of its negative samples (lanes 1-7); returns how many negative samples remain (none
// unless the rate is above seven).
ALWAYS int take(lanes *l, int32_t tail, int64_t i, const atlas_umap_round *c, atlas_random *random,
                const int stride) {
    put(l, 0, c->snapshot + (int64_t)tail * stride, stride);
    int first = c->negative_rate < 7 ? c->negative_rate : 7;
    draw(l, 1, first, i, c, random, stride);
    return c->negative_rate - first;
}

// Whether an edge sampled `frequency` + 1 times in 65,536 epochs is due in this epoch: whether
// floor(epoch x f) passed a whole number since the last epoch, f = (frequency + 1) / 65536.
// `epoch` is the epoch modulo 65,536, which leaves that the same and the product in 32 bits.
// (The 16-wide pass in `list_due` computes the same with AVX-512.)
#if !defined(ATLAS_AVX512)
ALWAYS uint32_t is_due(uint32_t epoch, uint16_t frequency) {
    uint32_t f = (uint32_t)frequency + 1;
    return ((epoch * f) & 0xFFFFu) < f;
}
#endif

// The tails of a run of rows' due edges, listed before any is sampled, in one branch-free pass
// over the frequencies: `tails` row after row, `ends` where each row's end. Both lie in the
// caller's scratch space; `tails` has 15 spare places, which the 16-wide pass may write.
typedef struct {
    int64_t begin;
    int32_t *tails, *ends;
} due_list;

ALWAYS void list_due(due_list *list, const atlas_umap_round *c, int64_t begin, int64_t end, int32_t *scratch) {
    list->begin = begin;
    list->ends = scratch;
    list->tails = scratch + (end - begin);
    int32_t *out = list->tails;
    uint32_t epoch = (uint32_t)c->epoch & 0xFFFFu;
#if defined(ATLAS_AVX512)
    // 16 edges a step: the due mask by integer products, the due tails packed in a register
    // (the packing store to memory is microcoded on some processors) and written whole.
    const __m512i epochs = _mm512_set1_epi32((int)epoch), low = _mm512_set1_epi32(0xFFFF), one = _mm512_set1_epi32(1);
    for (int64_t row = begin; row < end; row++) {
        for (int64_t e = c->offsets[row], last = c->offsets[row + 1]; e < last; e += 16) {
            __mmask16 valid = last - e >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (last - e)) - 1);
            __m512i f = _mm512_add_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(valid, c->frequencies + e)), one);
            __m512i phase = _mm512_and_si512(_mm512_mullo_epi32(epochs, f), low);
            __mmask16 due = _mm512_mask_cmplt_epu32_mask(valid, phase, f);
            __m512i tails = _mm512_maskz_loadu_epi32(valid, c->tails + e);
            _mm512_storeu_si512(out, _mm512_maskz_compress_epi32(due, tails));
            out += __builtin_popcount(due);
        }
        list->ends[row - begin] = (int32_t)(out - list->tails);
    }
#else
    for (int64_t row = begin; row < end; row++) {
        for (int64_t e = c->offsets[row], last = c->offsets[row + 1]; e < last; e++) {
            *out = c->tails[e];
            out += is_due(epoch, c->frequencies[e]);
        }
        list->ends[row - begin] = (int32_t)(out - list->tails);
    }
#endif
}

// A cursor over a run of rows: the row, its next due edge (a place in the due list) and its
// position so far.
typedef struct {
    int64_t row, end, due;
    float head[4];
} walker;

// The tail of the walker's next due edge, or -1 when its rows are finished; a finished row's
// position is written back on the way.
ALWAYS int32_t next_due(walker *w, const due_list *list, const atlas_umap_round *c, const int stride) {
    while (w->row < w->end) {
        if (w->due == list->ends[w->row - list->begin]) {
            for (int d = 0; d < stride; d++) c->positions[w->row * stride + d] = w->head[d];
            w->row += 1;
            if (w->row < w->end)
                for (int d = 0; d < stride; d++) w->head[d] = c->positions[w->row * stride + d];
            continue;
        }
        return list->tails[w->due++];
    }
    return -1;
}

// Each sample starts from the head's last move, so a row is a chain of dependent steps
// (power, division, clip) that leaves most of the processor idle. Cursors on different rows
// take one due edge each and their samples are computed side by side: independent chains that
// overlap. umap-learn moves the head after the pull, before the pushes; here the pushes read
// the head from before the pull, as they already read it from before each other.
enum { WALKERS = 4 };

ALWAYS void rows(const atlas_umap_round *c, int64_t begin, int64_t end, atlas_random *state, int32_t *scratch,
                 const int stride) {
    if (begin >= end) return;
    due_list list;
    list_due(&list, c, begin, end, scratch);
    // The stream in a local, so that its state stays in registers.
    atlas_random local = *state, *random = &local;
    terms pull = make_terms(c, 1), push = make_terms(c, 0);
    walker w[WALKERS];
    int64_t count = end - begin;
    for (int g = 0; g < WALKERS; g++) {
        w[g].row = begin + count * g / WALKERS;
        w[g].end = begin + count * (g + 1) / WALKERS;
        w[g].due = w[g].row > begin && w[g].row <= end ? list.ends[w[g].row - 1 - begin] : 0;
        for (int d = 0; d < 4; d++) w[g].head[d] = 0;
        if (w[g].row < end)
            for (int d = 0; d < stride; d++) w[g].head[d] = c->positions[w[g].row * stride + d];
    }
    for (;;) {
        int32_t due[WALKERS];
        int any = 0;
        for (int g = 0; g < WALKERS; g++) {
            due[g] = next_due(&w[g], &list, c, stride);
            any |= due[g] >= 0;
        }
        if (!any) break;
        lanes l[WALKERS];
        int rest[WALKERS];
        for (int g = 0; g < WALKERS; g++) {
            l[g] = empty_lanes();
            rest[g] = due[g] >= 0 ? take(&l[g], due[g], w[g].row, c, random, stride) : 0;
        }
        for (int g = 0; g < WALKERS; g++) move(w[g].head, &l[g], &pull, c, stride);
        for (int g = 0; g < WALKERS; g++) {
            while (rest[g] > 0) {
                int batch = rest[g] < 8 ? rest[g] : 8;
                lanes more = empty_lanes();
                draw(&more, 0, batch, w[g].row, c, random, stride);
                move(w[g].head, &more, &push, c, stride);
                rest[g] -= batch;
            }
        }
    }
    *state = local;
}

int64_t atlas_umap_list_due(const atlas_umap_round *round, int64_t begin, int64_t end, int32_t *scratch) {
    due_list list;
    list_due(&list, round, begin, end, scratch);
    return begin < end ? list.ends[end - 1 - begin] : 0;
}

void atlas_fast_pow8(const float *x, float y, float *result) {
    v8 v;
    for (int lane = 0; lane < 8; lane++) v[lane] = x[lane];
    v8 p = fast_pow(v, y);
    for (int lane = 0; lane < 8; lane++) result[lane] = p[lane];
}

void atlas_umap_rows2(const atlas_umap_round *round, int64_t begin, int64_t end, atlas_random *random,
                      int32_t *scratch) {
    rows(round, begin, end, random, scratch, 2);
}

void atlas_umap_rows4(const atlas_umap_round *round, int64_t begin, int64_t end, atlas_random *random,
                      int32_t *scratch) {
    rows(round, begin, end, random, scratch, 4);
}

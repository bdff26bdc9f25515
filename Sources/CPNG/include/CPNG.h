// PNG decoding and encoding through libpng, whose errors arrive by longjmp: these wrappers catch
// them in C and hand Swift a status and a message instead.
#ifndef CPNG_H
#define CPNG_H

#include <stddef.h>
#include <stdint.h>

/// Size of the `message` buffers below.
#define CPNG_MESSAGE_CAPACITY 200

/// Decodes a PNG held in memory to 8-bit RGB, interleaved, row-major: palettes expanded, grey
/// replicated, 16-bit samples reduced to their high byte, alpha (and tRNS) dropped, interlacing
/// undone. Returns 1 and sets `*pixels` (width * height * 3 bytes from malloc; the caller frees
/// it), `*width`, `*height`; or returns 0 and writes what went wrong to `message`. Images of more
/// than `max_pixels` pixels are refused.
int cpng_decode_rgb(const uint8_t *data, size_t size, size_t max_pixels,
                    uint8_t **pixels, int *width, int *height, char *message);

/// Encodes width * height 8-bit RGB pixels as a PNG. Returns 1 and sets `*png` (from malloc; the
/// caller frees it) and `*png_size`; or returns 0 and writes what went wrong to `message`.
int cpng_encode_rgb(const uint8_t *pixels, int width, int height,
                    uint8_t **png, size_t *png_size, char *message);

#endif

// JPEG decoding through libjpeg(-turbo), whose errors arrive by longjmp: this wrapper catches them
// in C and hands Swift a status and a message instead.
#ifndef CJPEG_H
#define CJPEG_H

#include <stddef.h>
#include <stdint.h>

/// Size of the `message` buffer below.
#define CJPEG_MESSAGE_CAPACITY 200

/// Decodes a JPEG held in memory to 8-bit RGB, interleaved, row-major. Grey and YCbCr come out
/// as libjpeg's RGB; CMYK and YCCK are converted as Pillow's convert("RGB") does (Adobe files
/// stored inverted are inverted back first). Warnings that mean the pixel data is damaged
/// (premature end of the file or of a segment, bad entropy codes, lost sync, stray bytes before
/// a marker) count as errors, since libjpeg would go on and pad the image with grey. Returns 1
/// and sets `*pixels` (width * height * 3 bytes from malloc; the caller frees it), `*width`,
/// `*height`; or returns 0 and writes what went wrong to `message`. Images of more than `max_pixels` pixels are refused.
int cjpeg_decode_rgb(const uint8_t *data, size_t size, size_t max_pixels,
                     uint8_t **pixels, int *width, int *height, char *message);

#endif

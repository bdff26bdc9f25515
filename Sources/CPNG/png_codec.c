#include "CPNG.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// Where libpng's errors go: the text is kept and control jumps back into the wrapper.
typedef struct {
    jmp_buf jump;
    char *message;
} png_failure;

static void keep_error_and_jump(png_structp png, png_const_charp text) {
    png_failure *failure = png_get_error_ptr(png);
    snprintf(failure->message, CPNG_MESSAGE_CAPACITY, "%s", text);
    longjmp(failure->jump, 1);
}

static void ignore_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

/// The unread rest of a PNG in memory.
typedef struct {
    const uint8_t *next;
    size_t left;
} png_source;

static void read_from_memory(png_structp png, png_bytep out, size_t count) {
    png_source *source = png_get_io_ptr(png);
    if (count > source->left) {
        png_error(png, "file ends early (truncated)");
    }
    memcpy(out, source->next, count);
    source->next += count;
    source->left -= count;
}

int cpng_decode_rgb(const uint8_t *data, size_t size, size_t max_pixels,
                    uint8_t **pixels, int *width, int *height, char *message) {
    png_failure failure = {.message = message};
    png_source source = {.next = data, .left = size};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &failure,
                                             keep_error_and_jump, ignore_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        snprintf(message, CPNG_MESSAGE_CAPACITY, "out of memory");
        return 0;
    }
    // Assigned after setjmp and freed after a longjmp, hence volatile.
    uint8_t *volatile image = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(failure.jump)) {
        free(rows);
        free(image);
        png_destroy_read_struct(&png, &info, NULL);
        return 0;
    }
    png_set_read_fn(png, &source, read_from_memory);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info);
    png_uint_32 h = png_get_image_height(png, info);
    if ((size_t)w * h > max_pixels) {
        char text[CPNG_MESSAGE_CAPACITY];
        snprintf(text, sizeof text, "%u x %u pixels is more than the limit of %zu", w, h, max_pixels);
        png_error(png, text);
    }
    int color_type = png_get_color_type(png, info);
    int bit_depth = png_get_bit_depth(png, info);
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_set_palette_to_rgb(png);
    }
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) {
        png_set_expand_gray_1_2_4_to_8(png);
    }
    if (bit_depth == 16) {
        png_set_strip_16(png);
    }
    png_set_strip_alpha(png);
    if ((color_type & PNG_COLOR_MASK_COLOR) == 0) {
        png_set_gray_to_rgb(png);
    }
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != (size_t)w * 3) {
        png_error(png, "rows do not come out as 8-bit RGB");
    }
    image = malloc((size_t)w * h * 3);
    rows = malloc((size_t)h * sizeof(png_bytep));
    if (!image || !rows) {
        png_error(png, "out of memory");
    }
    for (png_uint_32 y = 0; y < h; y++) {
        rows[y] = image + (size_t)y * w * 3;
    }
    png_read_image(png, rows);
    png_read_end(png, NULL);  // reads up to IEND, so that a damaged tail is noticed too

    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    *pixels = image;
    *width = (int)w;
    *height = (int)h;
    return 1;
}

/// A growing PNG in memory.
typedef struct {
    uint8_t *bytes;
    size_t size;
    size_t capacity;
} png_sink;

static void write_to_memory(png_structp png, png_bytep in, size_t count) {
    png_sink *sink = png_get_io_ptr(png);
    if (count > sink->capacity - sink->size) {
        size_t capacity = sink->capacity * 2 > sink->size + count ? sink->capacity * 2 : sink->size + count;
        uint8_t *bytes = realloc(sink->bytes, capacity);
        if (!bytes) {
            png_error(png, "out of memory");
        }
        sink->bytes = bytes;
        sink->capacity = capacity;
    }
    memcpy(sink->bytes + sink->size, in, count);
    sink->size += count;
}

static void flush_nothing(png_structp png) {
    (void)png;
}

int cpng_encode_rgb(const uint8_t *pixels, int width, int height,
                    uint8_t **png_bytes, size_t *png_size, char *message) {
    png_failure failure = {.message = message};
    // On the heap: it changes after setjmp and is still needed after a longjmp.
    png_sink *sink = calloc(1, sizeof *sink);
    png_structp png = sink ? png_create_write_struct(PNG_LIBPNG_VER_STRING, &failure,
                                                     keep_error_and_jump, ignore_warning) : NULL;
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        free(sink);
        snprintf(message, CPNG_MESSAGE_CAPACITY, "out of memory");
        return 0;
    }
    if (setjmp(failure.jump)) {
        png_destroy_write_struct(&png, &info);
        free(sink->bytes);
        free(sink);
        return 0;
    }
    png_set_write_fn(png, sink, write_to_memory, flush_nothing);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < height; y++) {
        png_write_row(png, pixels + (size_t)y * (size_t)width * 3);
    }
    png_write_end(png, NULL);

    png_destroy_write_struct(&png, &info);
    *png_bytes = sink->bytes;
    *png_size = sink->size;
    free(sink);
    return 1;
}

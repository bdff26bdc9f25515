#include "CJPEG.h"

#include <setjmp.h>
#include <stdio.h>  // jpeglib.h uses FILE
#include <stdlib.h>
#include <jpeglib.h>
#include <jerror.h>

/// libjpeg's error manager, extended with the way back into the wrapper.
typedef struct {
    struct jpeg_error_mgr manager;  // first, so that cinfo->err points at the whole struct
    jmp_buf jump;
    char *message;
} jpeg_failure;

static void keep_error_and_jump(j_common_ptr cinfo) {
    jpeg_failure *failure = (jpeg_failure *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, failure->message);
    longjmp(failure->jump, 1);
}

static void refuse(j_common_ptr cinfo, const char *text) {
    jpeg_failure *failure = (jpeg_failure *)cinfo->err;
    snprintf(failure->message, CJPEG_MESSAGE_CAPACITY, "%s", text);
    longjmp(failure->jump, 1);
}

/// Whether a libjpeg warning means that the decoded pixels are not the encoded ones.
static int damages_pixels(int code) {
    switch (code) {
    case JWRN_JPEG_EOF:          // the rest of the image would be padded with grey
    case JWRN_HIT_MARKER:        // premature end of an entropy-coded segment
    case JWRN_HUFF_BAD_CODE:
    case JWRN_ARITH_BAD_CODE:
    case JWRN_MUST_RESYNC:       // a restart interval lost
    case JWRN_EXTRANEOUS_DATA:   // entropy data did not end where it should
        return 1;
    default:
        return 0;
    }
}

/// Trace messages and harmless warnings are dropped; damaging warnings become errors.
static void fail_on_damage(j_common_ptr cinfo, int level) {
    if (level < 0 && damages_pixels(cinfo->err->msg_code)) {
        keep_error_and_jump(cinfo);
    }
}

/// One row of CMYK to RGB as Pillow's cmyk2rgb does: with nk = 255 - k, each channel is
/// nk - round(c * nk / 255), computed with Pillow's MULDIV255. Adobe files store the four
/// channels inverted, and Pillow reads them as "CMYK;I", so those are inverted first.
static void cmyk_row_to_rgb(const uint8_t *cmyk, uint8_t *rgb, unsigned width, int inverted) {
    uint8_t flip = inverted ? 255 : 0;
    for (unsigned x = 0; x < width; x++) {
        int nk = 255 - (cmyk[4 * x + 3] ^ flip);
        for (int c = 0; c < 3; c++) {
            int product = (cmyk[4 * x + c] ^ flip) * nk + 128;
            int value = nk - (((product >> 8) + product) >> 8);
            rgb[3 * x + c] = (uint8_t)(value < 0 ? 0 : value > 255 ? 255 : value);
        }
    }
}

int cjpeg_decode_rgb(const uint8_t *data, size_t size, size_t max_pixels,
                     uint8_t **pixels, int *width, int *height, char *message) {
    struct jpeg_decompress_struct cinfo;
    jpeg_failure failure;
    // Assigned after setjmp and freed after a longjmp, hence volatile.
    uint8_t *volatile image = NULL;
    uint8_t *volatile cmyk_row = NULL;

    cinfo.err = jpeg_std_error(&failure.manager);
    failure.manager.error_exit = keep_error_and_jump;
    failure.manager.emit_message = fail_on_damage;
    failure.message = message;
    if (setjmp(failure.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(image);
        free(cmyk_row);
        return 0;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    if ((size_t)cinfo.image_width * cinfo.image_height > max_pixels) {
        char text[CJPEG_MESSAGE_CAPACITY];
        snprintf(text, sizeof text, "%u x %u pixels is more than the limit of %zu",
                 cinfo.image_width, cinfo.image_height, max_pixels);
        refuse((j_common_ptr)&cinfo, text);
    }
    int cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    jpeg_start_decompress(&cinfo);

    size_t row_bytes = (size_t)cinfo.output_width * 3;
    image = malloc(row_bytes * cinfo.output_height);
    if (cmyk) {
        cmyk_row = malloc((size_t)cinfo.output_width * 4);
    }
    if (!image || (cmyk && !cmyk_row)) {
        refuse((j_common_ptr)&cinfo, "out of memory");
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        uint8_t *row = image + cinfo.output_scanline * row_bytes;
        JSAMPROW target = cmyk ? cmyk_row : row;
        if (jpeg_read_scanlines(&cinfo, &target, 1) != 1) {
            refuse((j_common_ptr)&cinfo, "decoder returned no scanline");
        }
        if (cmyk) {
            cmyk_row_to_rgb(cmyk_row, row, cinfo.output_width, cinfo.saw_Adobe_marker);
        }
    }
    jpeg_finish_decompress(&cinfo);  // reads up to EOI, so that a damaged tail is noticed too

    *pixels = image;
    *width = (int)cinfo.output_width;
    *height = (int)cinfo.output_height;
    jpeg_destroy_decompress(&cinfo);
    free(cmyk_row);
    return 1;
}

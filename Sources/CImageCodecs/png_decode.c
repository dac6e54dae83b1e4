// libpng reports errors by calling an error function that must not return: it longjmps back to
// the setjmp below, and the error becomes a return code instead of a process abort.
#include "CImageCodecs.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
    synapse_image *out;
} png_source;

static void on_error(png_structp png, png_const_charp message) {
    png_source *source = (png_source *)png_get_error_ptr(png);
    // Our own errors are composed in the message buffer already.
    if (message != source->out->message) snprintf(source->out->message, sizeof source->out->message, "%s", message);
    png_longjmp(png, 1);
}

// Warnings (an unknown ancillary chunk, a bad gamma value) leave a readable image: stay quiet.
static void on_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

static void read_bytes(png_structp png, png_bytep into, size_t count) {
    png_source *source = (png_source *)png_get_io_ptr(png);
    if (count > source->size - source->offset) png_error(png, "the file ends before the image does (truncated)");
    memcpy(into, source->data + source->offset, count);
    source->offset += count;
}

int synapse_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels, synapse_image *out) {
    memset(out, 0, sizeof *out);
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        snprintf(out->message, sizeof out->message, "not a PNG file (no PNG signature)");
        return SYNAPSE_IMAGE_CORRUPT;
    }
    png_source source = {data, size, 0, out};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &source, on_error, on_warning);
    if (!png) return SYNAPSE_IMAGE_NO_MEMORY;
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return SYNAPSE_IMAGE_NO_MEMORY;
    }
    // Locals changed after setjmp and read after a longjmp must be volatile.
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    volatile int status = SYNAPSE_IMAGE_CORRUPT;
    if (setjmp(png_jmpbuf(png))) {
        free(pixels);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        return status;
    }
    png_set_read_fn(png, &source, read_bytes);
    // A checksum error is an error in every chunk: libpng would drop a damaged ancillary chunk (a
    // palette's transparency) with a warning and decode other pixels than the file's.
    png_set_crc_action(png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);
    // Ancillary chunks may not ask for more than 8 MiB each (a forged zTXt or iCCP length).
    png_set_chunk_malloc_max(png, 8u << 20);
    png_read_info(png, info);

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, NULL, NULL, NULL);
    if (width == 0 || height == 0 || width > 65535 || height > 65535 || (uint64_t)width * height > max_pixels) {
        snprintf(out->message, sizeof out->message, "%ux%u pixels is over the limit of %llu pixels", (unsigned)width,
                 (unsigned)height, (unsigned long long)max_pixels);
        status = SYNAPSE_IMAGE_TOO_LARGE;
        png_error(png, out->message);
    }
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
#if !defined(__BIG_ENDIAN__) && !(defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
    if (bit_depth == 16) png_set_swap(png);   // PNG stores big-endian samples; hand them over in host order
#endif
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int channels = png_get_channels(png, info);
    int depth = png_get_bit_depth(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    if (channels < 1 || channels > 4 || (depth != 8 && depth != 16) || row_bytes != (size_t)width * channels * (depth / 8)) {
        snprintf(out->message, sizeof out->message, "unsupported PNG layout (%d channels of %d bits)", channels, depth);
        png_error(png, out->message);
    }
    pixels = malloc(row_bytes * height);
    rows = malloc(sizeof(png_bytep) * height);
    if (!pixels || !rows) {
        status = SYNAPSE_IMAGE_NO_MEMORY;
        png_error(png, "out of memory for the pixels");
    }
    for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + (size_t)y * row_bytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);

    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    out->width = (int)width;
    out->height = (int)height;
    out->channels = channels;
    out->bit_depth = depth;
    out->pixels = pixels;
    out->message[0] = 0;
    return SYNAPSE_IMAGE_OK;
}

void synapse_image_free(synapse_image *image) {
    free(image->pixels);
    image->pixels = NULL;
}

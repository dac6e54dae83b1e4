// PNG encoding into memory with libpng. libpng's error function longjmps back to the setjmp below,
// so an error (out of memory) becomes a return code instead of a process abort.
#include "CImageCodecs.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    synapse_buffer *out;
    char *message;
    size_t message_size;
} png_sink;

static void on_encode_error(png_structp png, png_const_charp message) {
    png_sink *sink = (png_sink *)png_get_error_ptr(png);
    snprintf(sink->message, sink->message_size, "%s", message);
    png_longjmp(png, 1);
}

static void on_encode_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

static void write_bytes(png_structp png, png_bytep data, size_t count) {
    png_sink *sink = (png_sink *)png_get_io_ptr(png);
    synapse_buffer *out = sink->out;
    if (count > SIZE_MAX - out->size) png_error(png, "encoded image too large");
    if (out->size + count > out->capacity) {
        size_t capacity = out->capacity ? out->capacity : 4096;
        while (capacity < out->size + count) capacity = capacity > SIZE_MAX / 2 ? out->size + count : capacity * 2;
        uint8_t *grown = realloc(out->data, capacity);
        if (!grown) png_error(png, "out of memory");
        out->data = grown;
        out->capacity = capacity;
    }
    memcpy(out->data + out->size, data, count);
    out->size += count;
}

static void flush_bytes(png_structp png) { (void)png; }

int synapse_png_encode(const uint8_t *pixels, int width, int height, int channels, synapse_buffer *out,
                       char *message, size_t message_size) {
    memset(out, 0, sizeof *out);
    if (message_size) message[0] = 0;
    int color_type;
    switch (channels) {
    case 1: color_type = PNG_COLOR_TYPE_GRAY; break;
    case 2: color_type = PNG_COLOR_TYPE_GRAY_ALPHA; break;
    case 3: color_type = PNG_COLOR_TYPE_RGB; break;
    case 4: color_type = PNG_COLOR_TYPE_RGB_ALPHA; break;
    default:
        snprintf(message, message_size, "PNG images have 1 to 4 channels, not %d", channels);
        return SYNAPSE_IMAGE_CORRUPT;
    }
    if (width <= 0 || height <= 0 || width > 65535 || height > 65535) {
        snprintf(message, message_size, "PNG sides are 1 to 65535 pixels, not %dx%d", width, height);
        return SYNAPSE_IMAGE_TOO_LARGE;
    }
    png_sink sink = {out, message, message_size};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, on_encode_error, on_encode_warning);
    if (!png) return SYNAPSE_IMAGE_NO_MEMORY;
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        return SYNAPSE_IMAGE_NO_MEMORY;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        synapse_buffer_free(out);
        return SYNAPSE_IMAGE_NO_MEMORY;
    }
    png_set_write_fn(png, &sink, write_bytes, flush_bytes);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, color_type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    size_t stride = (size_t)width * (size_t)channels;
    for (int row = 0; row < height; row++) png_write_row(png, (png_const_bytep)(pixels + (size_t)row * stride));
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return SYNAPSE_IMAGE_OK;
}

void synapse_buffer_free(synapse_buffer *buffer) {
    free(buffer->data);
    buffer->data = NULL;
    buffer->size = 0;
    buffer->capacity = 0;
}

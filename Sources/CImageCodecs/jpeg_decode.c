// libjpeg reports errors through `error_exit`, which must not return (its default calls exit()):
// ours longjmps back to the setjmp below, so the error becomes a return code.
#include "CImageCodecs.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

/// More scans than any encoder writes (progressive files use about 10): a forged file with
/// thousands of tiny scans decodes for minutes without this limit.
#define MAX_SCANS 1000

typedef struct {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    synapse_image *out;
    int too_large;
} error_state;

static void on_error_exit(j_common_ptr cinfo) {
    error_state *state = (error_state *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    snprintf(state->out->message, sizeof state->out->message, "%s", text);
    longjmp(state->jump, 1);
}

// A warning leaves a usable image except for a premature end of data, which libjpeg pads with grey:
// that one is an error. Other warnings (extraneous bytes before a marker) are tolerated as Pillow does.
static void on_message(j_common_ptr cinfo, int level) {
    if (level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF) on_error_exit(cinfo);
}

static void on_progress(j_common_ptr cinfo) {
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    if (d->input_scan_number > MAX_SCANS) {
        error_state *state = (error_state *)cinfo->err;
        snprintf(state->out->message, sizeof state->out->message, "more than %d scans", MAX_SCANS);
        longjmp(state->jump, 1);
    }
}

// Pillow's CMYK to RGB (its cmyk2rgb): with nk = 255 - K, each of R, G, B is nk - ink * nk / 255,
// the product rounded as its MULDIV255 rounds it, so values match Pillow's to the unit.
static uint8_t cmyk_channel(unsigned ink, unsigned black) {
    unsigned nk = 255 - black;
    unsigned t = ink * nk + 128;
    return (uint8_t)(nk - (((t >> 8) + t) >> 8));
}

int synapse_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels, synapse_image *out) {
    memset(out, 0, sizeof *out);
    struct jpeg_decompress_struct cinfo;
    struct jpeg_progress_mgr progress;
    error_state errors;
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = jpeg_std_error(&errors.manager);
    errors.manager.error_exit = on_error_exit;
    errors.manager.emit_message = on_message;
    errors.out = out;
    errors.too_large = 0;
    // Locals changed after setjmp and read after a longjmp must be volatile.
    uint8_t *volatile pixels = NULL;
    uint8_t *volatile row = NULL;
    if (setjmp(errors.jump)) {
        free(pixels);
        free(row);
        jpeg_destroy_decompress(&cinfo);
        return errors.too_large ? SYNAPSE_IMAGE_TOO_LARGE : SYNAPSE_IMAGE_CORRUPT;
    }
    jpeg_create_decompress(&cinfo);
    progress.progress_monitor = on_progress;
    cinfo.progress = &progress;
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);

    unsigned width = cinfo.image_width, height = cinfo.image_height;
    if (width == 0 || height == 0 || (uint64_t)width * height > max_pixels) {
        snprintf(out->message, sizeof out->message, "%ux%u pixels is over the limit of %llu pixels", width, height,
                 (unsigned long long)max_pixels);
        errors.too_large = 1;
        longjmp(errors.jump, 1);
    }
    int cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    int inverted = cmyk && cinfo.saw_Adobe_marker;   // Adobe writes CMYK inverted (Pillow's "CMYK;I")
    if (cmyk) cinfo.out_color_space = JCS_CMYK;
    else if (cinfo.num_components == 1) cinfo.out_color_space = JCS_GRAYSCALE;
    else cinfo.out_color_space = JCS_RGB;
    jpeg_start_decompress(&cinfo);

    int channels = cmyk ? 3 : cinfo.output_components;
    int decoded = cinfo.output_components;
    if ((channels != 1 && channels != 3) || cinfo.output_width != width || cinfo.output_height != height) {
        snprintf(out->message, sizeof out->message, "unsupported JPEG layout (%d components)", decoded);
        longjmp(errors.jump, 1);
    }
    pixels = malloc((size_t)width * height * channels);
    row = malloc((size_t)width * decoded);
    if (!pixels || !row) {
        free(pixels);
        free(row);
        jpeg_destroy_decompress(&cinfo);
        return SYNAPSE_IMAGE_NO_MEMORY;
    }
    while (cinfo.output_scanline < height) {
        size_t y = cinfo.output_scanline;
        JSAMPROW rows[1] = {row};
        if (jpeg_read_scanlines(&cinfo, rows, 1) != 1) {
            snprintf(out->message, sizeof out->message, "no data for row %zu", y);
            longjmp(errors.jump, 1);
        }
        uint8_t *target = pixels + y * width * channels;
        if (!cmyk) {
            memcpy(target, row, (size_t)width * channels);
            continue;
        }
        for (unsigned x = 0; x < width; x++) {
            const uint8_t *p = row + 4 * x;
            unsigned k = inverted ? 255u - p[3] : p[3];
            for (int c = 0; c < 3; c++) target[3 * x + c] = cmyk_channel(inverted ? 255u - p[c] : p[c], k);
        }
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(row);
    out->width = (int)width;
    out->height = (int)height;
    out->channels = channels;
    out->bit_depth = 8;
    out->pixels = pixels;
    return SYNAPSE_IMAGE_OK;
}

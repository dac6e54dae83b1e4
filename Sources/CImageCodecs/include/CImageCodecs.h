#ifndef SYNAPSE_CIMAGECODECS_H
#define SYNAPSE_CIMAGECODECS_H

#include <stddef.h>
#include <stdint.h>

/// Outcome of a decode call.
enum synapse_image_status {
    SYNAPSE_IMAGE_OK = 0,
    /// Not a valid file of the format (truncated, bad CRC, bad Huffman data, ...); `message` says why.
    SYNAPSE_IMAGE_CORRUPT = 1,
    /// The header announces more pixels than the caller allows (a decompression bomb); nothing was allocated.
    SYNAPSE_IMAGE_TOO_LARGE = 2,
    /// The pixel buffer could not be allocated.
    SYNAPSE_IMAGE_NO_MEMORY = 3,
};

/// A decoded image: `height` rows of `width` pixels of `channels` interleaved samples (1 grey, 2 grey
/// and alpha, 3 RGB, 4 RGBA), each `bit_depth` bits (8: uint8_t, 16: uint16_t in host byte order).
typedef struct {
    int width;
    int height;
    int channels;
    int bit_depth;
    /// malloc'd by the decoder; release with `synapse_image_free`.
    void *pixels;
    /// Why decoding failed (empty on success).
    char message[256];
} synapse_image;

/// Decodes a PNG file held in memory. Palette images are expanded to RGB (RGBA with a tRNS chunk),
/// grey images below 8 bits to 8 bits; 16-bit images stay 16-bit. Never aborts or exits: libpng's
/// errors become `SYNAPSE_IMAGE_CORRUPT` with its message. Images over `max_pixels` pixels (or a side
/// over 65535) are refused before their pixels are allocated.
int synapse_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels, synapse_image *out);

/// Decodes a baseline or progressive JPEG file held in memory to grey (1 channel) or RGB (3
/// channels, 8 bits); CMYK and YCCK files are converted to RGB as Pillow converts them (Adobe's
/// inverted CMYK recognised). A file that ends early is corrupt (libjpeg would pad it with grey);
/// so is one with more than 1000 scans (a slow-decoding progressive bomb). Never aborts or exits.
int synapse_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels, synapse_image *out);

/// A growable byte buffer filled by an encoder; release with `synapse_buffer_free`.
typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
} synapse_buffer;

/// Encodes `height` rows of `width` 8-bit pixels of `channels` interleaved samples (1 grey, 2 grey
/// and alpha, 3 RGB, 4 RGBA) as a PNG file in `out`. Never aborts: failures return a status with
/// `message` saying why, and leave `out` empty.
int synapse_png_encode(const uint8_t *pixels, int width, int height, int channels, synapse_buffer *out,
                       char *message, size_t message_size);

/// Releases an encoder's buffer (safe on an empty one).
void synapse_buffer_free(synapse_buffer *buffer);

/// Releases the pixels of a decoded image (safe on a failed or already released one).
void synapse_image_free(synapse_image *image);

#endif

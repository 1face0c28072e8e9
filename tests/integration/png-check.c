/* SPDX-License-Identifier: Apache-2.0 */
/*
 * png-check — is this PNG a real rendering? For status-page-chromium.test.
 *
 *   png-check FILE WIDTH HEIGHT
 *
 * Exits 0 when the image is WIDTH x HEIGHT and not all one colour, and
 * prints its size and how many pixels differ from the top-left one;
 * 1 otherwise (with the reason), 2 on usage errors.
 */
#include "config.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	png_image img;
	png_bytep px;
	unsigned long differ = 0, n;

	if (argc != 4) {
		fprintf(stderr, "usage: png-check FILE WIDTH HEIGHT\n");
		return 2;
	}
	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(&img, argv[1])) {
		printf("%s: not a readable PNG: %s\n", argv[1], img.message);
		return 1;
	}
	if (img.width != (png_uint_32)atol(argv[2]) ||
	    img.height != (png_uint_32)atol(argv[3])) {
		printf("%s: %ux%u, want %sx%s\n", argv[1], (unsigned)img.width,
		       (unsigned)img.height, argv[2], argv[3]);
		png_image_free(&img);
		return 1;
	}
	img.format = PNG_FORMAT_RGBA;
	n = (unsigned long)img.width * img.height;
	px = malloc(PNG_IMAGE_SIZE(img));
	if (!px || !png_image_finish_read(&img, NULL, px, 0, NULL)) {
		printf("%s: cannot decode: %s\n", argv[1], img.message);
		free(px);
		return 1;
	}
	for (unsigned long i = 1; i < n; i++)
		if (memcmp(px + 4 * i, px, 4) != 0)
			differ++;
	printf("%s: %ux%u, %lu of %lu pixels differ from the top-left one\n",
	       argv[1], (unsigned)img.width, (unsigned)img.height, differ, n);
	free(px);
	return differ ? 0 : 1;
}

package dev.shrink4j.workbench.data;

/**
 * The content of an IDX image file: {@code count} images of {@code rows × cols} unsigned bytes,
 * row-major, image after image.
 *
 * @param count  number of images
 * @param rows   image height
 * @param cols   image width
 * @param pixels {@code count × rows × cols} bytes; read them as unsigned ({@code b & 0xFF})
 */
public record IdxImages(int count, int rows, int cols, byte[] pixels) {

    /** Checks that {@code pixels} holds exactly {@code count × rows × cols} bytes. */
    public IdxImages {
        if ((long) count * rows * cols != pixels.length) {
            throw new IllegalArgumentException("IdxImages: " + count + " images of " + rows + "x" + cols
                    + " need " + (long) count * rows * cols + " bytes, got " + pixels.length);
        }
    }
}

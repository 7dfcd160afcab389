package dev.shrink4j.workbench.data;

import dev.shrink4j.nn.Normalization;
import java.util.Arrays;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * An in-memory image classification dataset: images as one float tensor {@code [N, C, H, W]}
 * (already normalised) and labels as one long tensor {@code [N]}.
 *
 * <p>The dataset owns both tensors: they survive every {@code PointerScope} and are released by
 * {@link #close()}. A {@link #limit(int) limited} dataset is a view that shares the storage and has
 * its own lifetime: closing one does not invalidate the other.
 */
public final class Dataset implements AutoCloseable {

    private final String name;
    private final Tensor images;
    private final Tensor labels;
    private final int numClasses;
    private boolean closed;

    /**
     * Wraps {@code images [N, C, H, W]} (float) and {@code labels [N]} (long) and takes a reference to
     * each, so they outlive the scope they were made in.
     *
     * @throws IllegalArgumentException when the shapes or types do not fit together
     */
    public Dataset(String name, Tensor images, Tensor labels, int numClasses) {
        long[] shape = images.shape();
        if (shape.length != 4) {
            throw new IllegalArgumentException("Dataset " + name + ": images must be [N, C, H, W], got " + Arrays.toString(shape));
        }
        if (labels.dim() != 1 || labels.size(0) != shape[0]) {
            throw new IllegalArgumentException("Dataset " + name + ": labels must be [" + shape[0] + "] to match the images, got "
                    + Arrays.toString(labels.shape()));
        }
        if (images.scalar_type().intern() != torch.ScalarType.Float) {
            throw new IllegalArgumentException("Dataset " + name + ": images must be float, got " + images.scalar_type().intern());
        }
        if (labels.scalar_type().intern() != torch.ScalarType.Long) {
            throw new IllegalArgumentException("Dataset " + name + ": labels must be long, got " + labels.scalar_type().intern());
        }
        if (numClasses <= 0) {
            throw new IllegalArgumentException("Dataset " + name + ": numClasses must be positive, got " + numClasses);
        }
        this.name = name;
        this.images = images;
        this.labels = labels;
        this.numClasses = numClasses;
        images.retainReference();
        labels.retainReference();
    }

    /**
     * Builds a dataset from raw 8-bit data: {@code pixels} are {@code N × C × H × W} unsigned bytes
     * (channel planes, row-major), {@code labels} {@code N} unsigned bytes in {@code [0, numClasses)}.
     *
     * @throws IllegalArgumentException when the sizes disagree or a label is out of range; the message
     *                                  names the first offending index
     */
    public static Dataset fromBytes(String name, byte[] pixels, int channels, int height, int width,
                                    byte[] labels, int numClasses, Normalization normalization) {
        int n = labels.length;
        if ((long) n * channels * height * width != pixels.length) {
            throw new IllegalArgumentException("Dataset " + name + ": " + n + " labels need " + (long) n * channels * height * width
                    + " pixel bytes (" + channels + "x" + height + "x" + width + " each), got " + pixels.length);
        }
        long[] longLabels = new long[n];
        for (int i = 0; i < n; i++) {
            int label = labels[i] & 0xFF;
            if (label >= numClasses) {
                throw new IllegalArgumentException("Dataset " + name + ": label " + label + " at index " + i
                        + " is outside [0, " + numClasses + ")");
            }
            longLabels[i] = label;
        }
        // Temporaries (the uint8 copy is as large as a quarter of the images) die with this scope;
        // the constructor's references keep the two results alive.
        try (PointerScope scope = new PointerScope()) {
            Tensor x = normalization.apply(Tensor.create(pixels, false, n, channels, height, width));
            Tensor y = Tensor.create(longLabels, n);
            return new Dataset(name, x, y, numClasses);
        }
    }

    /** The first {@code n} samples (all of them when {@code n ≥ size()}) as a view sharing storage. */
    public Dataset limit(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("Dataset " + name + ": limit must be non-negative, got " + n);
        }
        checkOpen();
        int k = Math.min(n, size());
        try (PointerScope scope = new PointerScope()) {
            return new Dataset(name, images.narrow(0, 0, k), labels.narrow(0, 0, k), numClasses);
        }
    }

    /**
     * The same samples with every image resized to {@code height × width} by bilinear interpolation with
     * {@code align_corners=false} and no antialiasing: what torchvision's {@code Resize} computes on tensors
     * when it enlarges (libtorch's {@code upsample_bilinear2d}). Shrinking uses the same formula, without
     * torchvision's default antialias filter. The images are resized after normalisation; as the
     * interpolation is affine per pixel with weights summing to one, that equals normalising resized raw
     * images.
     *
     * @throws IllegalArgumentException when a size is not positive
     */
    public Dataset resized(int height, int width) {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("Dataset " + name + ": resize needs a positive height and width, got "
                    + height + "x" + width);
        }
        checkOpen();
        try (PointerScope scope = new PointerScope()) {
            Tensor x = torch.upsample_bilinear2d(images, new long[] {height, width}, false);
            return new Dataset(name, x, labels, numClasses);
        }
    }

    /**
     * The same samples with {@code channels} image channels: a grey image's one channel repeated into three,
     * as torchvision's {@code Grayscale(num_output_channels=3)} gives it. Asking for the channel count the
     * images already have returns a view of the same images.
     *
     * @throws IllegalArgumentException for any other change of the channel count (colour to grey, grey to
     *                                  other than 3 channels, which torchvision's Grayscale refuses too)
     */
    public Dataset withChannels(int channels) {
        checkOpen();
        long current = images.size(1);
        if (channels == current) {
            return limit(size());
        }
        if (current != 1 || channels != 3) {
            throw new IllegalArgumentException("Dataset " + name + ": cannot turn " + current + "-channel images into "
                    + channels + "-channel ones; only 1-channel (grey) images can be repeated into 3 channels");
        }
        try (PointerScope scope = new PointerScope()) {
            // a copy, not an expanded view: the images are batched by index_select, which wants real strides anyway
            Tensor x = images.repeat(1, channels, 1, 1);
            return new Dataset(name, x, labels, numClasses);
        }
    }

    /** A short name ("fashion-mnist/train"). */
    public String name() {
        return name;
    }

    /** The number of samples. */
    public int size() {
        return (int) labels.size(0);
    }

    /** The number of classes. */
    public int numClasses() {
        return numClasses;
    }

    /** The shape of one image, {@code [C, H, W]}. */
    public long[] imageShape() {
        long[] s = images.shape();
        return new long[] {s[1], s[2], s[3]};
    }

    /** All images {@code [N, C, H, W]}; owned by this dataset, do not close. */
    public Tensor images() {
        checkOpen();
        return images;
    }

    /** All labels {@code [N]}; owned by this dataset, do not close. */
    public Tensor labels() {
        checkOpen();
        return labels;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("Dataset " + name + " is closed");
        }
    }

    /** Releases the image and label tensors. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            images.releaseReference();
            labels.releaseReference();
        }
    }

    @Override
    public String toString() {
        long[] s = imageShape();
        return "Dataset(" + name + ", " + size() + " images of " + s[0] + "x" + s[1] + "x" + s[2] + ", " + numClasses + " classes)";
    }
}

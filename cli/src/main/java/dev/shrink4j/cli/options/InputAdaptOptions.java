package dev.shrink4j.cli.options;

import dev.shrink4j.cli.run.DataSpec;
import dev.shrink4j.cli.run.UsageException;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * {@code --input-channels} and {@code --resize}: adapt a dataset's images to a model made for other ones (a
 * colour model on a grey dataset, another image size), next to every {@code --data}.
 */
public final class InputAdaptOptions {

    @Option(names = "--input-channels", paramLabel = "C", description = "repeat the dataset's grey channel into C "
            + "channels (as torchvision's Grayscale(num_output_channels=C)), e.g. 3 for a model made for colour images")
    Integer inputChannels;

    @Option(names = "--resize", paramLabel = "H[xW]", description = "resize the dataset's images to H×H (or H×W) pixels, "
            + "bilinear (as torchvision's Resize on tensors, without antialiasing), after normalisation")
    String resize;

    /**
     * {@code spec} adapted by {@code --input-channels} and {@code --resize} (each, when absent, keeps the stored value).
     *
     * @throws UsageException when a value is malformed or cannot adapt {@code spec}
     */
    public DataSpec adapt(DataSpec spec) {
        if (inputChannels == null && resize == null) {
            return spec;
        }
        int channels = inputChannels == null ? spec.channels() : inputChannels;
        if (channels <= 0) {
            throw new UsageException("--input-channels must be positive, got " + channels);
        }
        int[] hw = resize == null ? new int[] {spec.height(), spec.width()} : parseResize(resize);
        return spec.adapted(channels, hw[0], hw[1]);
    }

    /** {@code H} or {@code HxW} as {@code {H, W}}. */
    private static int[] parseResize(String value) {
        String[] parts = value.trim().toLowerCase(Locale.ROOT).split("[x×]", -1);
        try {
            int h = Integer.parseInt(parts[0].trim());
            int w = parts.length == 2 ? Integer.parseInt(parts[1].trim()) : h;
            if (parts.length <= 2 && h > 0 && w > 0) {
                return new int[] {h, w};
            }
        } catch (NumberFormatException e) {
            // reported below, with the expected form
        }
        throw new UsageException("--resize must be H or HxW with positive whole numbers of pixels, got \"" + value + "\"");
    }

}

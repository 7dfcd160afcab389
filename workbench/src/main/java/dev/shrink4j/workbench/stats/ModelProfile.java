package dev.shrink4j.workbench.stats;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What {@link ModelProfiler} measured: one {@link LayerProfile} per leaf layer in definition order,
 * the input and output shapes, and totals. {@link #totalParams()} is the model's parameter count
 * (parameters owned by non-leaf modules included); {@link #totalFlops()} sums the layers' FLOPs.
 *
 * @param inputShape  the dummy input's shape, batch included
 * @param outputShape the model's output shape
 * @param layers      the leaf layers, in {@code namedModules()} order
 * @param totalParams scalars in all parameters of the model
 * @param totalFlops  the sum of the layers' FLOPs
 */
public record ModelProfile(List<Long> inputShape, List<Long> outputShape, List<LayerProfile> layers, long totalParams,
        long totalFlops) {

    /** Copies the lists, so the record is immutable. */
    public ModelProfile {
        inputShape = List.copyOf(inputShape);
        outputShape = List.copyOf(outputShape);
        layers = List.copyOf(layers);
    }

    /** The profile of layer {@code name}. */
    public LayerProfile layer(String name) {
        for (LayerProfile l : layers) {
            if (l.name().equals(name)) {
                return l;
            }
        }
        throw new IllegalArgumentException("no leaf layer \"" + name + "\" in the profile; layers: "
                + layers.stream().map(LayerProfile::name).collect(Collectors.joining(", ")));
    }

    /**
     * The profile as an aligned text table: name, type, output shape, parameters and FLOPs per leaf
     * layer (numbers right-aligned with thousands separators), then a total line. Layers the forward
     * pass never reached show {@code -} as shape; a {@code Calls} column appears when some layer ran
     * more than once.
     */
    public String toTable() {
        boolean multi = layers.stream().anyMatch(l -> l.calls() > 1);
        List<String[]> rows = new ArrayList<>();
        rows.add(multi ? new String[] {"Name", "Type", "Output shape", "Params", "FLOPs", "Calls"}
                : new String[] {"Name", "Type", "Output shape", "Params", "FLOPs"});
        for (LayerProfile l : layers) {
            String shape = l.calls() == 0 ? "-" : l.outputShape().toString();
            rows.add(multi ? new String[] {l.name(), l.type(), shape, num(l.params()), num(l.flops()), Integer.toString(l.calls())}
                    : new String[] {l.name(), l.type(), shape, num(l.params()), num(l.flops())});
        }
        String[] total = multi ? new String[] {"Total", "", outputShape.toString(), num(totalParams), num(totalFlops), ""}
                : new String[] {"Total", "", outputShape.toString(), num(totalParams), num(totalFlops)};
        int cols = rows.get(0).length;
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int c = 0; c < cols; c++) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        for (int c = 0; c < cols; c++) {
            width[c] = Math.max(width[c], total[c].length());
        }
        int lineLength = 0;
        for (int w : width) {
            lineLength += w;
        }
        lineLength += 2 * (cols - 1);
        String rule = "-".repeat(lineLength);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rows.size(); i++) {
            line(sb, rows.get(i), width);
            if (i == 0) {
                sb.append(rule).append('\n');
            }
        }
        sb.append(rule).append('\n');
        line(sb, total, width);
        return sb.toString();
    }

    private static void line(StringBuilder sb, String[] cells, int[] width) {
        StringBuilder row = new StringBuilder();
        for (int c = 0; c < cells.length; c++) {
            if (c > 0) {
                row.append("  ");
            }
            // Text columns (name, type, shape) align left, numbers right.
            String format = c < 3 ? "%-" + width[c] + "s" : "%" + width[c] + "s";
            row.append(String.format(Locale.ROOT, format, cells[c]));
        }
        sb.append(row.toString().stripTrailing()).append('\n');
    }

    private static String num(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }
}

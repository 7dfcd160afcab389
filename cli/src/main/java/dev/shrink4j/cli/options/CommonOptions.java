package dev.shrink4j.cli.options;

import dev.shrink4j.cli.run.UsageException;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Option;

/** Options every subcommand takes: the random seed and libtorch's thread count. */
public final class CommonOptions {

    @Option(names = "--seed", defaultValue = "42", description = "random seed of initialisation and shuffling (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--threads", defaultValue = "0",
            description = "intra-op threads of libtorch (torch.set_num_threads) and of ONNX Runtime (evaluate --onnx, model.onnx "
                    + "latencies); 0 keeps their defaults")
    int threads;

    /** The seed. */
    public long seed() {
        return seed;
    }

    /** The requested thread count (0: libtorch's default). */
    public int threads() {
        return threads;
    }

    /** Seeds libtorch's global generator and sets its thread count. */
    public void apply() {
        if (threads < 0) {
            throw new UsageException("--threads must be 0 (libtorch's default) or positive, got " + threads);
        }
        if (threads > 0) {
            torch.set_num_threads(threads);
        }
        torch.manual_seed(seed);
    }
}

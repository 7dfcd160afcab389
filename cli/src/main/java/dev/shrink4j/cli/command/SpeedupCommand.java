package dev.shrink4j.cli.command;

import dev.shrink4j.cli.options.RecordedModelOptions;
import dev.shrink4j.cli.report.ResultsTable;
import dev.shrink4j.cli.run.SpeedupRun;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code shrink4j speedup}: shrinks a pruned model physically ({@link SpeedupRun}): the filters and channels
 * its masks remove leave every layer of their dependency group, and the smaller model is written with its layer
 * widths in the file's metadata, so that {@code evaluate} and {@code inspect} (and {@code ModelZoo.load} from
 * Java) rebuild it from the file alone. The architecture, dataset and input normalisation come from the weights
 * file's metadata unless {@code --arch}/{@code --data} are given. Masks that cannot shrink the model are a usage
 * error naming every layer at fault, and nothing is written.
 */
@Command(name = "speedup", mixinStandardHelpOptions = true,
        description = "Shrink a pruned model: remove the filters and channels its masks prune from its layers.")
public final class SpeedupCommand extends Subcommand {

    @Mixin
    RecordedModelOptions model;

    @Option(names = "--weights", required = true, description = "the pruned model's weights (prune's model.safetensors)")
    Path weights;

    @Option(names = "--masks", required = true, description = "its masks (prune's masks.safetensors: <layer>.weight_mask, "
            + "<layer>.bias_mask)")
    Path masks;

    @Option(names = "--out", required = true, description = "the shrunk model's file (safetensors, written atomically)")
    Path out;

    @Override
    int run() throws IOException {
        RecordedModelOptions.Resolved m = model.resolve(weights);
        SpeedupRun.Outcome o = new SpeedupRun(m.arch(), m.data(), weights, masks, m.rewritten()).run(out, null);
        PrintWriter console = console();
        console.print(o.result().summary());
        console.println("wrote " + out + " (" + ResultsTable.humanBytes(o.sizeBytes()) + " gzipped)");
        console.flush();
        return ExitCodes.OK;
    }
}

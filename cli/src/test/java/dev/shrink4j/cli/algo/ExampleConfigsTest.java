package dev.shrink4j.cli.algo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.nn.optim.Sgd;
import dev.shrink4j.nn.zoo.LeNet5;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every example config under configs/ parses, and those whose algorithm is built in compress LeNet-5. */
class ExampleConfigsTest {

    static final Path CONFIGS = Path.of("..", "configs");

    @Test
    void everyAlgorithmHasAnExampleConfig() throws Exception {
        List<String> files;
        try (Stream<Path> s = Files.list(CONFIGS)) {
            files = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertEquals(List.of("agp.json", "apoz.json", "bnn.json", "dorefa.json", "fpgm.json", "l1-filter.json", "l2-filter.json",
                "level.json", "lottery-ticket.json", "lsq.json", "mean-activation.json", "naive.json", "observer.json", "qat.json",
                "slim.json", "taylor-fo.json"), files);
    }

    @Test
    void builtinConfigsCompressLeNet5() {
        AlgorithmRegistry registry = BuiltinAlgorithms.registry();
        for (AlgorithmSpec spec : registry.all()) {
            CompressionConfig cfg = CompressionConfig.read(CONFIGS.resolve(spec.name() + ".json"), registry, spec.kind());
            try (LeNet5 model = new LeNet5(10);
                 Sgd sgd = Sgd.builder().setLearningRate(0.01).build(model.parameters());
                 var c = spec.factory().create(new AlgorithmContext(model, cfg.configList(), sgd, cfg.options(),
                         new long[] {1, 1, 28, 28}))) {
                c.compress();
                assertTrue(c.getModulesWrapper().size() >= 2, spec.name() + " wraps " + c.getModulesWrapper().size());
            }
        }
    }
}

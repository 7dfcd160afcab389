package dev.shrink4j.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.data.Dataset;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * Against PyTorch: {@code distributed_sampler_pytorch.json} holds the indices PyTorch 1.13's
 * {@code DistributedSampler} gives every rank (written by {@code distributed_sampler_fixtures.py} next to it).
 */
class DistributedSamplerTest {

    private static JsonArray fixtures() throws IOException {
        try (InputStream in = DistributedSamplerTest.class.getResourceAsStream("distributed_sampler_pytorch.json")) {
            return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonArray();
        }
    }

    @Test
    void everyRanksIndicesAreThoseOfPyTorchsSampler() throws IOException {
        JsonArray cases = fixtures();
        assertEquals(9, cases.size());
        for (JsonElement e : cases) {
            JsonObject c = e.getAsJsonObject();
            int world = c.get("world").getAsInt();
            String name = c.toString().replaceAll(",\"ranks\".*", "}");
            JsonArray ranks = c.getAsJsonArray("ranks");
            for (int r = 0; r < world; r++) {
                DistributedSampler s = DistributedSampler.builder().setDatasetSize(c.get("n").getAsInt()).setShard(r, world)
                        .optSeed(c.get("seed").getAsLong()).optShuffle(c.get("shuffle").getAsBoolean())
                        .optDropLast(c.get("drop_last").getAsBoolean()).build();
                int[] expected = new int[ranks.get(r).getAsJsonArray().size()];
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = ranks.get(r).getAsJsonArray().get(i).getAsInt();
                }
                assertEquals(expected.length, s.size(), name + " rank " + r + ": num_samples");
                assertArrayEquals(expected, s.indices(c.get("epoch").getAsInt()), name + " rank " + r);
            }
        }
    }

    @Test
    void paddingRepeatsTheOrderFromItsStartAndRanksTakeEveryWthPosition() {
        // 10 samples, 3 ranks: 12 positions, the first two of the permutation appended again
        DistributedSampler r1 = DistributedSampler.builder().setDatasetSize(10).setShard(1, 3).optSeed(7).build();
        int[] order = r1.epochOrder(2);
        int[] permutation = DistributedSampler.permutation(10, 9);
        assertArrayEquals(new int[] {5, 0, 3, 4, 1, 7, 9, 6, 8, 2}, DistributedSampler.permutation(10, 7),
                "torch.randperm(10, generator seeded 7), as Python prints it");
        assertEquals(12, order.length);
        assertArrayEquals(permutation, Arrays.copyOf(order, 10));
        assertArrayEquals(new int[] {permutation[0], permutation[1]}, Arrays.copyOfRange(order, 10, 12));
        assertArrayEquals(new int[] {order[1], order[4], order[7], order[10]}, r1.indices(2));
        assertEquals(4, r1.size());
        assertEquals(12, r1.totalSize());
    }

    @Test
    void aDataLoaderWithTheSamplerReadsTheRanksShardEpochByEpoch() {
        int n = 9;
        try (PointerScope scope = new PointerScope();
                Dataset ids = new Dataset("ids", torch.arange(new Scalar(n)).to(torch.ScalarType.Float).view(n, 1, 1, 1),
                        torch.zeros(n).to(torch.ScalarType.Long), 1)) {
            DistributedSampler shard = DistributedSampler.builder().setDatasetSize(n).setShard(1, 2).optSeed(3)
                    .build();
            DataLoader loader = DataLoader.builder().setDataset(ids).setBatchSize(2).optSampler(shard).build();
            assertEquals(3, loader.batchCount());
            for (int epoch = 0; epoch < 2; epoch++) {
                int[] seen = new int[shard.size()];
                int k = 0;
                Iterator<dev.shrink4j.workbench.data.Batch> it = loader.iterator();
                while (it.hasNext()) {
                    Tensor x = it.next().x().flatten();
                    for (int i = 0; i < x.numel(); i++) {
                        seen[k++] = (int) x.get(i).item_float();
                    }
                }
                assertArrayEquals(shard.indices(epoch), seen, "epoch " + epoch);
            }
        }
    }

    @Test
    void badOptionsAreNamed() {
        assertEquals("DistributedSampler: rank 2 is outside [0, 2)", assertThrows(IllegalArgumentException.class,
                () -> DistributedSampler.builder().setDatasetSize(5).setShard(2, 2).build()).getMessage());
        assertEquals("DistributedSampler: world size must be at least 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> DistributedSampler.builder().setDatasetSize(5).setShard(0, 0).build()).getMessage());
        assertEquals("DistributedSampler: dataset size must be positive, got 0", assertThrows(IllegalArgumentException.class,
                () -> DistributedSampler.builder().setDatasetSize(0).setShard(0, 1).build()).getMessage());
        assertEquals("DistributedSampler: seed must be non-negative, got -1", assertThrows(IllegalArgumentException.class,
                () -> DistributedSampler.builder().setDatasetSize(5).setShard(0, 1).optSeed(-1).build()).getMessage());
        assertEquals("DistributedSampler: with drop_last, 2 samples leave nothing for 3 ranks",
                assertThrows(IllegalArgumentException.class, () -> DistributedSampler.builder().setDatasetSize(2).setShard(0, 3)
                       .optDropLast(true).build()).getMessage());
        assertEquals("DistributedSampler: epoch must be non-negative, got -1", assertThrows(IllegalArgumentException.class,
                () -> DistributedSampler.builder().setDatasetSize(5).setShard(0, 1).build().epochOrder(-1))
                .getMessage());
    }
}

package dev.shrink4j.workbench.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DataLoaderTest {

    private static final int N = 103;
    private Dataset dataset;

    /** Sample i has label i % 10 and every pixel equal to i, so a batch reveals which samples it holds. */
    @BeforeEach
    void makeDataset() {
        try (PointerScope scope = new PointerScope()) {
            Tensor images = org.bytedeco.pytorch.global.torch.arange(new org.bytedeco.pytorch.Scalar(N))
                    .to(org.bytedeco.pytorch.global.torch.ScalarType.Float).view(N, 1, 1, 1).expand(N, 1, 2, 2).contiguous();
            long[] labels = new long[N];
            for (int i = 0; i < N; i++) {
                labels[i] = i % 10;
            }
            dataset = new Dataset("ids", images, Tensor.create(labels, N), 10);
        }
    }

    @AfterEach
    void closeDataset() {
        dataset.close();
    }

    /** The sample ids of one epoch, batch by batch, read from the pixel values; checks labels agree. */
    private static List<long[]> epoch(DataLoader loader) {
        List<long[]> out = new ArrayList<>();
        Iterator<Batch> it = loader.iterator();
        while (it.hasNext()) {
            try (PointerScope step = new PointerScope()) {
                Batch b = it.next();
                int n = b.size();
                float[] px = new float[n];
                b.x().select(1, 0).select(1, 0).select(1, 0).contiguous().data_ptr_float().get(px);
                long[] y = new long[n];
                b.y().contiguous().data_ptr_long().get(y);
                long[] ids = new long[n];
                for (int i = 0; i < n; i++) {
                    ids[i] = (long) px[i];
                    assertEquals(ids[i] % 10, y[i], "label of sample " + ids[i]);
                }
                out.add(ids);
            }
        }
        return out;
    }

    private static long[] flat(List<long[]> batches) {
        return batches.stream().flatMapToLong(java.util.Arrays::stream).toArray();
    }

    @Test
    void sequentialBatchesKeepOrderAndTheSmallTail() {
        DataLoader loader = DataLoader.builder().setDataset(dataset).setBatchSize(25).build();
        assertEquals(5, loader.batchCount());
        List<long[]> batches = epoch(loader);
        assertEquals(List.of(25, 25, 25, 25, 3), batches.stream().map(b -> b.length).toList());
        long[] expected = java.util.stream.LongStream.range(0, N).toArray();
        assertArrayEquals(expected, flat(batches));
    }

    @Test
    void dropLastSkipsTheTail() {
        DataLoader loader = DataLoader.builder().setDataset(dataset).setBatchSize(25).optDropLast(true).optShuffle(1).build();
        assertEquals(4, loader.batchCount());
        assertEquals(100, loader.sampleCount());
        assertEquals(100, flat(epoch(loader)).length);
    }

    @Test
    void shufflingIsAPermutationDeterminedByTheSeed() {
        DataLoader a = DataLoader.builder().setDataset(dataset).setBatchSize(16).optShuffle(42).build();
        DataLoader b = DataLoader.builder().setDataset(dataset).setBatchSize(16).optShuffle(42).build();
        DataLoader c = DataLoader.builder().setDataset(dataset).setBatchSize(16).optShuffle(43).build();
        long[] a1 = flat(epoch(a));
        long[] a2 = flat(epoch(a));
        assertArrayEquals(a1, flat(epoch(b)), "same seed, same first epoch");
        assertArrayEquals(a2, flat(epoch(b)), "same seed, same second epoch");
        assertFalse(java.util.Arrays.equals(a1, a2), "successive epochs differ");
        assertFalse(java.util.Arrays.equals(a1, flat(epoch(c))), "another seed, another order");
        for (long[] order : List.of(a1, a2)) {
            long[] sorted = order.clone();
            java.util.Arrays.sort(sorted);
            assertArrayEquals(java.util.stream.LongStream.range(0, N).toArray(), sorted, "every index exactly once");
        }
        assertNotEquals(java.util.stream.LongStream.range(0, N).boxed().toList(),
                java.util.Arrays.stream(a1).boxed().toList());
    }

    @Test
    void permutationMatchesJavaUtilRandom() {
        // Fisher–Yates from the top with nextInt(i + 1), as Collections.shuffle does.
        List<Integer> expected = new ArrayList<>(java.util.stream.IntStream.range(0, 20).boxed().toList());
        java.util.Collections.shuffle(expected, new java.util.Random(7));
        assertEquals(expected, java.util.Arrays.stream(DataLoader.permutation(20, new java.util.Random(7))).boxed().toList());
    }

    /** Epoch e visits e, e+10, e+20, ..., then sample 102 twice (a padded shard of 12). */
    private static final class StridedSampler implements Sampler {
        @Override
        public int size() {
            return 12;
        }

        @Override
        public int[] indices(int epoch) {
            int[] out = new int[12];
            for (int i = 0; i < 10; i++) {
                out[i] = epoch + 10 * i;
            }
            out[10] = 102;
            out[11] = 102;
            return out;
        }
    }

    @Test
    void aSamplerChoosesEachEpochsSamplesInItsOrder() {
        DataLoader loader = DataLoader.builder().setDataset(dataset).setBatchSize(5).optSampler(new StridedSampler()).build();
        assertEquals(3, loader.batchCount());
        assertEquals(12, loader.sampleCount());
        List<long[]> first = epoch(loader);
        assertEquals(List.of(5, 5, 2), first.stream().map(b -> b.length).toList());
        assertArrayEquals(new long[] {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 102, 102}, flat(first));
        assertArrayEquals(new long[] {1, 11, 21, 31, 41, 51, 61, 71, 81, 91, 102, 102}, flat(epoch(loader)), "epoch 1");
        DataLoader dropping = DataLoader.builder().setDataset(dataset).setBatchSize(5).optSampler(new StridedSampler())
                .optDropLast(true).build();
        assertEquals(10, dropping.sampleCount());
        assertArrayEquals(new long[] {0, 10, 20, 30, 40, 50, 60, 70, 80, 90}, flat(epoch(dropping)));
    }

    /** Says it yields 3 indices; gives 2 in epoch 0 and one past the dataset in epoch 1. */
    private static final class BrokenSampler implements Sampler {
        @Override
        public int size() {
            return 3;
        }

        @Override
        public int[] indices(int epoch) {
            return epoch == 0 ? new int[] {1, 2} : new int[] {1, N, 2};
        }
    }

    @Test
    void aSamplerThatBreaksItsContractIsNamed() {
        DataLoader loader = DataLoader.builder().setDataset(dataset).setBatchSize(2).optSampler(new BrokenSampler()).build();
        IllegalStateException length = assertThrows(IllegalStateException.class, loader::iterator);
        assertEquals("DataLoader: sampler BrokenSampler, epoch 0, has 2 indices, but its size() is 3", length.getMessage());
        IllegalStateException range = assertThrows(IllegalStateException.class, loader::iterator);
        assertEquals("DataLoader: sampler BrokenSampler, epoch 1, index 103 at position 1 is outside dataset ids of 103 samples",
                range.getMessage());
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class, () -> DataLoader.builder()
                .setDataset(dataset).setBatchSize(2).optShuffle(1).optSampler(new StridedSampler()).build());
        assertEquals("DataLoader: optShuffle and optSampler exclude each other; the sampler StridedSampler decides the order",
                both.getMessage());
    }

    @Test
    void iteratorEndsAndBuilderValidates() {
        DataLoader loader = DataLoader.builder().setDataset(dataset).setBatchSize(200).build();
        Iterator<Batch> it = loader.iterator();
        try (PointerScope s = new PointerScope()) {
            assertEquals(N, it.next().size());
        }
        NoSuchElementException end = assertThrows(NoSuchElementException.class, it::next);
        assertEquals("epoch finished after 1 batches", end.getMessage());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DataLoader.builder().setDataset(dataset).setBatchSize(0).build());
        assertEquals("DataLoader: batch size must be positive, got 0", e.getMessage());
    }
}

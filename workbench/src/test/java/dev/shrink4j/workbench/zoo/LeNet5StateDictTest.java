package dev.shrink4j.workbench.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.nn.StateDictException;
import dev.shrink4j.nn.TensorDifferences;
import dev.shrink4j.nn.io.SafeTensors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LeNet-5's state dict: PyTorch's key names, loading errors that list every bad key, safetensors round trips. */
class LeNet5StateDictTest {

    @TempDir
    Path dir;

    @Test
    void stateDictKeysFollowPyTorchNaming() {
        try (LeNet5 net = new LeNet5()) {
            assertEquals(List.of("conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias",
                    "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"), new ArrayList<>(net.stateDict().keySet()));
            assertEquals(61706, net.parameterCount());
            assertSame(net.fc1, net.getSubmodule("fc1"));
        }
    }

    @Test
    void loadStateDictListsEveryBadKey() {
        try (LeNet5 a = new LeNet5(); LeNet5 b = new LeNet5(5)) {
            Map<String, Tensor> sd = new java.util.LinkedHashMap<>(b.stateDict());
            sd.remove("conv1.bias");
            sd.put("extra.weight", torch.zeros(1));
            StateDictException e = assertThrows(StateDictException.class, () -> a.loadStateDict(sd, true));
            assertEquals("Error(s) in loading state dict for LeNet5:\n"
                    + "  missing keys: conv1.bias\n"
                    + "  unexpected keys: extra.weight\n"
                    + "  size mismatch for fc3.weight: checkpoint has shape [5, 84], the model has [10, 84]\n"
                    + "  size mismatch for fc3.bias: checkpoint has shape [5], the model has [10]", e.getMessage());
        }
    }

    @Test
    void loadStateDictRefusesAnotherDtypeInsteadOfCastingAndCopiesNothing() {
        try (LeNet5 a = new LeNet5(); LeNet5 b = new LeNet5()) {
            Map<String, Tensor> sd = new java.util.LinkedHashMap<>(b.stateDict());
            sd.put("conv1.weight", b.conv1.weight().detach().to(torch.ScalarType.Double));
            sd.put("fc3.bias", b.fc3.bias().detach().to(torch.ScalarType.Half));
            Tensor before = a.fc2.weight().detach().clone();
            StateDictException e = assertThrows(StateDictException.class, () -> a.loadStateDict(sd, false));
            assertEquals("Error(s) in loading state dict for LeNet5:\n"
                    + "  dtype mismatch for conv1.weight: checkpoint has float64, the model has float32\n"
                    + "  dtype mismatch for fc3.bias: checkpoint has float16, the model has float32", e.getMessage());
            assertEquals(List.of("conv1.weight: checkpoint has float64, the model has float32",
                    "fc3.bias: checkpoint has float16, the model has float32"), e.dtypeMismatches());
            // the valid keys were not copied either
            assertTrue(torch.equal(before, a.fc2.weight()));
        }
    }

    @Test
    void loadStateDictRefusesNaNAndInfiniteValuesNamingTheTensor() {
        try (LeNet5 a = new LeNet5(); LeNet5 b = new LeNet5()) {
            Map<String, Tensor> sd = new java.util.LinkedHashMap<>();
            b.stateDict().forEach((k, v) -> sd.put(k, v.detach().clone()));
            // fc1.weight is [120, 400]: row 2, column 5 is element 805; row 7, column 0 is element 2800
            sd.get("fc1.weight").get(2).get(5).fill_(new org.bytedeco.pytorch.Scalar(Double.NaN));
            sd.get("fc1.weight").get(7).get(0).fill_(new org.bytedeco.pytorch.Scalar(Double.NEGATIVE_INFINITY));
            sd.get("fc1.weight").get(9).get(9).fill_(new org.bytedeco.pytorch.Scalar(Double.NaN));
            sd.get("fc3.bias").get(4).fill_(new org.bytedeco.pytorch.Scalar(Double.POSITIVE_INFINITY));
            Tensor before = a.fc1.weight().detach().clone();
            StateDictException e = assertThrows(StateDictException.class, () -> a.loadStateDict(sd, true));
            assertEquals("Error(s) in loading state dict for LeNet5:\n"
                    + "  invalid values in fc1.weight: 2 NaN and 1 infinite of 48000 values (the first, element 805, is NaN)\n"
                    + "  invalid values in fc3.bias: 1 infinite of 10 values (the first, element 4, is inf)", e.getMessage());
            assertEquals(2, e.invalidValues().size());
            assertTrue(torch.equal(before, a.fc1.weight()));
        }
    }

    @Test
    void leNetStateDictRoundTripsBitExactlyIntoAFreshModel() throws IOException {
        Path file = dir.resolve("lenet.safetensors");
        try (LeNet5 trained = new LeNet5(); LeNet5 fresh = new LeNet5()) {
            SafeTensors.save(trained.stateDict(), file);
            Map<String, Tensor> loaded = SafeTensors.load(file);
            assertEquals(new ArrayList<>(trained.stateDict().keySet()), new ArrayList<>(loaded.keySet()));
            fresh.loadStateDict(loaded, true);
            for (Map.Entry<String, Tensor> e : trained.stateDict().entrySet()) {
                Tensor mine = fresh.stateDict().get(e.getKey());
                assertArrayEquals(e.getValue().shape(), mine.shape(), e.getKey());
                assertArrayEquals(TensorDifferences.rawBytes(e.getValue()), TensorDifferences.rawBytes(mine), e.getKey());
            }
            long headerLength = ByteBuffer.wrap(Files.readAllBytes(file), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(0, headerLength % 8);
            assertEquals(8 + headerLength + 61706L * 4, Files.size(file));
        }
    }
}

package dev.shrink4j.nn.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class MemoryProbeTest {

    @Test
    void parsesStatusLines() {
        assertEquals(123456L * 1024, MemoryProbe.parseKb("VmRSS:\t  123456 kB"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> MemoryProbe.parseKb("VmRSS: 12"));
        assertEquals("unexpected line in /proc/self/status: \"VmRSS: 12\"", e.getMessage());
    }

    @Test
    void seesANativeTensorAndItsRelease() {
        long base = MemoryProbe.residentBytes();
        long withTensor;
        try (PointerScope scope = new PointerScope()) {
            Tensor t = torch.empty(64L << 20);      // 256 MB of floats, touched by fill_
            t.fill_(new Scalar(1.0));
            withTensor = MemoryProbe.residentBytes();
        }
        long after = MemoryProbe.residentBytes();
        assertTrue(withTensor - base > 250L << 20, "a touched 256 MB tensor is resident: +" + ((withTensor - base) >> 20) + " MB");
        assertTrue(withTensor - after > 250L << 20, "and is returned on release: -" + ((withTensor - after) >> 20) + " MB");
        // VmHWM is refreshed lazily by the kernel, so compare with the clearly lower baseline.
        assertTrue(MemoryProbe.peakResidentBytes() > base + (250L << 20));
        long javacpp = MemoryProbe.physicalBytes();
        // JavaCPP leaves out shared pages (the mapped libtorch libraries), so it reads below VmRSS.
        assertTrue(javacpp > 0 && javacpp <= MemoryProbe.residentBytes(), "JavaCPP " + javacpp + " within VmRSS " + after);
    }

    /**
     * A tensor made outside any scope and dropped is garbage whose 256 MB stay resident until the collector and
     * JavaCPP's deallocator free them: {@link MemoryProbe#settle()} does both, so a measurement starting after it does
     * not see that memory returned inside its window.
     */
    @Test
    void settleFreesTheNativeMemoryOfGarbage() {
        long base = MemoryProbe.residentBytes();
        dropTouchedTensor();
        long withGarbage = MemoryProbe.residentBytes();
        assertTrue(withGarbage - base > 250L << 20, "the dropped tensor is still resident: +" + ((withGarbage - base) >> 20)
                + " MB");
        MemoryProbe.settle();
        long settled = MemoryProbe.residentBytes();
        assertTrue(withGarbage - settled > 250L << 20, "settle returned only " + ((withGarbage - settled) >> 20) + " MB");
    }

    /** Makes a 256 MB tensor outside any scope, touches it and drops the only reference. */
    private static void dropTouchedTensor() {
        Tensor t = torch.empty(64L << 20);
        t.fill_(new Scalar(1.0));
    }
}

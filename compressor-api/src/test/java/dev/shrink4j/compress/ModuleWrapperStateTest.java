package dev.shrink4j.compress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.compress.CompressorTest.OnesMaskCompressor;
import dev.shrink4j.workbench.zoo.LeNet5;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Typed per-layer state on {@link ModuleWrapper}: {@link StateKey}, put/get/replace/remove, ownership on release. */
class ModuleWrapperStateTest {

    /** State that records when it is closed, and what the wrapper still had at that moment. */
    static final class Resource implements AutoCloseable {
        final String name;
        final List<String> log;
        final ModuleWrapper wrapper;
        RuntimeException failure;

        Resource(String name, List<String> log, ModuleWrapper wrapper) {
            this.name = name;
            this.log = log;
            this.wrapper = wrapper;
        }

        @Override
        public void close() {
            log.add(name + ": parametrized=" + wrapper.module().isParametrized("weight") + ", mask elements="
                    + wrapper.getBuffer("weight_mask").numel());
            if (failure != null) {
                throw failure;
            }
        }
    }

    /** Mutable state, as LSQ's flags are. */
    static final class Counter {
        int value;
    }

    static final StateKey<Counter> COUNTER = StateKey.of("counter", Counter.class);
    static final StateKey<Resource> RESOURCE = StateKey.of("resource", Resource.class);

    private LeNet5 net;
    private OnesMaskCompressor compressor;
    private ModuleWrapper fc1;
    private final List<String> log = new ArrayList<>();

    @BeforeEach
    void wrap() {
        net = new LeNet5();
        compressor = new OnesMaskCompressor(net, CompressorTest.configs("[{\"sparsity\": 0.5, \"op_names\": [\"fc1\", \"fc2\"]}]"), null);
        compressor.compress();
        fc1 = compressor.getWrapper("fc1");
    }

    @AfterEach
    void close() {
        compressor.close();
        net.close();
    }

    @Test
    void putReturnsTheValueAndStateReadsItBackTyped() {
        Counter c = fc1.putState(COUNTER, new Counter());
        c.value = 4;
        Counter read = fc1.state(COUNTER); // typed by the key: no cast
        assertSame(c, read);
        assertEquals(4, read.value);
        assertEquals(Optional.of(c), fc1.findState(COUNTER));
        assertEquals(Optional.empty(), fc1.findState(RESOURCE));
        assertEquals(Set.of(COUNTER), fc1.stateKeys());
        assertEquals(Optional.empty(), compressor.getWrapper("fc2").findState(COUNTER), "state is per layer");
    }

    @Test
    void stateKeysListInFirstSetOrder() {
        fc1.putState(RESOURCE, new Resource("r", log, fc1));
        fc1.putState(COUNTER, new Counter());
        fc1.putState(RESOURCE, new Resource("r2", log, fc1)); // a replacement keeps the key's place
        assertEquals(List.of(RESOURCE, COUNTER), new ArrayList<>(fc1.stateKeys()));
        assertEquals("[\"resource\" (Resource), \"counter\" (Counter)]", fc1.stateKeys().toString());
    }

    @Test
    void replacingClosesTheOldOwnedValueButNotTheNewOne() {
        fc1.putState(RESOURCE, new Resource("first", log, fc1));
        Resource second = new Resource("second", log, fc1);
        assertSame(second, fc1.putState(RESOURCE, second));
        assertSame(second, fc1.state(RESOURCE));
        assertEquals(List.of("first: parametrized=true, mask elements=" + fc1.weight().numel()), log);
        fc1.putState(RESOURCE, second); // the same value again: nothing to close
        assertEquals(1, log.size());
    }

    @Test
    void missingStateNamesTheLayerTheKeyAndWhatIsThere() {
        IllegalStateException none = assertThrows(IllegalStateException.class, () -> fc1.state(COUNTER));
        assertEquals("fc1 has no state \"counter\" (Counter); it has none", none.getMessage());
        fc1.putState(RESOURCE, new Resource("r", log, fc1));
        IllegalStateException other = assertThrows(IllegalStateException.class, () -> fc1.state(COUNTER));
        assertEquals("fc1 has no state \"counter\" (Counter); it has [\"resource\" (Resource)]", other.getMessage());
    }

    @Test
    void aSecondKeyWithTheSameNameIsRefused() {
        fc1.putState(COUNTER, new Counter());
        StateKey<Counter> twin = StateKey.of("counter", Counter.class);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fc1.putState(twin, new Counter()));
        assertEquals("fc1 already has state \"counter\" (Counter) under another key of that name; give each key its own name",
                e.getMessage());
        assertEquals(Optional.empty(), fc1.findState(twin), "keys compare by identity, not by name");
    }

    @Test
    void nullValuesAreRefusedWithTheWayToUnset() {
        NullPointerException e = assertThrows(NullPointerException.class, () -> fc1.putState(COUNTER, null));
        assertEquals("fc1: state \"counter\" (Counter) is null; removeState(key) unsets it", e.getMessage());
    }

    @Test
    @SuppressWarnings({"rawtypes", "unchecked"})
    void aRawKeyCannotSmuggleInAnotherType() {
        StateKey raw = COUNTER;
        ClassCastException e = assertThrows(ClassCastException.class, () -> fc1.putState(raw, "not a counter"));
        assertEquals("fc1: state \"counter\" (Counter) cannot hold a java.lang.String", e.getMessage());
        assertTrue(fc1.stateKeys().isEmpty());
    }

    @Test
    void removeHandsTheValueBackUnclosed() {
        Resource r = fc1.putState(RESOURCE, new Resource("r", log, fc1));
        assertEquals(Optional.of(r), fc1.removeState(RESOURCE));
        assertEquals(Optional.empty(), fc1.removeState(RESOURCE));
        assertTrue(fc1.stateKeys().isEmpty());
        compressor.unwrap();
        assertEquals(List.of(), log, "the caller owns a removed value");
    }

    @Nested
    class OnRelease {

        @Test
        void ownedValuesAreClosedNewestFirstAfterTheHooksWhileTheBuffersAreAlive() {
            long elements = fc1.weight().numel();
            fc1.putState(RESOURCE, new Resource("older", log, fc1));
            fc1.putState(COUNTER, new Counter()); // not AutoCloseable: only dropped
            StateKey<Resource> newer = StateKey.of("newer", Resource.class);
            fc1.putState(newer, new Resource("newer", log, fc1));
            compressor.unwrap();
            assertEquals(List.of("newer: parametrized=false, mask elements=" + elements,
                    "older: parametrized=false, mask elements=" + elements), log);
            assertTrue(fc1.isReleased());
            assertTrue(fc1.stateKeys().isEmpty());
            assertTrue(fc1.buffers().isEmpty());
            fc1.release(); // idempotent: nothing is closed twice
            assertEquals(2, log.size());
        }

        @Test
        void aFailingCloseStillClosesTheRestAndReleasesTheBuffers() {
            Resource failing = fc1.putState(RESOURCE, new Resource("failing", log, fc1));
            failing.failure = new IllegalStateException("boom");
            StateKey<Resource> other = StateKey.of("other", Resource.class);
            Resource alsoFailing = fc1.putState(other, new Resource("also failing", log, fc1));
            alsoFailing.failure = new IllegalStateException("bang");
            IllegalStateException e = assertThrows(IllegalStateException.class, fc1::release);
            assertEquals("bang", e.getMessage(), "the first failure: the newest value is closed first");
            assertEquals(1, e.getSuppressed().length);
            assertEquals("boom", e.getSuppressed()[0].getMessage());
            assertEquals(2, log.size());
            assertTrue(fc1.buffers().isEmpty());
            assertFalse(net.fc1.isParametrized("weight"));
        }

        @Test
        void aCheckedCloseFailureIsReportedWithTheLayerAndKey() {
            StateKey<AutoCloseable> key = StateKey.of("file", AutoCloseable.class);
            Exception cause = new java.io.IOException("disk full");
            fc1.putState(key, () -> {
                throw cause;
            });
            IllegalStateException e = assertThrows(IllegalStateException.class, fc1::release);
            assertEquals("fc1: closing state \"file\" (AutoCloseable) failed: disk full", e.getMessage());
            assertSame(cause, e.getCause());
        }

        @Test
        void stateCannotBeReadOrSetAfterwards() {
            fc1.putState(COUNTER, new Counter());
            compressor.unwrap();
            IllegalStateException read = assertThrows(IllegalStateException.class, () -> fc1.state(COUNTER));
            assertEquals("the wrapper of fc1 has been released", read.getMessage());
            IllegalStateException write = assertThrows(IllegalStateException.class, () -> fc1.putState(COUNTER, new Counter()));
            assertEquals("the wrapper of fc1 has been released", write.getMessage());
            assertEquals(Optional.empty(), fc1.findState(COUNTER));
        }
    }

    @Nested
    class Keys {

        @Test
        void tensorsAreBuffersNotState() {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StateKey.of("scale", Tensor.class));
            assertEquals("state \"scale\" of type Tensor would hold native memory; register a tensor as a wrapper buffer"
                    + " (ModuleWrapper.registerBuffer), which is saved, loaded and released with the wrapper", e.getMessage());
        }

        @Test
        void aKeyNeedsAName() {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StateKey.of(" ", Counter.class));
            assertEquals("a state key needs a name, got \" \"", e.getMessage());
        }

        @Test
        void aKeyShowsItsNameAndType() {
            assertEquals("counter", COUNTER.name());
            assertEquals(Counter.class, COUNTER.type());
            assertEquals("\"counter\" (Counter)", COUNTER.toString());
        }
    }
}

package dev.shrink4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.shrink4j.nn.layers.BatchNorm;
import dev.shrink4j.nn.layers.BatchNorm2d;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Linear;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModuleTypesTest {

    /** A user's subclass of a layer: looked up as its nearest listed superclass. */
    static final class WiderConv extends Conv2d {
        WiderConv() {
            super(1, 2, 3);
        }
    }

    static final Map<Class<? extends Module>, String> TABLE = Map.of(Conv2d.class, "conv", BatchNorm.class, "bn",
            BatchNorm2d.class, "bn2d");

    @Test
    void theExactClassComesFirst() {
        assertEquals("conv", ModuleTypes.nearest(TABLE, Conv2d.class));
        assertEquals("bn2d", ModuleTypes.nearest(TABLE, BatchNorm2d.class), "not the abstract parent's entry");
    }

    @Test
    void aSubclassUsesItsNearestListedSuperclass() {
        assertEquals("conv", ModuleTypes.nearest(TABLE, WiderConv.class));
        assertEquals("bn", ModuleTypes.nearest(Map.of(BatchNorm.class, "bn"), BatchNorm2d.class));
    }

    @Test
    void aClassWithoutListedAncestorHasNone() {
        assertNull(ModuleTypes.nearest(TABLE, Linear.class));
        assertNull(ModuleTypes.nearest(Map.of(), WiderConv.class));
    }
}

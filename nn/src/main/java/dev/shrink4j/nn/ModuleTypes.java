package dev.shrink4j.nn;

import java.util.Map;

/**
 * Per-module-type tables (channel rules, FLOP counters) looked up the way Java dispatches methods: a
 * user's subclass of a layer uses the entry of the nearest class above it that has one.
 */
public final class ModuleTypes {

    private ModuleTypes() {
    }

    /**
     * The entry of {@code byType} for {@code type} or, failing that, for its nearest superclass that has one,
     * walking up to {@link Module}.
     *
     * @return the entry, or null when neither {@code type} nor any of its {@code Module} superclasses has one
     */
    public static <V> V nearest(Map<Class<? extends Module>, V> byType, Class<? extends Module> type) {
        for (Class<?> c = type; c != null && Module.class.isAssignableFrom(c); c = c.getSuperclass()) {
            V entry = byType.get(c);
            if (entry != null) {
                return entry;
            }
        }
        return null;
    }
}

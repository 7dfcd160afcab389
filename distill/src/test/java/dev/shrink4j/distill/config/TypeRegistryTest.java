package dev.shrink4j.distill.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The registry every typed config entry (loss, connector, recorder) is built through: the entry's
 * {@code "type"} picks the reader, unknown types list the known ones, unknown keys name the type.
 */
class TypeRegistryTest {

    /** What the test entries build: the type and the option {@code "scale"} (default 1). */
    record Scaled(String type, double scale) {
    }

    private static TypeRegistry<Scaled> registry(String kind, String suffix) {
        return new TypeRegistry<Scaled>(kind, suffix)
                .add("Double", r -> new Scaled("Double", 2 * r.number("scale", 1.0)))
                .add("Plain", r -> new Scaled("Plain", r.number("scale", 1.0)));
    }

    private static Scaled build(TypeRegistry<Scaled> registry, String json, List<String> errors) {
        return registry.build("entries.e", JsonParser.parseString(json), errors);
    }

    @Test
    void theTypePicksTheReaderAndTheTypesKeepTheirOrder() {
        TypeRegistry<Scaled> registry = registry("thing", "");
        List<String> errors = new ArrayList<>();
        assertEquals(new Scaled("Double", 3.0), build(registry, "{\"type\": \"Double\", \"scale\": 1.5}", errors));
        assertEquals(new Scaled("Plain", 1.0), build(registry, "{\"type\": \"Plain\"}", errors));
        assertEquals(List.of(), errors);
        assertEquals(List.of("Double", "Plain"), registry.types());
    }

    @Test
    void anUnknownTypeListsTheKnownOnesInTheKindsPlural() {
        List<String> errors = new ArrayList<>();
        assertNull(build(registry("loss", ""), "{\"type\": \"Triple\"}", errors));
        assertNull(build(registry("thing", ""), "{\"type\": \"Triple\"}", errors));
        assertEquals(List.of("entries.e.type: unknown loss \"Triple\"; known losses: Double, Plain",
                "entries.e.type: unknown thing \"Triple\"; known things: Double, Plain"), errors);
    }

    @Test
    void unknownKeysNameTheTypeWithTheSuffixAndNothingIsBuilt() {
        List<String> errors = new ArrayList<>();
        assertNull(build(registry("recorder", " recorder"), "{\"type\": \"Plain\", \"scal\": 2}", errors));
        assertEquals(List.of("entries.e: unknown key \"scal\" for Plain recorder; accepted keys: type, scale"), errors);
    }

    @Test
    void aMissingTypeOrAnEntryThatIsNoObjectIsOneProblem() {
        List<String> errors = new ArrayList<>();
        assertNull(build(registry("thing", ""), "{\"scale\": 2}", errors));
        assertNull(build(registry("thing", ""), "[1, 2]", errors));
        assertEquals(List.of("entries.e: missing \"type\"", "entries.e: expected an object, got list [1,2]"), errors);
    }

    @Test
    void aTypeAddedTwiceIsRefused() {
        TypeRegistry<Scaled> registry = registry("thing", "");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> registry.add("Plain", r -> new Scaled("Plain", 0.0)));
        assertEquals("thing type \"Plain\" is registered twice", e.getMessage());
    }
}

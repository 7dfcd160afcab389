package dev.shrink4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering of the compiled classes of every module, read from their class files' constant pools
 * (every class a class names: in its code, fields, signatures and annotations):
 * <ul>
 *   <li>no class outside {@code dev.shrink4j.cli} uses {@code dev.shrink4j.cli} (the library does not
 *       know its command line);</li>
 *   <li>{@code dev.shrink4j.cli} uses no concrete algorithm class (a {@code dev.shrink4j.prune.*Pruner}
 *       other than the base {@code Pruner}, {@code AgpSchedule}, anything in {@code dev.shrink4j.quant.algo}):
 *       nor anything of the amc module ({@code dev.shrink4j.amc}, found through ServiceLoader):
 *       it drives compressors through {@code dev.shrink4j.compress.protocol} and builds them through the
 *       algorithm registry;</li>
 *   <li>no cycle among packages: every package depends only on packages that do not depend back on it,
 *       directly or through others.</li>
 * </ul>
 * The classes are each module's {@code target/classes}, so the test runs after the reactor has compiled
 * them all ({@code mvn test} from the root does).
 */
class ArchitectureTest {

    private static final List<String> MODULES = List.of("nn", "compressor-api", "collectors", "pruners", "quantizers",
            "algorithms", "graph", "onnx", "amc", "cli");

    private static final Pattern CLASS_NAME = Pattern.compile("dev/shrink4j/[A-Za-z0-9_/$]+");

    /** Class (binary name with dots) → the shrink4j classes it names. */
    private static final Map<String, Set<String>> USES = new TreeMap<>();

    @BeforeAll
    static void readClasses() throws IOException {
        Path root = Path.of("..");
        for (String module : MODULES) {
            Path classes = root.resolve(module).resolve("target").resolve("classes");
            assertTrue(Files.isDirectory(classes), classes + " is missing: compile every module first (mvn test from the root)");
            try (Stream<Path> files = Files.walk(classes)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                    String name = classes.relativize(f).toString().replace('\\', '/');
                    name = name.substring(0, name.length() - ".class".length());
                    if (name.endsWith("package-info") || name.equals("module-info")) {
                        continue;
                    }
                    try (InputStream in = Files.newInputStream(f)) {
                        USES.put(name.replace('/', '.'), namedClasses(in));
                    }
                }
            }
        }
        assertTrue(USES.containsKey("dev.shrink4j.cli.Shrink4j") && USES.containsKey("dev.shrink4j.algorithms.AlgorithmRegistry"),
                "the classes of cli and algorithms were not found");
    }

    /**
     * The shrink4j classes named in a class file's constant pool: its {@code CONSTANT_Utf8} entries hold
     * every class name and type descriptor the class uses.
     */
    static Set<String> namedClasses(InputStream classFile) throws IOException {
        DataInputStream in = new DataInputStream(classFile);
        if (in.readInt() != 0xCAFEBABE) {
            throw new IOException("not a class file");
        }
        in.readUnsignedShort(); // minor
        in.readUnsignedShort(); // major
        int count = in.readUnsignedShort();
        Set<String> out = new TreeSet<>();
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> {
                    Matcher m = CLASS_NAME.matcher(in.readUTF());
                    while (m.find()) {
                        out.add(m.group().replace('/', '.'));
                    }
                }
                case 7, 8, 16, 19, 20 -> in.skipNBytes(2);
                case 15 -> in.skipNBytes(3);
                case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipNBytes(4);
                case 5, 6 -> {
                    in.skipNBytes(8);
                    i++; // a long or double takes two entries
                }
                default -> throw new IOException("unknown constant pool tag " + tag + " at entry " + i);
            }
        }
        return out;
    }

    private static String packageOf(String className) {
        return className.substring(0, className.lastIndexOf('.'));
    }

    private static boolean inCli(String className) {
        return className.startsWith("dev.shrink4j.cli.");
    }

    @Test
    void theParserReadsThisClassesOwnReferences() throws IOException {
        try (InputStream in = ArchitectureTest.class.getResourceAsStream("ArchitectureTest.class")) {
            Set<String> named = namedClasses(in);
            assertTrue(named.contains("dev.shrink4j.cli.ArchitectureTest"), named.toString());
        }
        assertTrue(USES.get("dev.shrink4j.cli.Shrink4j").contains("dev.shrink4j.algorithms.AlgorithmRegistry"));
    }

    @Test
    void nothingOutsideTheCommandLineUsesIt() {
        List<String> violations = new ArrayList<>();
        USES.forEach((c, uses) -> {
            if (!inCli(c)) {
                uses.stream().filter(ArchitectureTest::inCli).forEach(u -> violations.add(c + " → " + u));
            }
        });
        assertEquals(List.of(), violations);
    }

    @Test
    void theCommandLineUsesNoConcreteAlgorithm() {
        Pattern concrete = Pattern.compile("dev\\.shrink4j\\.(prune\\.(?!Pruner$|Pruner\\$)[A-Za-z0-9]*Pruner(\\$.*)?"
                + "|prune\\.AgpSchedule|quant\\.algo\\..*|amc\\..*)");
        List<String> violations = new ArrayList<>();
        USES.forEach((c, uses) -> {
            if (inCli(c)) {
                uses.stream().filter(u -> concrete.matcher(u).matches()).forEach(u -> violations.add(c + " → " + u));
            }
        });
        assertEquals(List.of(), violations);
    }

    @Test
    void noPackageCycle() {
        Map<String, Set<String>> graph = new TreeMap<>();
        USES.forEach((c, uses) -> {
            String from = packageOf(c);
            Set<String> to = graph.computeIfAbsent(from, k -> new TreeSet<>());
            uses.stream().map(ArchitectureTest::packageOf).filter(p -> !p.equals(from)).forEach(to::add);
        });
        List<Set<String>> cycles = stronglyConnected(graph).stream().filter(s -> s.size() > 1).toList();
        assertEquals(List.of(), cycles, "package cycles");
    }

    /** Tarjan's strongly connected components of {@code graph}, each as a sorted set. */
    static List<Set<String>> stronglyConnected(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<Set<String>> out = new ArrayList<>();
        int[] next = {0};
        for (String v : graph.keySet()) {
            if (!index.containsKey(v)) {
                connect(v, graph, index, low, stack, onStack, out, next);
            }
        }
        return out;
    }

    private static void connect(String v, Map<String, Set<String>> graph, Map<String, Integer> index,
            Map<String, Integer> low, Deque<String> stack, Set<String> onStack, List<Set<String>> out, int[] next) {
        index.put(v, next[0]);
        low.put(v, next[0]);
        next[0]++;
        stack.push(v);
        onStack.add(v);
        for (String w : graph.getOrDefault(v, Set.of())) {
            if (!index.containsKey(w)) {
                connect(w, graph, index, low, stack, onStack, out, next);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> component = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            out.add(component);
        }
    }

    @Test
    void tarjanFindsACycleAndLeavesAChainApart() {
        Map<String, Set<String>> g = Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a", "d"), "d", Set.of());
        List<Set<String>> sccs = stronglyConnected(new TreeMap<>(g));
        assertTrue(sccs.contains(Set.of("a", "b", "c")), sccs.toString());
        assertTrue(sccs.contains(Set.of("d")), sccs.toString());
        assertEquals(2, sccs.size());
    }
}

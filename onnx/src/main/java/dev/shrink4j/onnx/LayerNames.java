package dev.shrink4j.onnx;

import dev.shrink4j.onnx.proto.OnnxProtos.NodeProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Where {@link OnnxImporter} puts each layer in the {@link ImportedModel}'s tree: layers with weights at the prefix of
 * their initializers' names (PyTorch's state-dict keys), layers without at the module scope PyTorch 1.13+ writes into
 * node names, or at the node's own name.
 */
final class LayerNames {

    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_]+(\\.[A-Za-z0-9_]+)*");

    private final ImportedModel model;
    /** How many layer-making nodes each module scope holds directly. */
    private final Map<String, Integer> scopeNodes = new HashMap<>();
    /** The module scopes with something under them: a deeper scope or an initializer's prefix. */
    private final Set<String> scopeParents = new HashSet<>();

    /**
     * @param model        the tree the layers go into (for the paths already taken)
     * @param nodes        the graph's nodes
     * @param initializers the initializers' names
     * @param makesLayer   which operator types become layers (not constants, aliases or shape arithmetic)
     */
    LayerNames(ImportedModel model, List<NodeProto> nodes, Set<String> initializers, Predicate<String> makesLayer) {
        this.model = model;
        for (NodeProto n : nodes) {
            String scope = scope(n);
            if (!scope.isEmpty() && makesLayer.test(n.getOpType())) {
                scopeNodes.merge(scope, 1, Integer::sum);
            }
            addParents(scope, false);
        }
        for (String key : initializers) {
            String prefix = keyPrefix(key);
            if (prefix != null) {
                addParents(prefix, true);
            }
        }
    }

    /** Records the proper prefixes of a dotted path (and the path itself when {@code inclusive}) as parents. */
    private void addParents(String path, boolean inclusive) {
        for (int dot = path.indexOf('.'); dot > 0; dot = path.indexOf('.', dot + 1)) {
            scopeParents.add(path.substring(0, dot));
        }
        if (inclusive) {
            scopeParents.add(path);
        }
    }

    /**
     * The path of a layer with weights: the common prefix of its initializers' names where one is a state-dict key
     * ({@code layer1.0.conv1.weight}), else the node's scope or name.
     */
    String forWeights(NodeProto n, int... inputs) {
        for (int i : inputs) {
            if (i < n.getInputCount()) {
                String prefix = keyPrefix(n.getInput(i));
                if (prefix != null) {
                    return prefix;
                }
            }
        }
        String scope = scope(n);
        return !scope.isEmpty() && !model.hasPath(scope) ? scope : ownName(n);
    }

    /**
     * The path a node names without a scope: its name when that is a dotted module path (shrink4j's exporter names
     * nodes after the layers, {@code layer1.0.relu}), else the name with other characters replaced by {@code _}.
     */
    private static String ownName(NodeProto n) {
        return KEY.matcher(n.getName()).matches() ? n.getName() : sanitize(lastPart(n));
    }

    /** {@code a.b.weight} → {@code a.b}, for names that look like state-dict keys; else null. */
    static String keyPrefix(String initializer) {
        int dot = initializer.lastIndexOf('.');
        return dot > 0 && KEY.matcher(initializer).matches() ? initializer.substring(0, dot) : null;
    }

    /**
     * The path of a layer without weights: its module scope ({@code /layer1/layer1.0/relu/Relu} →
     * {@code layer1.0.relu}) when the node is all that scope computes (a PyTorch leaf module such as {@code nn.ReLU});
     * the node's own name inside its scope when the scope holds more (a block's functional {@code +}:
     * {@code layer1.0.Add}); the node's name for nodes outside any module.
     */
    String forLayer(NodeProto n) {
        String scope = scope(n);
        if (scope.isEmpty()) {
            return ownName(n);
        }
        boolean leaf = scopeNodes.getOrDefault(scope, 0) == 1 && !scopeParents.contains(scope) && !model.hasPath(scope);
        return leaf ? scope : scope + "." + sanitize(lastPart(n));
    }

    /**
     * The dotted module path of a PyTorch 1.13+ node name {@code /features/features.3/conv/conv.1/Conv}: each scope
     * segment is the module's name relative to the segment before it when it extends that ({@code features.3} after
     * {@code features} is child {@code 3}), else a child of its own name.
     */
    private static String scope(NodeProto n) {
        String name = n.getName();
        if (!name.startsWith("/")) {
            return "";
        }
        String[] parts = name.substring(1).split("/");
        List<String> path = new ArrayList<>();
        String previous = null;
        for (int i = 0; i < parts.length - 1; i++) {
            String s = parts[i];
            String local = previous != null && s.startsWith(previous + ".") ? s.substring(previous.length() + 1) : s;
            for (String seg : local.split("\\.")) {
                path.add(sanitize(seg));
            }
            previous = s;
        }
        return String.join(".", path);
    }

    private static String lastPart(NodeProto n) {
        String name = n.getName();
        if (name.isEmpty()) {
            return n.getOpType();
        }
        int slash = name.lastIndexOf('/');
        return slash >= 0 ? name.substring(slash + 1) : name;
    }

    private static String sanitize(String s) {
        String out = s.replaceAll("[^A-Za-z0-9_]", "_");
        return out.isEmpty() ? "_" : out;
    }

}

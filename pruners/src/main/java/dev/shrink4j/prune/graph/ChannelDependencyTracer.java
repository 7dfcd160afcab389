package dev.shrink4j.prune.graph;

import dev.shrink4j.nn.HookHandle;
import dev.shrink4j.nn.Module;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Finds channel dependencies empirically, since the module tree has no traced graph.
 *
 * <p>Method. A <em>mixing</em> layer is one with a weight of rank ≥ 2 ({@code Conv2d}, {@code Linear}):
 * it spreads every input channel over all its outputs. Everything else the model does between
 * mixing layers (batch norm, activations, pooling, element-wise add or multiply) keeps channel
 * {@code c} in channel {@code c}, or moves it (concatenation, shuffling, padding).
 * <ol>
 *   <li>One baseline forward with the dummy input (all ones) records every mixing layer's output.</li>
 *   <li>For each convolution {@code P} and probe channel {@code c} (channels {@code 0}, {@code 1} and
 *       {@code n−1}): a forward where {@code P}'s output channel {@code c} is set to NaN and every
 *       other mixing layer returns its baseline output, so the NaN travels only through the
 *       channel-wise operations. A pre-hook on each mixing layer (and the model's output) records
 *       which input channels are NaN.</li>
 *   <li>{@code P} is <em>aligned</em> with a consumer when the consumer's input has exactly
 *       {@code P}'s channel count and, for every probe, exactly channel {@code c} is NaN. Two
 *       convolutions aligned with the same consumer had their outputs combined element-wise on the
 *       same channels: a {@link Dependency}.</li>
 * </ol>
 * This finds residual adds through identity shortcuts (the NaN flows through the shortcut, not
 * through the blocked convolutions) and through downsample convolutions, and leaves out
 * concatenations (channel counts differ) and channel shuffles (probe 1 moves). Limits: a depthwise
 * convolution blocks the trace like any mixing layer, and shifted merges such as the zero-padded
 * "option A" shortcut are not dependencies here (the channels do not line up index for index).
 * Run in evaluation mode (restored afterwards), without gradients; costs {@code 1 + Σ min(n, 3)}
 * forwards of the dummy input.
 */
public final class ChannelDependencyTracer {

    /** The name of the model's output as a consumer. */
    public static final String OUTPUT = "<output>";

    private ChannelDependencyTracer() {
    }

    /**
     * Traces {@code model} with an all-ones input of {@code inputShape}.
     *
     * @param producers the convolutions to probe, by name
     * @return the dependencies found, each linking the first producer aligned with a consumer to each other one
     */
    public static List<Dependency> trace(Module model, Map<String, Node> producers, long... inputShape) {
        Map<String, Module> modules = model.namedModules();
        Map<String, Module> mixers = new LinkedHashMap<>();
        modules.forEach((name, m) -> {
            Tensor w = m.getParameter("weight");
            if (!name.isEmpty() && w != null && w.dim() >= 2) {
                mixers.put(name, m);
            }
        });
        Map<Module, Boolean> training = new IdentityHashMap<>();
        List<Module> order = new ArrayList<>(modules.values());
        order.forEach(m -> training.put(m, m.isTraining()));
        model.eval();
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            Tensor input = torch.ones(inputShape);
            Map<Module, List<Tensor>> baseline = new IdentityHashMap<>();
            List<HookHandle> handles = new ArrayList<>();
            for (Module m : mixers.values()) {
                handles.add(m.registerForwardHook((mod, x, y) -> {
                    baseline.computeIfAbsent(mod, k -> new ArrayList<>()).add(y);
                    return y;
                }));
            }
            try {
                model.call(input);
            } finally {
                handles.forEach(HookHandle::remove);
            }
            // consumer site → producers aligned with it
            Map<String, List<Node>> aligned = new LinkedHashMap<>();
            for (Node p : producers.values()) {
                for (String site : alignedSites(model, p, mixers, baseline, input)) {
                    aligned.computeIfAbsent(site, k -> new ArrayList<>()).add(p);
                }
            }
            List<Dependency> out = new ArrayList<>();
            aligned.forEach((site, ps) -> {
                for (Node other : ps.subList(1, ps.size())) {
                    out.add(new Dependency(ps.get(0), other, site));
                }
            });
            return out;
        } finally {
            order.forEach(m -> m.train(training.get(m))); // pre-order: each module ends with its own flag
        }
    }

    /** The consumer sites where {@code p}'s output arrives channel for channel. */
    private static List<String> alignedSites(Module model, Node p, Map<String, Module> mixers,
            Map<Module, List<Tensor>> baseline, Tensor input) {
        long n = p.outChannels();
        TreeSet<Long> probes = new TreeSet<>(List.of(0L, Math.min(1L, n - 1), n - 1));
        Map<String, Boolean> sites = null;
        for (long c : probes) {
            Map<String, Boolean> hit = probe(model, p, c, mixers, baseline, input);
            if (sites == null) {
                sites = hit;
            } else {
                Map<String, Boolean> before = sites;
                sites = new LinkedHashMap<>();
                for (Map.Entry<String, Boolean> e : hit.entrySet()) {
                    sites.put(e.getKey(), e.getValue() && before.getOrDefault(e.getKey(), false));
                }
            }
        }
        List<String> out = new ArrayList<>();
        sites.forEach((site, ok) -> {
            if (ok) {
                out.add(site);
            }
        });
        return out;
    }

    /** One NaN-marked forward: for each consumer site, whether exactly channel {@code c} of {@code n} is NaN. */
    private static Map<String, Boolean> probe(Module model, Node p, long c, Map<String, Module> mixers,
            Map<Module, List<Tensor>> baseline, Tensor input) {
        long n = p.outChannels();
        Map<String, Boolean> hit = new LinkedHashMap<>();
        Map<Module, int[]> calls = new IdentityHashMap<>();
        List<HookHandle> handles = new ArrayList<>();
        try {
            for (Map.Entry<String, Module> e : mixers.entrySet()) {
                String name = e.getKey();
                Module m = e.getValue();
                handles.add(m.registerForwardPreHook((mod, x) -> {
                    int k = calls.computeIfAbsent(mod, key -> new int[1])[0];
                    hit.put(k == 0 ? name : name + "#" + k, exactlyChannel(x, n, c));
                    return x;
                }));
                if (m == p.module()) {
                    handles.add(m.registerForwardHook((mod, x, y) -> {
                        calls.get(mod)[0]++;
                        Tensor marked = y.clone();
                        marked.select(1, c).fill_(new Scalar(Double.NaN));
                        return marked;
                    }));
                } else {
                    handles.add(m.registerForwardHook((mod, x, y) -> {
                        int k = calls.get(mod)[0]++;
                        List<Tensor> recorded = baseline.get(mod);
                        if (recorded == null || k >= recorded.size()) {
                            throw new IllegalStateException("channel tracing: " + name + " ran " + (k + 1)
                                    + " times in a probe forward but differently in the baseline; the model's forward"
                                    + " must not depend on its values");
                        }
                        return recorded.get(k).clone(); // a copy: the model may modify its input in place
                    }));
                }
            }
            Tensor out = model.call(input);
            hit.put(OUTPUT, exactlyChannel(out, n, c));
        } finally {
            handles.forEach(HookHandle::remove);
        }
        return hit;
    }

    private static boolean exactlyChannel(Tensor x, long n, long c) {
        if (x.dim() < 2 || x.size(1) != n) {
            return false;
        }
        Tensor perChannel = x.isnan().transpose(0, 1).reshape(n, -1).any(1);
        return perChannel.sum().item_long() == 1 && perChannel.select(0, c).item_bool();
    }
}

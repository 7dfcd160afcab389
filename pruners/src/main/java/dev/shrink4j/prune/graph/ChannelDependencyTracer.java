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
 *   <li>{@code P} <em>lands</em> at a consumer when, for every probe, exactly one input channel is NaN
 *       there; its landing is the list of those channel indices. Two convolutions with the same number
 *       of output channels and the same landing at the same consumer had their outputs combined
 *       element-wise on the same channels: a {@link ChannelCoupling}.</li>
 * </ol>
 * This finds residual adds through identity shortcuts (the NaN flows through the shortcut, not
 * through the blocked convolutions) and through downsample convolutions, also when the sum is then
 * concatenated with something else, and leaves out plain concatenations (the members land at
 * different offsets). Limits: a depthwise
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
     * @return the couplings found, each linking the first producer aligned with a consumer to each other one
     */
    public static List<ChannelCoupling> trace(Module model, Map<String, Node> producers, long... inputShape) {
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
            // (consumer site, channel count, where each probe landed) → producers that landed there alike
            Map<String, List<Node>> aligned = new LinkedHashMap<>();
            for (Node p : producers.values()) {
                landings(model, p, mixers, baseline, input).forEach((site, positions) ->
                        aligned.computeIfAbsent(site + "\u0000" + p.outChannels() + "\u0000" + positions,
                                k -> new ArrayList<>()).add(p));
            }
            List<ChannelCoupling> out = new ArrayList<>();
            aligned.forEach((key, ps) -> {
                String site = key.substring(0, key.indexOf('\u0000'));
                for (Node other : ps.subList(1, ps.size())) {
                    out.add(new ChannelCoupling(ps.get(0), other, site));
                }
            });
            return out;
        } finally {
            order.forEach(m -> m.train(training.get(m))); // pre-order: each module ends with its own flag
        }
    }

    /**
     * The consumer sites where every probe channel of {@code p} arrives as exactly one channel, with the
     * channel index it arrives at for each probe (in probe order).
     */
    private static Map<String, List<Long>> landings(Module model, Node p, Map<String, Module> mixers,
            Map<Module, List<Tensor>> baseline, Tensor input) {
        long n = p.outChannels();
        TreeSet<Long> probes = new TreeSet<>(List.of(0L, Math.min(1L, n - 1), n - 1));
        Map<String, List<Long>> sites = null;
        for (long c : probes) {
            Map<String, Long> hit = probe(model, p, c, mixers, baseline, input);
            Map<String, List<Long>> next = new LinkedHashMap<>();
            hit.forEach((site, at) -> {
                if (at >= 0) {
                    next.put(site, new ArrayList<>(List.of(at)));
                }
            });
            if (sites != null) {
                Map<String, List<Long>> before = sites;
                next.keySet().retainAll(before.keySet());
                next.forEach((site, at) -> at.addAll(0, before.get(site)));
            }
            sites = next;
        }
        return sites;
    }

    /** One NaN-marked forward: for each consumer site, the one channel that is NaN, or −1 (none or several). */
    private static Map<String, Long> probe(Module model, Node p, long c, Map<String, Module> mixers,
            Map<Module, List<Tensor>> baseline, Tensor input) {
        Map<String, Long> hit = new LinkedHashMap<>();
        Map<Module, int[]> calls = new IdentityHashMap<>();
        List<HookHandle> handles = new ArrayList<>();
        try {
            for (Map.Entry<String, Module> e : mixers.entrySet()) {
                String name = e.getKey();
                Module m = e.getValue();
                handles.add(m.registerForwardPreHook((mod, x) -> {
                    int k = calls.computeIfAbsent(mod, key -> new int[1])[0];
                    hit.put(k == 0 ? name : name + "#" + k, singleNanChannel(x));
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
            hit.put(OUTPUT, singleNanChannel(out));
        } finally {
            handles.forEach(HookHandle::remove);
        }
        return hit;
    }

    /** The index of the only channel (dimension 1) holding NaNs, or −1 when none or several do. */
    private static long singleNanChannel(Tensor x) {
        if (x.dim() < 2) {
            return -1;
        }
        Tensor perChannel = x.isnan().transpose(0, 1).reshape(x.size(1), -1).any(1);
        if (perChannel.sum().item_long() != 1) {
            return -1;
        }
        return perChannel.to(torch.ScalarType.Long).argmax().item_long();
    }
}

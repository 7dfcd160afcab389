package dev.shrink4j.nn.optim;

import java.io.ByteArrayOutputStream;
import java.util.HashSet;
import java.util.Set;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.ArchiveWriter;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.OutputArchive;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.StringVector;
import org.bytedeco.pytorch.Tensor;

/**
 * libtorch's optimizer serialization, used to carry a native optimizer's state (momentum buffers,
 * Adam moments, step counts) and group options into a rebuilt one. libtorch gives Java no access to
 * an optimizer's state map and no way to erase one of its parameter groups, but {@code save} and
 * {@code load} reach both; in between, the saved archive is rewritten.
 *
 * <p>The layout, written by libtorch's {@code torch/optim/serialize.h} under
 * {@code pytorch_version} "1.5.0" (read back from a saved Adam and SGD):
 * <pre>
 * pytorch_version                               "1.5.0"
 * state/&lt;key&gt;/…                                one sub-archive per parameter with state (attributes:
 *                                               step, exp_avg, momentum_buffer, …)
 * param_groups/param_groups/size                int64 tensor (a parameter), the number of groups
 * param_groups/param_groups/&lt;i&gt;/params/size     int64 tensor (a parameter), the group's parameter count
 * param_groups/param_groups/&lt;i&gt;/params/&lt;j&gt;      string: the state key of the group's j-th parameter
 * param_groups/param_groups/&lt;i&gt;/options/…       the group's options (attributes: lr, betas, …)
 * </pre>
 * {@code load} matches saved groups to the optimizer's groups by position, and within a group saved
 * keys to parameters by position, so a rewritten archive may drop a group as long as the optimizer
 * it is loaded into has the remaining groups in the same order.
 *
 * <p>All objects are created in the caller's {@code PointerScope}.
 */
final class OptimizerArchives {

    /** The serialization format this class reads and writes. */
    static final String FORMAT_VERSION = "1.5.0";

    private static final String VERSION = "pytorch_version";
    private static final String STATE = "state";
    private static final String PARAM_GROUPS = "param_groups";
    private static final String GROUP_COUNT = "param_groups/size";
    private static final String PARAM_COUNT = "params/size";

    private OptimizerArchives() {
    }

    /** {@code optimizer}'s options and state as an archive that can be read. */
    static InputArchive save(org.bytedeco.pytorch.Optimizer optimizer) {
        OutputArchive out = new OutputArchive();
        optimizer.save(out);
        return reopen(out);
    }

    /**
     * {@code saved} without parameter group {@code index} and without the state of its parameters;
     * the groups after it move down by one.
     *
     * @throws IllegalStateException when the archive is not in the layout above
     */
    static InputArchive withoutGroup(InputArchive saved, int index) {
        IValue version = new IValue();
        if (!saved.try_read(VERSION, version) || !version.isString()
                || !FORMAT_VERSION.equals(version.toStringRef().getString())) {
            throw new IllegalStateException("libtorch's optimizer archive has an unknown layout (pytorch_version "
                    + (version.isString() ? "\"" + version.toStringRef().getString() + "\"" : "missing")
                    + ", expected \"" + FORMAT_VERSION + "\")");
        }
        InputArchive groups = subArchive(saved, PARAM_GROUPS);
        long count = tensor(groups, GROUP_COUNT).item_long();
        if (index < 0 || index >= count) {
            throw new IllegalStateException("libtorch's optimizer archive has " + count + " parameter groups, not a group "
                    + index);
        }
        Set<String> dropped = stateKeys(subArchive(groups, PARAM_GROUPS + "/" + index));

        OutputArchive out = new OutputArchive();
        out.write(VERSION, version);
        OutputArchive state = new OutputArchive(out.compilation_unit());
        copy(subArchive(saved, STATE), state, dropped);
        out.write(STATE, state);

        OutputArchive outGroups = new OutputArchive(out.compilation_unit());
        outGroups.write(GROUP_COUNT, tensor(groups, GROUP_COUNT).clone().fill_(new Scalar(count - 1)));
        for (long i = 0, to = 0; i < count; i++) {
            if (i == index) {
                continue;
            }
            OutputArchive group = new OutputArchive(out.compilation_unit());
            InputArchive source = subArchive(groups, PARAM_GROUPS + "/" + i);
            // params/size is a parameter tensor and is read as one; everything else is an attribute or a sub-archive
            group.write(PARAM_COUNT, tensor(source, PARAM_COUNT));
            copy(source, group, Set.of(PARAM_COUNT));
            outGroups.write(PARAM_GROUPS + "/" + to++, group);
        }
        out.write(PARAM_GROUPS, outGroups);
        return reopen(out);
    }

    /** The state keys a saved group lists for its parameters. */
    private static Set<String> stateKeys(InputArchive group) {
        long n = tensor(group, PARAM_COUNT).item_long();
        Set<String> keys = new HashSet<>();
        for (long j = 0; j < n; j++) {
            IValue key = new IValue();
            group.read("params/" + j, key);
            keys.add(key.toStringRef().getString());
        }
        return keys;
    }

    /**
     * Copies every entry of {@code from} except {@code skip} into {@code to}: sub-archives recursively,
     * everything else as the attribute it is (optimizer state and options hold no parameter tensors).
     */
    private static void copy(InputArchive from, OutputArchive to, Set<String> skip) {
        StringVector keys = from.keys();
        for (long i = 0; i < keys.size(); i++) {
            String key = keys.get(i).getString();
            if (skip.contains(key)) {
                continue;
            }
            InputArchive sub = new InputArchive();
            if (from.try_read(key, sub)) {
                OutputArchive copied = new OutputArchive(to.compilation_unit());
                copy(sub, copied, Set.of());
                to.write(key, copied);
            } else {
                IValue value = new IValue();
                from.read(key, value);
                to.write(key, value);
            }
        }
    }

    /** The parameter tensor {@code key} of {@code archive} (the counters libtorch writes as tensors). */
    private static Tensor tensor(InputArchive archive, String key) {
        Tensor t = new Tensor();
        archive.read(key, t);
        return t;
    }

    private static InputArchive subArchive(InputArchive parent, String key) {
        InputArchive sub = new InputArchive();
        if (!parent.try_read(key, sub)) {
            throw new IllegalStateException("libtorch's optimizer archive has no \"" + key + "\" section");
        }
        return sub;
    }

    /** The archive written by {@code out}, read back through its bytes (held in memory). */
    private static InputArchive reopen(OutputArchive out) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ArchiveWriter writer = new ArchiveWriter() {
            @Override
            public long call(Pointer data, long n) {
                byte[] chunk = new byte[Math.toIntExact(n)];
                new BytePointer(data).capacity(n).get(chunk);
                bytes.write(chunk, 0, chunk.length);
                return n;
            }
        };
        try {
            out.save_to(writer);
        } finally {
            writer.close();
        }
        byte[] all = bytes.toByteArray();
        InputArchive in = new InputArchive();
        in.load_from(new BytePointer(all), all.length);
        return in;
    }
}

package dev.shrink4j.compress;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Optimizer;

/**
 * The one builder family of shrink4j's compressors (DJL style: {@code set…} required, {@code opt…}
 * optional). Holds what every compressor needs: the model ({@link #setModel}, required), the config
 * list ({@link #setConfigList}, required) and the training optimizer ({@link #optOptimizer}, optional,
 * null for one-shot use). Each compressor's builder extends this with its own {@code opt…} options and
 * range checks ({@link #check()}), and its {@code build()} calls the compressor's constructor taking
 * the builder, which runs {@link #check()} through {@link Compressor#Compressor(CompressorBuilder)}.
 * Public constructors of the compressors are sugar for their builder, so they validate the same way.
 * A compressor without options of its own uses {@link SimpleCompressorBuilder}, whose {@code build()}
 * checks and calls the public {@code (model, configList, optimizer)} constructor.
 *
 * <p><b>Missing fields.</b> A missing model or config list is always an
 * {@link IllegalArgumentException} with the message {@code "<Compressor>: setModel(...) was not
 * called"} (resp. {@code setConfigList(...)}), {@code <Compressor>} the simple class name of the
 * compressor built; passing null counts as not calling it.
 *
 * @param <B> the concrete builder, returned by every setter so calls chain
 */
public abstract class CompressorBuilder<B extends CompressorBuilder<B>> {

    private final String compressor;
    private Module model;
    private ConfigList configList;
    private Optimizer optimizer;

    /** @param compressor the simple class name of the compressor built, for error messages */
    protected CompressorBuilder(String compressor) {
        this.compressor = compressor;
    }

    /** This builder as its concrete type. */
    @SuppressWarnings("unchecked")
    protected final B self() {
        return (B) this;
    }

    /** The model to compress (required). */
    public B setModel(Module model) {
        this.model = model;
        return self();
    }

    /** Which layers, and how (required). */
    public B setConfigList(ConfigList configList) {
        this.configList = configList;
        return self();
    }

    /** The training optimizer, or null (the default) when there is none. */
    public B optOptimizer(Optimizer optimizer) {
        this.optimizer = optimizer;
        return self();
    }

    /** The simple class name of the compressor built, as error messages name it. */
    public final String compressorName() {
        return compressor;
    }

    /** The model given to {@link #setModel}, or null. */
    public final Module model() {
        return model;
    }

    /** The config list given to {@link #setConfigList}, or null. */
    public final ConfigList configList() {
        return configList;
    }

    /** The optimizer given to {@link #optOptimizer}, or null. */
    public final Optimizer optimizer() {
        return optimizer;
    }

    /**
     * Verifies the builder before the compressor is constructed: the required fields, then (in
     * subclasses, which call {@code super.check()} first) the ranges and combinations of their options.
     *
     * @throws IllegalArgumentException naming the compressor and the first missing or invalid field
     */
    protected void check() {
        requireSet(model, compressor, "setModel");
        requireSet(configList, compressor, "setConfigList");
    }

    /**
     * The error every compressor gives for a missing required field.
     *
     * @throws IllegalArgumentException {@code "<compressor>: <setter>(...) was not called"} when {@code value} is null
     */
    public static void requireSet(Object value, String compressor, String setter) {
        if (value == null) {
            throw new IllegalArgumentException(compressor + ": " + setter + "(...) was not called");
        }
    }
}

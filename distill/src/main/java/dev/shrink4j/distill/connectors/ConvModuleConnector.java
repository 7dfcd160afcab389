package dev.shrink4j.distill.connectors;

import com.google.gson.JsonElement;
import dev.shrink4j.distill.config.ConfigReader;
import dev.shrink4j.nn.Initializers;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.BatchNorm2d;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.LeakyReLU;
import dev.shrink4j.nn.layers.ReLU6;
import dev.shrink4j.nn.layers.ReLU;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * A convolution with optional normalisation and activation (MMRazor's {@code ConvModuleConnector}, on
 * mmcv's {@code ConvModule}): by default a 1×1 convolution followed by a ReLU, as FitNets' regressor; with
 * {@code norm_cfg: {"type": "BN"}} and {@code act_cfg: null}, OFD's student connector. Submodules keep
 * mmcv's names: {@code conv_module.conv}, {@code conv_module.bn}, {@code conv_module.activate}.
 *
 * <p>Options (mmcv's defaults): {@code in_channel}, {@code out_channel} (required); {@code kernel_size} 1,
 * {@code stride} 1, {@code padding} 0, {@code dilation} 1 (an integer or {@code [h, w]}; stride, padding and
 * dilation must be equal in both dimensions here), {@code groups} 1; {@code bias} {@code "auto"} (a bias only
 * without a norm), true or false; {@code conv_cfg} null (or {@code {"type": "Conv2d"}});
 * {@code norm_cfg} null or {@code {"type": "BN"}} ({@code BN2d} too; {@code eps} 1e-5, {@code momentum} 0.1,
 * {@code requires_grad} true); {@code act_cfg} {@code {"type": "ReLU"}} by default, null for none, or
 * {@code LeakyReLU} ({@code negative_slope} 0.01) or {@code ReLU6}; {@code order} {@code ["conv", "norm",
 * "act"]} in any permutation (a norm before the convolution normalises its input channels);
 * {@code inplace} true (accepted and without effect: every op here makes a new tensor);
 * {@code with_spectral_norm} false and {@code padding_mode} {@code "zeros"} (the only supported values).
 *
 * <p>Initialisation as mmcv's: the convolution's weight {@code kaiming_normal_(mode="fan_out")} for a ReLU
 * (for a LeakyReLU activation with its slope), its bias 0; the norm's γ 1 and β 0.
 */
public final class ConvModuleConnector extends ChannelConnector {

    /** The config name. */
    public static final String TYPE = "ConvModuleConnector";
    private static final List<String> NORMS = List.of("BN", "BN2d");
    private static final List<String> ACTIVATIONS = List.of("ReLU", "LeakyReLU", "ReLU6");

    private final ConvModule convModule;

    private ConvModuleConnector(long inChannel, ConvModule convModule) {
        super(TYPE, inChannel);
        this.convModule = registerModule("conv_module", convModule);
    }

    /**
     * A connector of {@code in → out} channels: a 1×1 convolution, optionally followed by batch norm, then
     * a ReLU when {@code relu}. For other settings use the config form ({@link Connectors#build}).
     */
    public static ConvModuleConnector of(long inChannel, long outChannel, boolean batchNorm, boolean relu) {
        Settings s = new Settings();
        s.in = inChannel;
        s.out = outChannel;
        s.norm = batchNorm ? new NormSettings() : null;
        s.activation = relu ? "ReLU" : null;
        s.bias = !batchNorm;
        return new ConvModuleConnector(inChannel, new ConvModule(s));
    }

    static ConvModuleConnector read(ConfigReader r) {
        int before = r.errors().size();
        Settings s = new Settings();
        s.in = r.requiredInteger("in_channel", 1, Integer.MAX_VALUE);
        s.out = r.requiredInteger("out_channel", 1, Integer.MAX_VALUE);
        s.kernel = r.pair("kernel_size", new long[] {1, 1}, 1, Integer.MAX_VALUE);
        s.stride = square(r, "stride", r.pair("stride", new long[] {1, 1}, 1, Integer.MAX_VALUE));
        s.padding = square(r, "padding", r.pair("padding", new long[] {0, 0}, 0, Integer.MAX_VALUE));
        s.dilation = square(r, "dilation", r.pair("dilation", new long[] {1, 1}, 1, Integer.MAX_VALUE));
        s.groups = r.integer("groups", 1, 1, Integer.MAX_VALUE);
        if (s.in % s.groups != 0 || s.out % s.groups != 0) {
            r.error("groups", s.groups + " must divide in_channel " + s.in + " and out_channel " + s.out);
        }
        JsonElement convCfg = r.get("conv_cfg");
        if (convCfg != null && !convCfg.isJsonNull()) {
            ConfigReader conv = ConfigReader.of(r.at("conv_cfg"), convCfg, r.errors());
            conv.oneOf("type", "Conv2d", List.of("Conv2d", "Conv"));
            conv.finish("conv_cfg");
        }
        s.norm = readNorm(r);
        s.activation = readActivation(r, s);
        JsonElement bias = r.get("bias");
        if (bias == null || (bias.isJsonPrimitive() && "auto".equals(bias.getAsString()) && bias.getAsJsonPrimitive().isString())) {
            s.bias = s.norm == null;
        } else {
            s.bias = r.bool("bias", s.norm == null);
        }
        r.bool("inplace", true);
        if (r.bool("with_spectral_norm", false)) {
            r.error("with_spectral_norm", "true is not supported");
        }
        r.oneOf("padding_mode", "zeros", List.of("zeros"));
        s.order = readOrder(r);
        return r.errors().size() > before ? null : new ConvModuleConnector(s.in, new ConvModule(s));
    }

    private static long[] square(ConfigReader r, String key, long[] v) {
        if (v[0] != v[1]) {
            r.error(key, Arrays.toString(v) + ": only the same value in both dimensions is supported");
        }
        return v;
    }

    private static NormSettings readNorm(ConfigReader r) {
        JsonElement cfg = r.get("norm_cfg");
        if (cfg == null || cfg.isJsonNull()) {
            return null;
        }
        ConfigReader n = ConfigReader.of(r.at("norm_cfg"), cfg, r.errors());
        NormSettings ns = new NormSettings();
        String type = n.requiredString("type");
        if (type != null && !NORMS.contains(type)) {
            n.error("type", "unsupported norm \"" + type + "\"; supported: " + String.join(", ", NORMS));
        }
        ns.eps = n.positive("eps", 1e-5);
        ns.momentum = n.number("momentum", 0.1);
        if (ns.momentum < 0 || ns.momentum > 1) {
            n.error("momentum", ns.momentum + " is outside [0, 1]");
            ns.momentum = 0.1;
        }
        ns.requiresGrad = n.bool("requires_grad", true);
        n.finish("norm_cfg " + (type == null ? "" : type));
        return ns;
    }

    private static String readActivation(ConfigReader r, Settings s) {
        JsonElement cfg = r.get("act_cfg");
        if (cfg == null) {
            return "ReLU";
        }
        if (cfg.isJsonNull()) {
            return null;
        }
        ConfigReader a = ConfigReader.of(r.at("act_cfg"), cfg, r.errors());
        String type = a.requiredString("type");
        if (type != null && !ACTIVATIONS.contains(type)) {
            a.error("type", "unsupported activation \"" + type + "\"; supported: " + String.join(", ", ACTIVATIONS));
        }
        if ("LeakyReLU".equals(type)) {
            s.negativeSlope = a.number("negative_slope", 0.01);
        }
        a.bool("inplace", true);
        a.finish("act_cfg " + (type == null ? "" : type));
        return type;
    }

    private static List<String> readOrder(ConfigReader r) {
        List<String> order = List.of("conv", "norm", "act");
        JsonElement v = r.get("order");
        if (v == null) {
            return order;
        }
        List<String> given = new ArrayList<>();
        if (v.isJsonArray()) {
            v.getAsJsonArray().forEach(e -> given.add(e.isJsonPrimitive() ? e.getAsString() : String.valueOf(e)));
        }
        List<String> sorted = new ArrayList<>(given);
        sorted.sort(null);
        if (!sorted.equals(List.of("act", "conv", "norm"))) {
            r.error("order", "expected a permutation of [\"conv\", \"norm\", \"act\"], got " + ConfigReader.describe(v));
            return order;
        }
        return given;
    }

    @Override
    protected Tensor forward(Tensor input) {
        return convModule.call(input);
    }


    /** The convolution. */
    public Conv2d conv() {
        return convModule.conv;
    }

    /** The batch norm, or null without {@code norm_cfg}. */
    public BatchNorm2d norm() {
        return convModule.bn;
    }

    /** What the config said, resolved. */
    private static final class Settings {
        long in;
        long out;
        long[] kernel = {1, 1};
        long[] stride = {1, 1};
        long[] padding = {0, 0};
        long[] dilation = {1, 1};
        long groups = 1;
        boolean bias;
        NormSettings norm;
        String activation;
        double negativeSlope = 0.01;
        List<String> order = List.of("conv", "norm", "act");
    }

    private static final class NormSettings {
        double eps = 1e-5;
        double momentum = 0.1;
        boolean requiresGrad = true;
    }

    /** mmcv's {@code ConvModule}: conv, norm and activation in the configured order. */
    static final class ConvModule extends Module {
        final Conv2d conv;
        final BatchNorm2d bn;
        final Module activate;
        private final List<String> order;

        ConvModule(Settings s) {
            this.order = List.copyOf(s.order);
            conv = registerModule("conv", Conv2d.builder().setInChannels(s.in).setOutChannels(s.out)
                    .setKernelSize(s.kernel[0], s.kernel[1]).optStride(s.stride[0]).optPadding(s.padding[0])
                    .optDilation(s.dilation[0]).optGroups(s.groups).optBias(s.bias).build());
            if (s.norm != null) {
                long channels = order.indexOf("norm") > order.indexOf("conv") ? s.out : s.in;
                bn = registerModule("bn", BatchNorm2d.builder().setNumFeatures(channels).optEps(s.norm.eps)
                        .optMomentum(s.norm.momentum).build());
                bn.weight().requires_grad_(s.norm.requiresGrad);
                bn.bias().requires_grad_(s.norm.requiresGrad);
            } else {
                bn = null;
            }
            activate = s.activation == null ? null : registerModule("activate", switch (s.activation) {
                case "LeakyReLU" -> new LeakyReLU(s.negativeSlope);
                case "ReLU6" -> new ReLU6();
                default -> new ReLU();
            });
            // mmcv's init_weights: kaiming_normal_(fan_out) with the activation's gain, bias 0 (γ 1, β 0 are BN's own).
            double slope = "LeakyReLU".equals(s.activation) ? s.negativeSlope : 0.0;
            Tensor w = conv.weight();
            long fanOut = w.size(0) * w.size(2) * w.size(3);
            try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
                w.copy_(Initializers.normal(Math.sqrt(2.0 / (1 + slope * slope) / fanOut), w.shape()));
                if (conv.bias() != null) {
                    conv.bias().zero_();
                }
            }
        }

        @Override
        protected Tensor forward(Tensor x) {
            for (String layer : order) {
                if (layer.equals("conv")) {
                    x = conv.call(x);
                } else if (layer.equals("norm") && bn != null) {
                    x = bn.call(x);
                } else if (layer.equals("act") && activate != null) {
                    x = activate.call(x);
                }
            }
            return x;
        }
    }
}

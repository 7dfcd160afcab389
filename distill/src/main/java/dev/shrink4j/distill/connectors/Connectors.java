package dev.shrink4j.distill.connectors;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import dev.shrink4j.distill.config.TypeRegistry;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds connectors from their config objects, with MMRazor's type names: {@link ConvModuleConnector},
 * {@link Translator}, {@link Paraphraser}, {@link OFDTeacherConnector}, {@link TorchFunctionalConnector}.
 * A connector entry that is a list of config objects becomes a {@link ConnectorSequence} applied in
 * order.
 */
public final class Connectors {

    private static final TypeRegistry<Connector> CONNECTORS = new TypeRegistry<Connector>("connector", "")
            .add(ConvModuleConnector.TYPE, ConvModuleConnector::read)
            .add(Translator.TYPE, Translator::read)
            .add(Paraphraser.TYPE, Paraphraser::read)
            .add(OFDTeacherConnector.TYPE, OFDTeacherConnector::read)
            .add(TorchFunctionalConnector.TYPE, TorchFunctionalConnector::read);

    /** Every connector type. */
    public static final List<String> TYPES = CONNECTORS.types();

    private Connectors() {
    }

    /**
     * The connector configured by {@code config} at {@code path} (an object, or a non-empty list of
     * objects), adding every problem to {@code errors}.
     *
     * @return the connector, or null when there were problems
     */
    public static Connector build(String path, JsonElement config, List<String> errors) {
        if (config != null && config.isJsonArray()) {
            JsonArray list = config.getAsJsonArray();
            if (list.isEmpty()) {
                errors.add(path + ": the list of connectors is empty");
                return null;
            }
            int before = errors.size();
            List<Connector> elements = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                Connector c = one(path + "[" + i + "]", list.get(i), errors);
                if (c instanceof OFDTeacherConnector) {
                    errors.add(path + "[" + i + "]: " + OFDTeacherConnector.TYPE
                            + " must be a connector of its own (its margin comes from the recorded batch norm), not part of a list");
                }
                elements.add(c);
            }
            return errors.size() > before ? null : new ConnectorSequence(elements);
        }
        return one(path, config, errors);
    }

    private static Connector one(String path, JsonElement config, List<String> errors) {
        return CONNECTORS.build(path, config, errors);
    }
}

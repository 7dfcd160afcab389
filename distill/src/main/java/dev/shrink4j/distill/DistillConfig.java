package dev.shrink4j.distill;

import com.google.gson.JsonElement;
import dev.shrink4j.distill.config.ConfigReader;
import dev.shrink4j.distill.config.DistillConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A distillation config file: MMRazor's {@code SingleTeacherDistill} options and its distiller, the file
 * {@code ./shrink4j distill --config} and {@code prune … --distill} read. The student and the teacher come
 * from the command line (architecture and weights), not from the file.
 *
 * <pre>{@code
 * {"type": "SingleTeacherDistill",
 *  "teacher_trainable": false, "teacher_norm_eval": true, "student_trainable": true, "calculate_student_loss": true,
 *  "distiller": {"type": "ConfigurableDistiller", "student_recorders": {…}, "teacher_recorders": {…},
 *                "distill_losses": {…}, "loss_forward_mappings": {…}}}
 * }</pre>
 *
 * Every key but {@code distiller} is optional, with MMRazor's defaults (shown above). The distiller belongs
 * to whoever builds a {@link SingleTeacherDistill} from this config, which closes it.
 *
 * @param teacherTrainable      whether the teacher trains too (its task loss is then {@code teacher.loss})
 * @param teacherNormEval       whether a trainable teacher's batch norms stay in evaluation mode
 * @param studentTrainable      whether the student's parameters train
 * @param calculateStudentLoss  whether the student's task loss ({@code student.loss}) is part of the training loss
 * @param distiller             the distiller
 */
public record DistillConfig(boolean teacherTrainable, boolean teacherNormEval, boolean studentTrainable,
        boolean calculateStudentLoss, ConfigurableDistiller distiller) {

    /** The value of {@code type}, optional. */
    public static final String TYPE = "SingleTeacherDistill";

    /**
     * Parses and checks a distillation config (strict JSON).
     *
     * @throws DistillConfigException ({@value DistillConfigException#DISTILLER}) listing every problem,
     *     the distiller's included
     */
    public static DistillConfig fromJson(String json) {
        return fromJson(DistillConfigException.DISTILLER, json);
    }

    /**
     * Reads and checks a distillation config file.
     *
     * @throws DistillConfigException naming the file, listing every problem
     */
    public static DistillConfig fromFile(Path path) throws IOException {
        return fromJson(DistillConfigException.DISTILLER + " " + path, Files.readString(path));
    }

    private static DistillConfig fromJson(String subject, String json) {
        List<String> errors = new ArrayList<>();
        ConfigReader r = ConfigReader.of("config", ConfigReader.parse(subject, "config", json), errors);
        DistillConfigException.throwIfAny(subject, errors);
        if (r.has("type")) {
            r.oneOf("type", TYPE, List.of(TYPE));
        }
        boolean teacherTrainable = r.bool("teacher_trainable", false);
        boolean teacherNormEval = r.bool("teacher_norm_eval", true);
        boolean studentTrainable = r.bool("student_trainable", true);
        boolean calculateStudentLoss = r.bool("calculate_student_loss", true);
        JsonElement distillerJson = r.get("distiller");
        r.finish(TYPE);
        if (distillerJson == null) {
            errors.add("config: missing \"distiller\"");
        }
        ConfigurableDistiller distiller = null;
        try {
            distiller = distillerJson == null ? null : ConfigurableDistiller.fromConfig(subject, "distiller", distillerJson);
        } catch (DistillConfigException e) {
            errors.addAll(e.errors());
        }
        if (!errors.isEmpty()) {
            if (distiller != null) {
                distiller.close();
            }
            throw new DistillConfigException(subject, errors);
        }
        return new DistillConfig(teacherTrainable, teacherNormEval, studentTrainable, calculateStudentLoss, distiller);
    }
}

package dev.shrink4j.cli.run;

import dev.shrink4j.distill.DistillConfig;
import dev.shrink4j.distill.SingleTeacherDistill;
import dev.shrink4j.distill.config.DistillConfigException;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.workbench.train.Loss;
import dev.shrink4j.workbench.train.TrainingListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.bytedeco.pytorch.Tensor;

/**
 * A distillation as the command line asks for it: a config file ({@code configs/distill/kd.json}) and a
 * teacher (architecture and trained weights, sized for the run's dataset). The library's
 * {@link SingleTeacherDistill} does the work; this class only turns the command line into it and its
 * mistakes into {@link UsageException}s naming the file, the entry and the field.
 *
 * @param config         the distillation config file
 * @param teacherArch    the teacher's zoo architecture
 * @param teacherWeights the teacher's trained weights
 * @param data           the dataset both models are sized for
 */
public record Distillation(Path config, String teacherArch, Path teacherWeights, DataSpec data) {

    /** Checks the components. */
    public Distillation {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(teacherArch, "teacherArch");
        Objects.requireNonNull(teacherWeights, "teacherWeights");
        Objects.requireNonNull(data, "data");
    }

    /** {@code "configs/distill/kd.json from vgg (runs/teacher/model.safetensors)"}, for reports. */
    public String describe() {
        return config + " from " + teacherArch + " (" + teacherWeights + ")";
    }

    /**
     * Reads the config, loads the teacher and attaches both to a fresh {@code studentArch}, then lets go:
     * the mistakes that can be found without data surface before any training.
     *
     * @throws UsageException as {@link #attach} does
     */
    public void check(String studentArch) {
        try (Module student = Models.create(studentArch, data); Session s = attach(student, null)) {
            // attached: the config's sources exist in both models
        }
    }

    /**
     * Builds the distillation of {@code student} from a freshly loaded teacher. When {@code optimizer} is
     * given (a compressor's fine-tune, whose optimizer already holds the student's parameters), the
     * connectors' trainable parameters join it as a parameter group, which {@link Session#close()} removes.
     *
     * @throws UsageException when the config cannot be read or is invalid, the teacher's weights do not load
     *     into {@link #teacherArch} sized for the dataset (e.g. a teacher for another class count), or the config
     *     names modules the models do not have
     */
    public Session attach(Module student, Optimizer optimizer) {
        DistillConfig cfg = readConfig();
        Module teacher;
        try {
            teacher = Models.load(teacherArch, data, teacherWeights);
        } catch (UsageException e) {
            cfg.distiller().close();
            throw new UsageException("--teacher-weights: " + e.getMessage(), e);
        }
        SingleTeacherDistill kd;
        try {
            kd = SingleTeacherDistill.builder().setStudent(student).setTeacher(teacher).setConfig(cfg).build();
        } catch (DistillConfigException e) {
            cfg.distiller().close();
            teacher.close();
            throw problem(e);
        } catch (RuntimeException e) {
            cfg.distiller().close();
            teacher.close();
            throw e;
        }
        List<Tensor> connectorParameters = kd.distiller().trainableParameters();
        if (optimizer != null && !connectorParameters.isEmpty()) {
            optimizer.addParamGroup(connectorParameters);
        }
        return new Session(this, kd, teacher, optimizer, connectorParameters);
    }

    /**
     * Runs {@code training}, turning a config problem found on the first batch (shapes that do not fit a
     * loss or connector) into a usage error naming the file.
     */
    public <T> T guard(Supplier<T> training) {
        try {
            return training.get();
        } catch (DistillConfigException e) {
            throw problem(e);
        }
    }

    private DistillConfig readConfig() {
        if (!Files.isRegularFile(config)) {
            throw new UsageException("distillation config " + config + " does not exist");
        }
        try {
            return DistillConfig.fromFile(config);
        } catch (DistillConfigException e) {
            throw problem(e);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + config, e);
        }
    }

    /** The config problem as one usage error that names the file (the library's message names entry and field). */
    private UsageException problem(DistillConfigException e) {
        String subject = e.subject().contains(config.toString()) ? e.subject()
                : e.subject() + " " + config + " (student and teacher " + teacherArch + ")";
        return new UsageException(subject + ": " + String.join("; ", e.errors()), e);
    }

    /**
     * A distillation attached to a student: the trainer's loss and listener, closed after the fine-tune.
     *
     * @param distillation        what it distils
     * @param kd                  the library's distillation, attached to the student
     * @param teacher             the teacher, loaded and frozen
     * @param optimizer           the compressor's fine-tuning optimizer the connectors joined, or null
     * @param connectorParameters the connectors' trainable parameters
     */
    public record Session(Distillation distillation, SingleTeacherDistill kd, Module teacher, Optimizer optimizer,
            List<Tensor> connectorParameters) implements AutoCloseable {

        /** The trainer's criterion: the distillation loss in training, the task loss in evaluation. */
        public Loss loss() {
            return kd.loss();
        }

        /** The listener that keeps each loss's mean per epoch ({@link #history()}). */
        public TrainingListener listener() {
            return kd;
        }

        /** What an optimizer of this distillation trains: the student's and the connectors' parameters. */
        public List<Tensor> trainableParameters() {
            return kd.trainableParameters();
        }

        /** Each finished epoch's loss means: {@code student.loss}, {@code distill.<name>}, {@code loss}. */
        public List<SingleTeacherDistill.EpochLosses> history() {
            return kd.history();
        }

        /** Detaches the distillation, takes the connectors out of the optimizer and closes the teacher. */
        @Override
        public void close() {
            if (optimizer != null && !connectorParameters.isEmpty() && !optimizer.isClosed()) {
                optimizer.removeParamGroup(connectorParameters);
            }
            kd.close();
            teacher.close();
        }
    }
}

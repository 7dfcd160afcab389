package dev.shrink4j.distill;

import dev.shrink4j.distill.config.DistillConfigException;
import dev.shrink4j.distill.recorders.RecorderManager;
import dev.shrink4j.nn.HookHandle;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.nn.layers.BatchNorm;
import dev.shrink4j.workbench.train.EpochResult;
import dev.shrink4j.workbench.train.Loss;
import dev.shrink4j.workbench.train.Trainer;
import dev.shrink4j.workbench.train.TrainingListener;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Distillation from one teacher (MMRazor's {@code SingleTeacherDistill}): the student trains on its task
 * loss ({@code student.loss}) plus the distiller's losses ({@code distill.<name>}), the teacher's
 * intermediate results recorded on the same batch.
 *
 * <p><b>How it runs.</b> It attaches to the student like a compressor, from outside: a forward pre-hook
 * and a forward hook on the student itself. A training-mode forward of the student (with gradients
 * enabled) becomes a distillation step: deliveries queue, the teacher runs on the same input inside the
 * teacher's recording context (without gradients unless the teacher trains), deliveries hand over, then
 * the student's own forward runs inside the student's recording context. {@link #loss()} then turns the
 * student's output and the labels into the training loss. So the normal {@link Trainer} trains a
 * distilled student, and a compressor on the student (pruner masks, fake quantization) stays in the path,
 * its optimizer hooks included:
 *
 * <pre>{@code
 * try (SingleTeacherDistill kd = SingleTeacherDistill.builder().setStudent(student).setTeacher(teacher)
 *         .optTeacherWeights(Path.of("runs/resnet20/model.safetensors")).setConfig(DistillConfig.fromFile(config)).build();
 *      Optimizer adam = Adam.builder().setLearningRate(1e-3).build(kd.trainableParameters())) {
 *     Trainer.builder().setModel(student).setOptimizer(adam).optLoss(kd.loss()).addListener(kd).build().fit(train, 5);
 *     kd.history();   // per epoch: student.loss, distill.loss_kl, … (means over the epoch's samples)
 * }
 * }</pre>
 *
 * An evaluation-mode forward (the {@code Evaluator}, a trainer's validation) is a plain forward: no
 * teacher, no records, and {@link #loss()} is the task loss alone.
 *
 * <p><b>The teacher</b> is the caller's module, loaded from weights by {@link Builder#optTeacherWeights}
 * (strictly). Unless {@code teacher_trainable}, its parameters stop requiring gradients and it runs in
 * evaluation mode throughout, dropout off as well as batch norm (MMRazor leaves a frozen teacher in
 * training mode with only its norms in evaluation mode); a trainable teacher trains with its batch norms in
 * evaluation mode when {@code teacher_norm_eval} (the default) and adds its own task loss as
 * {@code teacher.loss}.
 *
 * <p><b>The training loss</b> is the sum of {@code student.loss} (when {@code calculate_student_loss}),
 * {@code teacher.loss} (a trainable teacher) and every distiller loss whose name contains {@code "loss"}.
 * Each loss's mean over the epoch's samples is kept ({@link #currentMeans()}, {@link #history()}) and
 * logged at each epoch's end when this object is the trainer's listener.
 *
 * <p><b>Memory.</b> Records, delivered outputs and the teacher's output are the step's tensors, made
 * inside the trainer's {@code PointerScope}; the references are dropped when the loss has been computed,
 * so nothing outlives the step. {@link #close()} removes both hooks, detaches and closes the distiller
 * (its connectors), and gives the teacher's and student's parameters back their {@code requires_grad}
 * flags; the student and the teacher themselves stay the caller's.
 */
public final class SingleTeacherDistill implements TrainingListener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SingleTeacherDistill.class);

    /** The name of the student's task loss in the loss dictionary. */
    public static final String STUDENT_LOSS = "student.loss";
    /** The name of a trainable teacher's task loss. */
    public static final String TEACHER_LOSS = "teacher.loss";
    /** The prefix of the distiller's losses. */
    public static final String DISTILL_PREFIX = "distill.";

    private final Module student;
    private final Module teacher;
    private final ConfigurableDistiller distiller;
    private final Loss taskLoss;
    private final boolean teacherTrainable;
    private final boolean teacherNormEval;
    private final boolean studentTrainable;
    private final boolean calculateStudentLoss;
    private final List<Boolean> teacherRequiresGrad = new ArrayList<>();
    private final List<Boolean> studentRequiresGrad = new ArrayList<>();
    private final HookHandle preHook;
    private final HookHandle postHook;
    private final Map<String, double[]> sums = new LinkedHashMap<>();
    private final List<EpochLosses> history = new ArrayList<>();
    private boolean inStudentForward;
    private Tensor pendingStudentOutput;
    private Tensor pendingTeacherOutput;
    private boolean closed;

    /**
     * The mean of every loss over one epoch's samples.
     *
     * @param epoch the epoch, counted from 0
     * @param means each loss's mean by name ({@code student.loss}, {@code distill.loss_kl}, …) and the
     *              training loss they add up to ({@value #TOTAL})
     */
    public record EpochLosses(int epoch, Map<String, Double> means) {
        /** The key of the training loss in {@link #means()}. */
        public static final String TOTAL = "loss";

        /** {@code student.loss 0.4120, distill.loss_kl 0.1203, loss 0.5323}. */
        @Override
        public String toString() {
            StringJoiner j = new StringJoiner(", ");
            means.forEach((k, v) -> j.add(k + " " + String.format(Locale.ROOT, "%.4f", v)));
            return j.toString();
        }
    }

    private SingleTeacherDistill(Builder b) {
        this.student = b.student;
        this.teacher = b.teacher;
        this.distiller = b.distiller;
        this.taskLoss = b.taskLoss;
        this.teacherTrainable = b.teacherTrainable;
        this.teacherNormEval = b.teacherNormEval;
        this.studentTrainable = b.studentTrainable;
        this.calculateStudentLoss = b.calculateStudentLoss;
        for (Tensor p : teacher.parameters()) {
            teacherRequiresGrad.add(p.requires_grad());
            if (!teacherTrainable) {
                p.requires_grad_(false);
            }
        }
        for (Tensor p : student.parameters()) {
            studentRequiresGrad.add(p.requires_grad());
            if (!studentTrainable) {
                p.requires_grad_(false);
            }
        }
        if (!teacherTrainable) {
            teacher.eval();
        }
        try {
            distiller.prepare(student, teacher);
        } catch (RuntimeException e) {
            restoreRequiresGrad();
            throw e;
        }
        preHook = student.registerForwardPreHook((m, x) -> {
            beginStep(x);
            return x;
        });
        postHook = student.registerForwardHook((m, x, y) -> {
            endStudentForward(y);
            return y;
        });
        LOG.info("distilling {} from {}: {}", student.typeName(), teacher.typeName(), distiller);
    }

    /** A builder: {@code setStudent}, {@code setTeacher} and {@code setConfig} (or {@code setDistiller}) are required. */
    public static Builder builder() {
        return new Builder();
    }

    private void beginStep(Tensor x) {
        // Anything left from a step that did not reach the loss (an exception, a statistics pass) goes now.
        clearStep();
        if (!student.isTraining() || !GradMode.is_enabled()) {
            return;
        }
        RecorderManager teacherRecorders = distiller.teacherRecorders();
        setTeacherMode();
        distiller.connectors().train(true);
        distiller.deliveries().setOverride(false);
        distiller.deliveries().setActive(true);
        teacherRecorders.start();
        try {
            if (teacherTrainable) {
                pendingTeacherOutput = teacher.call(x);
            } else {
                try (NoGradGuard noGrad = new NoGradGuard()) {
                    pendingTeacherOutput = teacher.call(x);
                }
            }
        } catch (RuntimeException e) {
            distiller.deliveries().setActive(false);
            throw e;
        } finally {
            teacherRecorders.stop();
        }
        distiller.deliveries().setOverride(true);
        distiller.studentRecorders().start();
        inStudentForward = true;
    }

    private void endStudentForward(Tensor output) {
        if (!inStudentForward) {
            return;
        }
        inStudentForward = false;
        distiller.studentRecorders().stop();
        distiller.deliveries().setActive(false);
        pendingStudentOutput = output;
    }

    private void setTeacherMode() {
        if (!teacherTrainable) {
            teacher.eval();
            return;
        }
        teacher.train(true);
        if (teacherNormEval) {
            for (Module m : teacher.namedModules().values()) {
                if (m instanceof BatchNorm) {
                    m.eval();
                }
            }
        }
    }

    private void clearStep() {
        inStudentForward = false;
        distiller.studentRecorders().stop();
        distiller.teacherRecorders().stop();
        pendingStudentOutput = null;
        pendingTeacherOutput = null;
        distiller.studentRecorders().clear();
        distiller.teacherRecorders().clear();
        distiller.deliveries().clear();
        distiller.deliveries().setActive(false);
    }

    /**
     * The losses of the step whose student forward produced {@code studentOutput}, by name, each a scalar
     * in the step's scope: {@value #STUDENT_LOSS} (when {@code calculate_student_loss}), {@value #TEACHER_LOSS}
     * (a trainable teacher) and {@code distill.<name>} for every distiller loss.
     *
     * @throws IllegalStateException when {@code studentOutput} is not the output of a distillation forward
     *     (the student was in evaluation mode, gradients were off, or another hook replaced the output)
     * @throws DistillConfigException on the first step, when the config does not fit the models' shapes
     */
    public Map<String, Tensor> losses(Tensor studentOutput, Tensor target) {
        if (studentOutput == null || studentOutput != pendingStudentOutput) {
            throw notADistillationForward();
        }
        try {
            Map<String, Tensor> out = new LinkedHashMap<>();
            if (calculateStudentLoss) {
                out.put(STUDENT_LOSS, taskLoss.compute(studentOutput, target));
            }
            if (teacherTrainable) {
                out.put(TEACHER_LOSS, taskLoss.compute(pendingTeacherOutput, target));
            }
            distiller.studentRecorders().recordLossInputs(studentOutput, target);
            distiller.teacherRecorders().recordLossInputs(pendingTeacherOutput, target);
            distiller.computeLosses().forEach((name, value) -> out.put(DISTILL_PREFIX + name, value));
            return out;
        } finally {
            clearStep();
        }
    }

    private static IllegalStateException notADistillationForward() {
        return new IllegalStateException("SingleTeacherDistill: this output does not come from a distillation forward of the"
                + " student (call the student in training mode with gradients enabled, and let no hook registered after the"
                + " distillation's replace its output)");
    }

    /**
     * Runs the student on {@code x} (a distillation step: it must be in training mode) and returns the
     * losses of {@link #losses(Tensor, Tensor)}, without adding them to the epoch's means.
     */
    public Map<String, Tensor> forward(Tensor x, Tensor target) {
        return losses(student.call(x), target);
    }

    /**
     * The trainer's criterion: after a distillation forward, the training loss (the sum described in the
     * class comment), recording every part for the epoch's means; after any other forward (evaluation), the
     * student's task loss alone.
     */
    public Loss loss() {
        return (output, target) -> {
            if (output != pendingStudentOutput) {
                if (student.isTraining() && GradMode.is_enabled()) {
                    // A training forward that was not a distillation step would silently train without the teacher.
                    throw notADistillationForward();
                }
                return taskLoss.compute(output, target);
            }
            Map<String, Tensor> parts = losses(output, target);
            Tensor total = null;
            for (Map.Entry<String, Tensor> e : parts.entrySet()) {
                if (isTrainingLoss(e.getKey())) {
                    total = total == null ? e.getValue() : total.add(e.getValue());
                }
            }
            long n = target.size(0);
            parts.forEach((name, v) -> accumulate(name, v.item_double(), n));
            accumulate(EpochLosses.TOTAL, total.item_double(), n);
            return total;
        };
    }

    private static boolean isTrainingLoss(String name) {
        return name.equals(STUDENT_LOSS) || name.equals(TEACHER_LOSS)
                || ConfigurableDistiller.isTrainingLoss(name.substring(DISTILL_PREFIX.length()));
    }

    private void accumulate(String name, double value, long samples) {
        double[] s = sums.computeIfAbsent(name, k -> new double[2]);
        s[0] += value * samples;
        s[1] += samples;
    }

    /** Each loss's mean over the samples since the current epoch began (or since {@link #resetMeans()}). */
    public Map<String, Double> currentMeans() {
        Map<String, Double> means = new LinkedHashMap<>();
        sums.forEach((name, s) -> means.put(name, s[0] / s[1]));
        return means;
    }

    /** Starts new means. */
    public void resetMeans() {
        sums.clear();
    }

    /** The means of every finished epoch this object saw as a trainer's listener, in order. */
    public List<EpochLosses> history() {
        return Collections.unmodifiableList(history);
    }

    @Override
    public void onEpochStart(Trainer trainer, int epoch) {
        resetMeans();
    }

    @Override
    public void onEpochEnd(Trainer trainer, EpochResult result) {
        EpochLosses losses = new EpochLosses(result.epoch(), Collections.unmodifiableMap(currentMeans()));
        history.add(losses);
        LOG.info("epoch {}: {}", result.epoch() + 1, losses);
    }

    /**
     * What the optimizer trains: the student's parameters (unless {@code student_trainable} is false), the
     * connectors' trainable ones, and the teacher's when it trains.
     */
    public List<Tensor> trainableParameters() {
        List<Tensor> out = new ArrayList<>();
        if (studentTrainable) {
            out.addAll(student.parameters());
        }
        out.addAll(distiller.trainableParameters());
        if (teacherTrainable) {
            out.addAll(teacher.parameters());
        }
        return out;
    }

    /** The distiller (its connectors can be saved with {@link #saveConnectors}). */
    public ConfigurableDistiller distiller() {
        return distiller;
    }

    /** The student. */
    public Module student() {
        return student;
    }

    /** The teacher. */
    public Module teacher() {
        return teacher;
    }

    /** Writes the connectors' state dict (e.g. a pretrained Paraphraser) as safetensors, under their config names. */
    public void saveConnectors(Path path, Map<String, String> metadata) throws IOException {
        SafeTensors.save(distiller.connectors().stateDict(), metadata, path);
    }

    /** Removes the hooks, closes the distiller and restores the parameters' {@code requires_grad}. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        preHook.remove();
        postHook.remove();
        clearStep();
        distiller.close();
        restoreRequiresGrad();
    }

    private void restoreRequiresGrad() {
        List<Tensor> tp = teacher.parameters();
        for (int i = 0; i < teacherRequiresGrad.size(); i++) {
            tp.get(i).requires_grad_(teacherRequiresGrad.get(i));
        }
        List<Tensor> sp = student.parameters();
        for (int i = 0; i < studentRequiresGrad.size(); i++) {
            sp.get(i).requires_grad_(studentRequiresGrad.get(i));
        }
    }

    /** Options for {@link SingleTeacherDistill}: {@code set…} required, {@code opt…} optional. */
    public static final class Builder {
        private Module student;
        private Module teacher;
        private ConfigurableDistiller distiller;
        private Path teacherWeights;
        private Path connectorWeights;
        private Loss taskLoss = Loss.crossEntropy();
        private boolean teacherTrainable;
        private boolean teacherNormEval = true;
        private boolean studentTrainable = true;
        private boolean calculateStudentLoss = true;

        private Builder() {
        }

        /** The model that learns (required). */
        public Builder setStudent(Module student) {
            this.student = student;
            return this;
        }

        /** The model it learns from (required). */
        public Builder setTeacher(Module teacher) {
            this.teacher = teacher;
            return this;
        }

        /** The distiller and the options of a config file; the distiller is then this algorithm's to close. */
        public Builder setConfig(DistillConfig config) {
            this.distiller = config.distiller();
            this.teacherTrainable = config.teacherTrainable();
            this.teacherNormEval = config.teacherNormEval();
            this.studentTrainable = config.studentTrainable();
            this.calculateStudentLoss = config.calculateStudentLoss();
            return this;
        }

        /** The distiller alone (the options keep their values); it is then this algorithm's to close. */
        public Builder setDistiller(ConfigurableDistiller distiller) {
            this.distiller = distiller;
            return this;
        }

        /** Loads the teacher's weights from a safetensors state dict, strictly, before anything else. */
        public Builder optTeacherWeights(Path weights) {
            this.teacherWeights = Objects.requireNonNull(weights, "weights");
            return this;
        }

        /** Loads the connectors' weights (a {@link #saveConnectors} file), strictly, e.g. a pretrained Paraphraser. */
        public Builder optConnectorWeights(Path weights) {
            this.connectorWeights = Objects.requireNonNull(weights, "weights");
            return this;
        }

        /** The task loss of {@code student.loss} (and {@code teacher.loss}); cross entropy by default. */
        public Builder optTaskLoss(Loss loss) {
            this.taskLoss = Objects.requireNonNull(loss, "loss");
            return this;
        }

        /** Whether the teacher trains too (default false). */
        public Builder optTeacherTrainable(boolean trainable) {
            this.teacherTrainable = trainable;
            return this;
        }

        /** Whether a trainable teacher's batch norms stay in evaluation mode (default true). */
        public Builder optTeacherNormEval(boolean normEval) {
            this.teacherNormEval = normEval;
            return this;
        }

        /** Whether the student's parameters train (default true; false for a Paraphraser's pretraining). */
        public Builder optStudentTrainable(boolean trainable) {
            this.studentTrainable = trainable;
            return this;
        }

        /** Whether the student's task loss is part of the training loss (default true). */
        public Builder optCalculateStudentLoss(boolean calculate) {
            this.calculateStudentLoss = calculate;
            return this;
        }

        /**
         * Loads the weights, freezes the teacher, attaches the distiller and the hooks.
         *
         * @throws IllegalArgumentException when a required setting is missing, the student and the teacher are
         *     the same module, or nothing would train
         * @throws DistillConfigException when the config does not fit the models (see {@link ConfigurableDistiller#prepare})
         * @throws java.io.UncheckedIOException when a weights file cannot be read
         */
        public SingleTeacherDistill build() {
            List<String> missing = new ArrayList<>();
            if (student == null) {
                missing.add("setStudent");
            }
            if (teacher == null) {
                missing.add("setTeacher");
            }
            if (distiller == null) {
                missing.add("setConfig or setDistiller");
            }
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException("SingleTeacherDistill: " + String.join(", ", missing) + " was not called");
            }
            if (student == teacher) {
                throw new IllegalArgumentException("SingleTeacherDistill: the student and the teacher are the same module");
            }
            boolean anyTrainingLoss = calculateStudentLoss || teacherTrainable
                    || distiller.losses().keySet().stream().anyMatch(ConfigurableDistiller::isTrainingLoss);
            if (!anyTrainingLoss) {
                throw new IllegalArgumentException("SingleTeacherDistill: nothing to train on: calculate_student_loss is false and no"
                        + " distill loss has \"loss\" in its name");
            }
            if (!studentTrainable && !teacherTrainable && distiller.trainableParameters().isEmpty()) {
                throw new IllegalArgumentException("SingleTeacherDistill: nothing would train: student_trainable is false, the"
                        + " teacher is frozen and no connector has trainable parameters");
            }
            load(teacher, teacherWeights, "teacher");
            load(distiller.connectors(), connectorWeights, "connectors");
            return new SingleTeacherDistill(this);
        }

        private static void load(Module module, Path weights, String what) {
            if (weights == null) {
                return;
            }
            // The loaded tensors are temporaries: their values are copied into the module's own tensors.
            try (PointerScope scope = new PointerScope()) {
                module.loadStateDict(SafeTensors.load(weights), true);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot read the " + what + " weights " + weights, e);
            }
            LOG.info("{} weights loaded from {}", what, weights);
        }
    }
}

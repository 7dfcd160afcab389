package dev.shrink4j.cli.command;

import dev.shrink4j.cli.options.OutputOptions;
import dev.shrink4j.cli.options.TeacherOptions;
import dev.shrink4j.cli.options.TrainingOptions;
import dev.shrink4j.cli.report.ResultRow;
import dev.shrink4j.cli.report.Rounding;
import dev.shrink4j.cli.report.RunReport;
import dev.shrink4j.cli.run.DataSpec;
import dev.shrink4j.cli.run.Distillation;
import dev.shrink4j.cli.run.Measurements;
import dev.shrink4j.cli.run.Models;
import dev.shrink4j.cli.run.Training;
import dev.shrink4j.cli.run.UsageException;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.nn.optim.Adam;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.workbench.train.Evaluation;
import dev.shrink4j.workbench.train.Evaluator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.bytedeco.javacpp.PointerScope;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code shrink4j distill}: trains a student ({@code --arch}, from scratch or from {@code --weights}) on the
 * distillation loss of a config file ({@code configs/distill/kd.json}) from a trained teacher
 * ({@code --teacher-arch}, {@code --teacher-weights}), with the recipe of {@code train} (Adam at {@code --lr}
 * cosine-annealed to 0 over {@code --epochs}, the same seed, initialisation and batch order), so that
 * {@code train} and {@code distill} with the same options differ only in the loss. Writes the student's
 * weights ({@code model.safetensors}, with the config and the teacher in its metadata) and
 * {@code report.json}/{@code report.html}: the teacher's and the student's test accuracy, each epoch's
 * losses ({@code student.loss}, {@code distill.<name>}) and the training curves. The library's
 * {@code SingleTeacherDistill} does the work; this command parses and prints.
 */
@Command(name = "distill", mixinStandardHelpOptions = true,
        description = "Train a student from a teacher with the distillation loss a config file describes.")
public final class DistillCommand extends ModelCommand {

    /** The student's weights file. */
    public static final String MODEL = "model.safetensors";
    /** Metadata key of the distillation config (its JSON) in {@value #MODEL}. */
    public static final String META_DISTILL_CONFIG = "distill_config";
    /** Metadata key of the teacher's architecture in {@value #MODEL}. */
    public static final String META_TEACHER_ARCH = "teacher_arch";

    @Option(names = "--weights", description = "the student's starting weights (safetensors; default: trained from scratch)")
    Path weights;

    @Mixin
    TrainingOptions recipe;

    @Mixin
    TeacherOptions teacher;

    @Option(names = "--config", required = true, description = "distillation config, e.g. configs/distill/kd.json")
    Path config;

    @Mixin
    OutputOptions output;

    @Override
    int run() throws IOException {
        teacher.require("distill");
        Distillation distillation = new Distillation(config, teacher.arch(), teacher.weights(), data.spec());
        DataSpec dataSpec = distillation.data();
        int epochs = recipe.epochs();
        double lr = recipe.lr();
        String arch = model.arch();
        RunReport report = new RunReport("distill " + arch + " from " + teacher.arch() + " on " + dataSpec.cliName(), invocation())
                .setModel(arch, dataSpec.cliName());
        report.setting("config", config.toString()).setting("teacher", teacher.arch() + " (" + teacher.weights() + ")")
                .setting("student_weights", weights == null ? "none (from scratch)" : weights.toString())
                .setting("epochs", epochs).setting("lr", lr).setting("batch_size", data.batchSize()).setting("seed", common.seed());
        PrintWriter console = console();
        // The student is created first, as train creates it, so that both draw the same initialisation under --seed.
        try (Dataset train = data.train(); Dataset test = data.test();
             Module student = weights == null ? model.create(dataSpec) : model.load(dataSpec, weights);
             Distillation.Session session = distillation.attach(student, null);
             Optimizer adam = Adam.builder().setLearningRate(positive(lr)).build(session.trainableParameters())) {
            DataLoader trainLoader = data.trainLoader(train, common.seed());
            DataLoader testLoader = data.testLoader(test);
            Evaluation teacherEval = new Evaluator().evaluate(session.teacher(), testLoader);
            report.setting("teacher_accuracy", Rounding.accuracy(teacherEval.accuracy()));
            console.printf(Locale.ROOT, "teacher %s: test accuracy %.2f%%%n", teacher.arch(), 100 * teacherEval.accuracy());
            console.flush();
            Training.distil(student, session, adam, trainLoader, testLoader, epochs, report, "distill");
            Evaluation e = new Evaluator().evaluate(student, testLoader);
            Path out = output.create();
            Path file = out.resolve(MODEL);
            try (PointerScope s = new PointerScope()) {
                SafeTensors.save(student.stateDict(), Models.metadata(arch, dataSpec).withContents(ModelMetadata.WEIGHTS)
                        .with(META_DISTILL_CONFIG, Files.readString(config)).with(META_TEACHER_ARCH, teacher.arch()).asMap(), file);
            }
            report.addResult(row(teacher.arch() + " (teacher)", session.teacher(), teacherEval, teacherEval, dataSpec,
                    teacher.weights(), Measurements.gzipSize(teacher.weights())));
            report.addResult(row(arch + " (distilled)", student, e, teacherEval, dataSpec, file, Measurements.gzipSize(file)));
            report.write(out);
            session.history().forEach(h -> console.printf("epoch %d losses: %s%n", h.epoch() + 1, h));
            console.printf(Locale.ROOT, "student %s: test accuracy %.2f%% (teacher %s %.2f%%, %+.2f pt)%n", arch,
                    100 * e.accuracy(), teacher.arch(), 100 * teacherEval.accuracy(), 100 * (e.accuracy() - teacherEval.accuracy()));
            console.printf("wrote %s and %s%n", file, out.resolve("report.html"));
        }
        return ExitCodes.OK;
    }

    private static double positive(double lr) {
        if (!(lr > 0)) {
            throw new UsageException("--lr must be positive, got " + lr);
        }
        return lr;
    }

    /** A results row whose Δ is against the teacher. */
    private static ResultRow row(String name, Module m, Evaluation e, Evaluation teacherEval, DataSpec data, Path file,
            long gzipBytes) {
        long[] nz = Measurements.nonzeroParams(m);
        return new ResultRow(name, e.accuracy(), 100 * (e.accuracy() - teacherEval.accuracy()), nz[0], nz[1],
                Measurements.denseFlops(m, data.inputShape(1)), gzipBytes, "fp32", e.meanBatchMillis());
    }
}

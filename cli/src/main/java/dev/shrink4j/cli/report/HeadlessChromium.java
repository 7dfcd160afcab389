package dev.shrink4j.cli.report;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import dev.shrink4j.nn.io.AtomicFiles;
import java.awt.image.BufferedImage;
import java.io.File;
import dev.shrink4j.nn.io.FileTrees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

/**
 * A headless Chromium (Debian's {@code chromium} package) that opens a report as a reader's browser
 * would: {@link #check} loads it and reports what the page did (images decoded, errors, resources
 * fetched, its height), {@link #screenshot} takes a PNG of the whole page. Each call starts the
 * browser with a fresh temporary profile and no network ({@code --host-resolver-rules}), so a report
 * that is not self-contained shows up as a failed resource instead of a download.
 */
public final class HeadlessChromium {

    /** Environment variable naming the browser executable when it is not {@code chromium} on the PATH. */
    public static final String EXECUTABLE_ENV = "SHRINK4J_CHROMIUM";
    /** What to install when no browser is found. */
    public static final String INSTALL_HINT = "apt-get install -y chromium";
    /** The browser names looked for on the PATH, in this order. */
    static final List<String> NAMES = List.of("chromium", "chromium-browser", "google-chrome");
    /** The id of the element the check script writes its findings into. */
    static final String CHECK_ID = "shrink4j-page-check";
    /** Chromium cannot draw taller pages into one screenshot (its largest texture). */
    static final int MAX_HEIGHT = 16_384;
    /**
     * The window height of the first run (pixels): a demo or sweep report fits, so one run checks the
     * page and takes its screenshot; a taller window costs time to draw.
     */
    static final int FIRST_WINDOW_HEIGHT = 4_800;
    /** The window height of a check without screenshot (pixels; the page's height does not depend on it). */
    static final int CHECK_WINDOW_HEIGHT = 1_000;
    private static final long TIMEOUT_SECONDS = 120;
    /** Chromium prints each console message of the page as a log line "...:CONSOLE:1] "text", source: ..." */
    private static final Pattern CONSOLE = Pattern.compile(":CONSOLE[:(].*");
    private static final Pattern CHECK = Pattern.compile("<pre id=\"" + CHECK_ID + "\"[^>]*>(.*?)</pre>", Pattern.DOTALL);

    /**
     * Collects what the page does while it loads and, once loaded, writes it as JSON into a hidden
     * {@code <pre id=CHECK_ID>}, which {@code --dump-dom} then prints. Runs first in {@code <head>}
     * so that its capturing error listener sees every element that fails to load. The page's height is
     * where its body ends (plus its bottom margin), not the window's, which may be taller.
     */
    private static final String CHECK_SCRIPT = "<script>(function(){var errors=[];"
            + "window.addEventListener('error',function(e){var t=e.target;"
            + "errors.push(t&&t!==window&&t.tagName?'could not load <'+t.tagName.toLowerCase()+'> '"
            + "+String(t.src||t.href||'').slice(0,80):String(e.message));},true);"
            + "window.addEventListener('load',function(){"
            + "var images=Array.prototype.map.call(document.images,function(i){"
            + "return{alt:i.alt,complete:i.complete,width:i.naturalWidth,height:i.naturalHeight};});"
            + "var resources=performance.getEntriesByType('resource').map(function(r){return r.name;});"
            + "var b=document.body,bottom=b.getBoundingClientRect().bottom+window.scrollY"
            + "+Math.max(16,parseFloat(getComputedStyle(b).marginBottom)||0);"
            + "var out={images:images,resources:resources,errors:errors,height:Math.ceil(bottom)};"
            + "var pre=document.createElement('pre');pre.id='" + CHECK_ID + "';pre.style.display='none';"
            + "pre.textContent=JSON.stringify(out);"
            + "document.body.appendChild(pre);});})();</script>";

    private final Path executable;

    private HeadlessChromium(Path executable) {
        this.executable = executable;
    }

    /**
     * The browser {@value #EXECUTABLE_ENV} names, else the first of {@link #NAMES} on the PATH, or
     * empty when there is none.
     *
     * @throws IllegalStateException when {@value #EXECUTABLE_ENV} names no executable file
     */
    public static Optional<HeadlessChromium> find() {
        String named = System.getenv(EXECUTABLE_ENV);
        if (named != null && !named.isBlank()) {
            Path p = Path.of(named);
            if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
                throw new IllegalStateException(EXECUTABLE_ENV + "=" + named + " is not an executable file");
            }
            return Optional.of(new HeadlessChromium(p));
        }
        String path = System.getenv("PATH");
        for (String name : NAMES) {
            for (String dir : path == null ? new String[0] : path.split(File.pathSeparator)) {
                Path p = Path.of(dir.isEmpty() ? "." : dir, name);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return Optional.of(new HeadlessChromium(p));
                }
            }
        }
        return Optional.empty();
    }

    /** The browser executable. */
    public Path executable() {
        return executable;
    }

    /**
     * What a page did when the browser loaded it.
     *
     * @param images    every {@code <img>}: whether it finished loading and its decoded size (0 × 0 when
     *                  it could not be decoded)
     * @param errors    scripts' errors and elements that failed to load
     * @param resources every resource the page fetched (a self-contained page fetches none)
     * @param console   the page's console messages, as the browser logged them
     * @param height    the page's height at the window width it was loaded with (pixels)
     */
    public record PageCheck(List<ImageCheck> images, List<String> errors, List<String> resources, List<String> console,
            int height) {

        /** The problems found, one line each; empty when the page loaded cleanly and every image decoded. */
        public List<String> problems() {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                ImageCheck img = images.get(i);
                if (!img.complete() || img.width() <= 0 || img.height() <= 0) {
                    out.add(String.format(Locale.ROOT, "image %d (\"%s\") did not decode: %d x %d", i + 1, img.alt(),
                            img.width(), img.height()));
                }
            }
            errors.forEach(e -> out.add("error: " + e));
            resources.forEach(r -> out.add("fetched " + r));
            console.forEach(c -> out.add("console: " + c));
            return out;
        }
    }

    /** One {@code <img>} as the browser decoded it. */
    public record ImageCheck(String alt, boolean complete, int width, int height) {
    }

    /** What a screenshot shows and what the page did. */
    public record Screenshot(Path png, int width, int height, PageCheck page) {
    }

    /**
     * Loads {@code html} in a window {@code width} pixels wide and reports what the page did. The page
     * is loaded from a copy beside it with a check script added ({@link #CHECK_SCRIPT}); the copy is
     * deleted afterwards.
     *
     * @throws IOException when the browser cannot be started, fails, or prints no findings
     */
    public PageCheck check(Path html, int width) throws IOException {
        return load(html, width, CHECK_WINDOW_HEIGHT, null);
    }

    /**
     * A PNG of the whole of {@code html} (up to {@value #MAX_HEIGHT} pixels high) in a window
     * {@code width} pixels wide, written atomically to {@code png}, and what the page did while it
     * loaded ({@link #check}). One browser run checks the page and takes a {@value #FIRST_WINDOW_HEIGHT}
     * pixel high screenshot, cut to the page's height; a taller page is taken again at its height.
     *
     * @throws IOException when the browser cannot be started or fails, or writes no PNG
     */
    public Screenshot screenshot(Path html, Path png, int width) throws IOException {
        Path dir = Files.createTempDirectory("shrink4j-chromium-shot");
        try {
            Path shot = dir.resolve("screenshot.png");
            PageCheck checked = load(html, width, FIRST_WINDOW_HEIGHT, shot);
            int height = Math.max(1, Math.min(checked.height(), MAX_HEIGHT));
            List<String> console = new ArrayList<>(checked.console());
            if (height > FIRST_WINDOW_HEIGHT) {
                Files.delete(shot);
                console.addAll(load(html, width, height, shot).console());
            }
            BufferedImage image = ImageIO.read(shot.toFile());
            if (image == null) {
                throw new IOException("Chromium (" + executable + ") wrote no PNG screenshot of " + html);
            }
            BufferedImage page = image.getHeight() > height ? image.getSubimage(0, 0, image.getWidth(), height) : image;
            AtomicFiles.write(png, tmp -> {
                if (!ImageIO.write(page, "png", tmp.toFile())) {
                    throw new IOException("no PNG writer for the screenshot of " + html);
                }
            });
            return new Screenshot(png, page.getWidth(), page.getHeight(), new PageCheck(checked.images(), checked.errors(),
                    checked.resources(), List.copyOf(console), checked.height()));
        } finally {
            FileTrees.delete(dir);
        }
    }

    /**
     * Runs the browser on a copy of {@code html} with the check script, in a window {@code width} ×
     * {@code height}; takes a screenshot into {@code shot} unless it is null.
     */
    private PageCheck load(Path html, int width, int height, Path shot) throws IOException {
        Path page = html.toAbsolutePath();
        String source = Files.readString(page, StandardCharsets.UTF_8);
        Matcher head = Pattern.compile("(?i)<head[^>]*>").matcher(source);
        String instrumented = head.find() ? source.substring(0, head.end()) + CHECK_SCRIPT + source.substring(head.end())
                : CHECK_SCRIPT + source;
        Path copy = page.resolveSibling("." + page.getFileName() + ".check.html");
        Files.writeString(copy, instrumented, StandardCharsets.UTF_8);
        try {
            Run run = shot == null ? launch(copy, width, height, "--dump-dom")
                    : launch(copy, width, height, "--dump-dom", "--screenshot=" + shot);
            Matcher m = CHECK.matcher(run.stdout());
            if (!m.find()) {
                throw new IOException("Chromium (" + executable + ") loaded " + html + " but the page check wrote no "
                        + "findings; its log ends: " + tail(run.stderr()));
            }
            String json = m.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&nbsp;", "\u00a0")
                    .replace("&amp;", "&");
            Findings f;
            try {
                f = new Gson().fromJson(json, Findings.class);
            } catch (JsonParseException e) {
                throw new IOException("the page check of " + html + " wrote unreadable findings: " + json, e);
            }
            if (shot != null && (!Files.isRegularFile(shot) || Files.size(shot) == 0)) {
                throw new IOException("Chromium (" + executable + ") wrote no screenshot of " + html + "; its log ends: "
                        + tail(run.stderr()));
            }
            return new PageCheck(List.copyOf(f.images), List.copyOf(f.errors), List.copyOf(f.resources),
                    consoleMessages(run.stderr()), f.height);
        } finally {
            Files.deleteIfExists(copy);
        }
    }

    /** The JSON the check script writes. */
    private static final class Findings {
        List<ImageCheck> images = List.of();
        List<String> errors = List.of();
        List<String> resources = List.of();
        int height;
    }

    private record Run(String stdout, String stderr) {
    }

    /** Runs the browser on {@code page} with a fresh profile, no network and the given extra arguments. */
    private Run launch(Path page, int width, int height, String... extra) throws IOException {
        Path profile = Files.createTempDirectory("shrink4j-chromium");
        Path stdout = profile.resolve("stdout.txt");
        Path stderr = profile.resolve("stderr.txt");
        try {
            List<String> cmd = new ArrayList<>(List.of(executable.toString(), "--headless", "--disable-gpu",
                    "--hide-scrollbars", "--force-device-scale-factor=1", "--no-first-run", "--no-default-browser-check",
                    "--disable-extensions", "--disable-sync", "--disable-background-networking", "--disable-component-update",
                    "--host-resolver-rules=MAP * ~NOTFOUND", "--run-all-compositor-stages-before-draw",
                    "--virtual-time-budget=10000", "--enable-logging=stderr", "--v=0",
                    "--user-data-dir=" + profile.resolve("profile"),
                    String.format(Locale.ROOT, "--window-size=%d,%d", width, height)));
            if ("root".equals(System.getProperty("user.name"))) {
                // Chromium refuses to run as root inside its sandbox; the page is our own report
                cmd.add("--no-sandbox");
            }
            cmd.addAll(List.of(extra));
            cmd.add(page.toUri().toString());
            Process p = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
            p.getOutputStream().close();
            boolean done;
            try {
                done = p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while Chromium loaded " + page, e);
            }
            if (!done) {
                p.destroyForcibly();
                throw new IOException("Chromium (" + executable + ") did not finish loading " + page + " within "
                        + TIMEOUT_SECONDS + " s");
            }
            String err = Files.readString(stderr, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException("Chromium (" + executable + ") exited with " + p.exitValue() + " on " + page
                        + "; its log ends: " + tail(err));
            }
            return new Run(Files.readString(stdout, StandardCharsets.UTF_8), err);
        } finally {
            FileTrees.delete(profile);
        }
    }

    /** The page's console messages in Chromium's log. */
    static List<String> consoleMessages(String log) {
        List<String> out = new ArrayList<>();
        for (String line : log.split("\\R")) {
            if (CONSOLE.matcher(line).find()) {
                int text = line.indexOf("] ");
                out.add((text >= 0 ? line.substring(text + 2) : line).strip());
            }
        }
        return out;
    }

    private static String tail(String log) {
        List<String> lines = log.lines().filter(l -> !l.isBlank()).toList();
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    }

}

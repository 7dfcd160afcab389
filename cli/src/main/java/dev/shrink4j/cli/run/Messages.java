package dev.shrink4j.cli.run;

/** How the command line prints messages: one line each. */
public final class Messages {

    private Messages() {
    }

    /** The message folded into one line (multi-line messages list problems; they are joined with "; "). */
    public static String oneLine(String message) {
        if (message == null) {
            return "(no message)";
        }
        String[] lines = message.strip().split("\\R");
        StringBuilder sb = new StringBuilder(lines[0].strip());
        for (int i = 1; i < lines.length; i++) {
            String l = lines[i].strip();
            if (l.isEmpty() || l.startsWith("at ") || l.startsWith("Exception raised from")) {
                // libtorch appends its C++ trace: the first line says what went wrong
                break;
            }
            sb.append(sb.charAt(sb.length() - 1) == ':' ? " " : "; ").append(l);
        }
        return sb.toString();
    }
}

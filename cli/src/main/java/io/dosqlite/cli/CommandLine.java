package io.dosqlite.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The arguments every command shares: positional ones, {@code --token T}, and the URL form. Other
 * {@code --name value} options and {@code --flag}s are kept for the command to read; a command
 * rejects the ones it does not know with {@link #unknownOptions(Set, Set)}.
 */
final class CommandLine {
    /** The token `./dosqlite serve` uses when started without one; tried for local servers when none is given. */
    static final String DEV_TOKEN = "dev-token";

    final List<String> positional = new ArrayList<>();
    /** From --token, else DOSQLITE_TOKEN (null if neither). */
    String token = System.getenv("DOSQLITE_TOKEN");
    private boolean devTokenUsed;
    /** True if --token was given (it then wins over a token in the URL). */
    boolean tokenGiven;
    final Map<String, String> options = new HashMap<>();
    final List<String> flags = new ArrayList<>();

    static CommandLine parse(String[] args) {
        return parse(args, Set.of());
    }

    /** {@code valued} names the options (without "--") that take a value; any other "--x" is a flag. */
    static CommandLine parse(String[] args, Set<String> valued) {
        CommandLine c = new CommandLine();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--token") && i + 1 < args.length) {
                c.token = args[++i];
                c.tokenGiven = true;
            } else if (a.startsWith("--token=")) {
                c.token = a.substring("--token=".length());
                c.tokenGiven = true;
            } else if (a.startsWith("--") && a.length() > 2) {
                String name = a.substring(2);
                int eq = name.indexOf('=');
                if (eq > 0) {
                    c.options.put(name.substring(0, eq), name.substring(eq + 1));
                } else if (valued.contains(name) && i + 1 < args.length) {
                    c.options.put(name, args[++i]);
                } else {
                    c.flags.add(name);
                }
            } else if (a.equals("-q")) {
                c.flags.add("quiet");
            } else {
                c.positional.add(a);
            }
        }
        return c;
    }

    boolean flag(String name) {
        return flags.contains(name);
    }

    /** The options and flags not in the given sets, as "--x" words; empty if all are known. */
    List<String> unknownOptions(Set<String> knownValued, Set<String> knownFlags) {
        List<String> out = new ArrayList<>();
        for (String k : options.keySet()) {
            if (!knownValued.contains(k)) {
                out.add("--" + k);
            }
        }
        for (String f : flags) {
            if (!knownFlags.contains(f)) {
                out.add("--" + f);
            }
        }
        return out;
    }

    /**
     * The token for a server at {@code url}: --token, else DOSQLITE_TOKEN, else, for a server on
     * this machine, the development token a local server started without --token uses.
     */
    String tokenFor(String url) {
        if (token != null) {
            return token;
        }
        String u = url.toLowerCase(java.util.Locale.ROOT);
        if (u.contains("://127.") || u.contains("://localhost") || u.contains("://[::1]")) {
            devTokenUsed = true;
            return DEV_TOKEN;
        }
        return null;
    }

    /** Whether {@link #tokenFor} fell back to the development token (error messages say so). */
    boolean devTokenUsed() {
        return devTokenUsed;
    }

    /** Accepts the URL with or without its {@code jdbc:dosqlite:} prefix. */
    static String jdbcUrl(String url) {
        return url.startsWith("jdbc:") ? url : "jdbc:dosqlite:" + url;
    }

    Properties properties() {
        Properties p = new Properties();
        if (token != null) {
            p.setProperty("token", token);
        }
        return p;
    }
}

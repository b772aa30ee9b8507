package io.dosqlite.cli;

import io.dosqlite.remote.RemoteConfig;
import io.dosqlite.remote.ScopedTokens;
import io.dosqlite.vfs.PageStoreException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code dosqlite token create [SERVER_URL] --db PATTERN [--read-only] [--expires 30d]}: asks the
 * page server for a scoped token, with the master token. The server signs it: its secret never
 * leaves it (a Cloudflare Worker secret cannot even be read back), so no copy of the secret has
 * to live where the CLI runs. The token alone goes to stdout, for scripts.
 */
final class TokenCommand {
    static final String USAGE = String.join("\n",
            "usage: dosqlite token create [SERVER_URL] --db NAME|PATTERN [--read-only] [--expires 30d] [--token MASTER]",
            "  SERVER_URL  default http://127.0.0.1:8787 (or DOSQLITE_URL)",
            "  --db        a database name, or a pattern with * and ? ('reports*')",
            "  --expires   how long it is valid: 3600s, 90m, 12h, 30d, 52w (default 30d)",
            "  --token     the server's master token (or DOSQLITE_TOKEN)");
    private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})([smhdw])");

    private TokenCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = CommandLine.parse(args, Set.of("db", "expires"));
        List<String> unknown = cl.unknownOptions(Set.of("db", "expires"), Set.of("read-only", "help"));
        if (cl.flag("help") || cl.positional.isEmpty() || !cl.positional.get(0).equals("create")
                || cl.positional.size() > 2 || !unknown.isEmpty() || cl.options.get("db") == null) {
            if (!unknown.isEmpty()) {
                err.println("dosqlite token: unknown option " + String.join(", ", unknown));
            } else if (!cl.flag("help") && cl.positional.size() >= 1 && cl.options.get("db") == null) {
                err.println("dosqlite token: --db NAME|PATTERN is required (which databases the token opens)");
            }
            err.println(USAGE);
            return cl.flag("help") ? 0 : 2;
        }
        Duration expires = parseDuration(cl.options.getOrDefault("expires", "30d"));
        if (expires == null) {
            err.println("dosqlite token: --expires must be a number and a unit s, m, h, d or w, e.g. 30d");
            return 2;
        }
        String server = cl.positional.size() == 2 ? cl.positional.get(1)
                : System.getenv().getOrDefault("DOSQLITE_URL", "http://127.0.0.1:8787");
        try {
            RemoteConfig cfg = RemoteTarget.server(server, cl);
            ScopedTokens.Issued t = ScopedTokens.issue(cfg, cl.options.get("db"), cl.flag("read-only"), expires);
            err.println((t.readOnly() ? "read-only" : "read-write") + " token for databases matching '" + t.scope()
                    + "' on " + cfg.baseUrl() + ", valid until " + t.expiresAt()
                    + " (rotating the server's token secret revokes it):");
            out.println(t.token());
            return 0;
        } catch (PageStoreException e) {
            err.println("dosqlite token: " + CliErrors.explain(e, cl));
            return 1;
        }
    }

    /** {@code 30d} and the like; null if malformed or zero. */
    static Duration parseDuration(String s) {
        Matcher m = DURATION.matcher(s.trim());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            return null;
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofDays(7 * n);
        };
    }
}

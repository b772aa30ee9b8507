package io.dosqlite.cli;

import io.dosqlite.vfs.PageStoreException;
import java.sql.SQLException;

/**
 * Errors in the words of a command-line user: the driver and the page store speak of properties
 * and HTTP headers; here a token is {@code --token} or DOSQLITE_TOKEN, and the fix is a command.
 */
final class CliErrors {
    private CliErrors() {
    }

    static String tokenAdvice(CommandLine cl) {
        return "pass --token T or set DOSQLITE_TOKEN"
                + (cl.devTokenUsed() ? " (no token was given, so the local development token '" + CommandLine.DEV_TOKEN
                + "' was tried)" : " (./dosqlite serve started without --token uses '" + CommandLine.DEV_TOKEN + "')");
    }

    /** One line for a page store failure. */
    static String explain(PageStoreException e, CommandLine cl) {
        if (e.kind() == PageStoreException.Kind.AUTH) {
            return "the page server refused the token: " + tokenAdvice(cl) + ". " + e.getMessage();
        }
        if (e.kind() == PageStoreException.Kind.FORBIDDEN) {
            return e.getMessage() + " (SQLState 42501; dosqlite token create issues tokens, with the master token)";
        }
        if (e.kind() == PageStoreException.Kind.NOT_FOUND) {
            // the store's advice names its own API; a CLI user lists what is there instead
            String what = e.getMessage();
            int cut = what.indexOf(';');
            return (cut > 0 ? what.substring(0, cut) : what) + " (./dosqlite list SERVER_URL shows the databases of a server)";
        }
        return e.getMessage() + " (SQLState " + e.kind().sqlState() + ")";
    }

    /** One line for a JDBC failure. */
    static String explain(SQLException e, CommandLine cl) {
        String state = String.valueOf(e.getSQLState());
        if (state.equals("28000")) {
            return "the page server refused the token: " + tokenAdvice(cl) + ". " + e.getMessage();
        }
        return e.getMessage() + " (SQLState " + state + ")";
    }
}

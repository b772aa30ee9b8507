package io.dosqlite.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's property table is generated from {@link DosqliteProperty}; this keeps them equal. */
class DosqlitePropertyReadmeTest {
    private static final String BEGIN = "<!-- properties:begin";
    private static final String END = "<!-- properties:end -->";

    static String table() {
        StringBuilder sb = new StringBuilder("| property | default | environment | what it does |\n"
                + "| --- | --- | --- | --- |\n");
        for (DosqliteProperty p : DosqliteProperty.values()) {
            sb.append("| `").append(p.propertyName()).append("` | ")
                    .append(p.defaultValue() == null ? "–" : "`" + p.defaultValue() + "`").append(" | ")
                    .append(p.environmentVariable() == null ? "–" : "`" + p.environmentVariable() + "`")
                    .append(" | ").append(p.description()).append(" |\n");
        }
        return sb.toString();
    }

    @Test
    void readmeListsEveryPropertyAsDeclared() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        int begin = readme.indexOf('\n', readme.indexOf(BEGIN)) + 1;
        int end = readme.indexOf(END);
        assertEquals(table(), readme.substring(begin, end),
                "README.md's property table is out of date; replace it with the expected text");
    }
}

package io.dosqlite.it.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.testsupport.PerRunPageServer;
import io.dosqlite.testsupport.TestPageServer;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.jooq.codegen.GenerationTool;
import org.jooq.meta.jaxb.Configuration;
import org.jooq.meta.jaxb.Database;
import org.jooq.meta.jaxb.Generator;
import org.jooq.meta.jaxb.Jdbc;
import org.jooq.meta.jaxb.Property;
import org.jooq.meta.jaxb.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * jOOQ with SQLDialect.SQLITE on a real page server: its code generator reads the schema of a
 * dosqlite database through the driver's metadata, and typed queries compiled against the
 * generated classes (resources compat/jooq/TypedQueries.java) run on it.
 */
@ExtendWith(PerRunPageServer.class)
class JooqTest {
    private static final String PACKAGE = "io.dosqlite.it.compat.jooqgen";

    @Test
    void generatesCodeFromADosqliteDatabaseAndRunsTypedQueries(TestPageServer server, @TempDir Path dir) throws Exception {
        String url = server.freshJdbcUrl("jooq");
        try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE author(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)");
            s.execute("CREATE TABLE book(id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES author(id),"
                    + " title TEXT NOT NULL, published INTEGER NOT NULL)");
        }

        Path generated = dir.resolve("generated");
        GenerationTool.generate(new Configuration()
                .withJdbc(new Jdbc().withDriver("io.dosqlite.jdbc.DosqliteDriver").withUrl(url)
                        .withProperties(new Property().withKey("token").withValue(TestPageServer.TOKEN)))
                .withGenerator(new Generator()
                        .withDatabase(new Database().withName("org.jooq.meta.sqlite.SQLiteDatabase")
                                .withIncludes("author|book"))
                        .withTarget(new Target().withPackageName(PACKAGE).withDirectory(generated.toString()))));
        assertTrue(Files.isRegularFile(generated.resolve(PACKAGE.replace('.', '/')).resolve("tables/Book.java")));

        Path app = generated.resolve(PACKAGE.replace('.', '/')).resolve("app/TypedQueries.java");
        Files.createDirectories(app.getParent());
        try (InputStream in = JooqTest.class.getResourceAsStream("/compat/jooq/TypedQueries.java")) {
            Files.copy(in, app);
        }
        Path classes = dir.resolve("classes");
        Files.createDirectories(classes);
        List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-classpath", classPath(), "-proc:none"));
        try (Stream<Path> files = Files.walk(generated)) {
            files.filter(p -> p.toString().endsWith(".java")).forEach(p -> args.add(p.toString()));
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertEquals(0, javac.run(null, null, null, args.toArray(new String[0])), "generated code and typed queries compile");

        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, JooqTest.class.getClassLoader());
             Connection c = TestPageServer.connect(url)) {
            @SuppressWarnings("unchecked")
            Function<Connection, List<String>> queries = (Function<Connection, List<String>>) loader
                    .loadClass(PACKAGE + ".app.TypedQueries").getDeclaredConstructor().newInstance();
            assertEquals(List.of("Calvino: Invisible Cities", "Calvino: If on a winter's night a traveler", "authors=1"),
                    queries.apply(c));
        }
    }

    /** The test class path as javac needs it: surefire may hide it behind a manifest-only jar. */
    private static String classPath() {
        StringBuilder sb = new StringBuilder(System.getProperty("java.class.path"));
        String surefire = System.getProperty("surefire.test.class.path");
        if (surefire != null) {
            sb.append(java.io.File.pathSeparator).append(surefire);
        }
        return sb.toString();
    }
}

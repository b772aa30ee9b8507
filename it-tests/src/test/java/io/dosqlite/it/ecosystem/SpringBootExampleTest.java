package io.dosqlite.it.ecosystem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import io.dosqlite.examples.spring.Note;
import io.dosqlite.examples.spring.NoteRepository;
import io.dosqlite.examples.spring.NotesApplication;
import io.dosqlite.jdbc.DosqliteConnection;
import io.dosqlite.testsupport.PerRunPageServer;
import io.dosqlite.testsupport.TestPageServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Runs the code and application.properties of examples/spring-boot (compiled into this module)
 * against a real page server: Spring Boot builds a HikariCP pool from nothing but
 * {@code spring.datasource.*}, schema.sql runs, JdbcTemplate does CRUD and a transaction.
 */
@ExtendWith(PerRunPageServer.class)
class SpringBootExampleTest {

    static {
        // Spring Boot would otherwise take over java.util.logging for the rest of this test JVM
        System.setProperty("org.springframework.boot.logging.LoggingSystem", "none");
    }

    private static ConfigurableApplicationContext start(String jdbcUrl, String... more) {
        String[] args = {"--spring.datasource.url=" + jdbcUrl,
                        "--spring.datasource.password=" + TestPageServer.TOKEN,
                        "--spring.main.banner-mode=off",
                        // this module also has Flyway 13 (FlywayMigrationTest), which Boot 3.5's
                        // Flyway auto-configuration does not support; the example has no Flyway
                        "--spring.flyway.enabled=false"};
        String[] all = Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, all, args.length, more.length);
        return new SpringApplicationBuilder(NotesApplication.class).web(WebApplicationType.NONE).run(all);
    }

    @Test
    void withoutTheDriverClassNameSpringSaysSo(TestPageServer server) {
        // Spring Boot knows drivers by URL prefix; jdbc:dosqlite: is not among them (README: Spring Boot)
        Exception e = assertThrows(Exception.class,
                () -> start(server.freshJdbcUrl("spring-nodriver"), "--spring.datasource.driver-class-name=").close());
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        assertTrue(root.getMessage().contains("Failed to determine a suitable driver class"), root.toString());
    }

    @Test
    void exampleAppDoesCrudThroughHikari(TestPageServer server) throws Exception {
        String url = server.freshJdbcUrl("spring");
        try (ConfigurableApplicationContext ctx = start(url)) {
            DataSource ds = ctx.getBean(DataSource.class);
            assertTrue(ds instanceof HikariDataSource, "Spring Boot chose HikariCP: " + ds.getClass());
            HikariDataSource hikari = (HikariDataSource) ds;
            assertEquals("io.dosqlite.jdbc.DosqliteDriver", hikari.getDriverClassName());
            assertEquals("dosqlite", hikari.getPoolName(), "application.properties of the example was used");
            assertEquals(url, hikari.getJdbcUrl());

            NoteRepository notes = ctx.getBean(NoteRepository.class);
            // the example's CommandLineRunner already added one note
            assertEquals(1, notes.count());
            assertEquals("hello from Spring Boot", notes.all().get(0).title());

            long id = notes.add("groceries", "milk, eggs");
            Note n = notes.find(id).orElseThrow();
            assertEquals("milk, eggs", n.body());
            assertTrue(notes.rename(id, "shopping"));
            assertEquals("shopping", notes.find(id).orElseThrow().title());
            long other = notes.add("to delete", null);
            assertTrue(notes.delete(other));
            assertFalse(notes.find(other).isPresent());

            notes.addAll(List.of("a", "b", "c"));
            assertEquals(5, notes.count());
            // @Transactional: one failing statement rolls the whole batch back
            assertThrows(DataIntegrityViolationException.class, () -> notes.addAll(Arrays.asList("d", null)));
            assertEquals(5, notes.count(), "the rolled-back batch left nothing");

            // a pooled connection is a dosqlite connection underneath
            try (Connection c = ds.getConnection()) {
                assertTrue(c.isValid(5));
                DosqliteConnection dc = c.unwrap(DosqliteConnection.class);
                assertTrue(dc.statistics().commits() > 0);
            }
            assertEquals(5L, ctx.getBean(JdbcTemplate.class).queryForObject("SELECT count(*) FROM note", Long.class));
        }
        // the rows are on the page server, not in the pool: a plain connection reads them back
        try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT title FROM note ORDER BY id")) {
            StringBuilder titles = new StringBuilder();
            while (rs.next()) {
                titles.append(rs.getString(1)).append(',');
            }
            assertEquals("hello from Spring Boot,shopping,a,b,c,", titles.toString());
        }
        // a second start of the app finds the table (schema.sql is idempotent) and its data
        try (ConfigurableApplicationContext ctx = start(url)) {
            assertEquals(6, ctx.getBean(NoteRepository.class).count());
        }
    }
}

package io.dosqlite.it.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.it.compat.jpa.Author;
import io.dosqlite.it.compat.jpa.AuthorRepository;
import io.dosqlite.it.compat.jpa.Book;
import io.dosqlite.it.compat.jpa.BookRepository;
import io.dosqlite.it.compat.jpa.Library;
import io.dosqlite.it.compat.jpa.LibraryApp;
import io.dosqlite.testsupport.PerRunPageServer;
import io.dosqlite.testsupport.TestPageServer;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Hibernate ORM 6 with the community SQLite dialect, through Spring Data JPA, on a real page
 * server: Flyway creates the schema, Hibernate maps entities with a relation onto it, a
 * {@code @Transactional} service writes a relation, and a failed transaction leaves nothing.
 */
@ExtendWith(PerRunPageServer.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SpringDataJpaTest {
    private ConfigurableApplicationContext app;
    private Library library;
    private AuthorRepository authors;
    private BookRepository books;

    @BeforeAll
    void start(TestPageServer server) {
        // command-line arguments, so that no application.properties on the test class path (the
        // Spring Boot example's) can override them
        app = new SpringApplicationBuilder(LibraryApp.class).web(WebApplicationType.NONE).run(
                "--spring.config.name=compat-jpa",
                "--spring.datasource.url=" + server.freshJdbcUrl("jpa") + "?foreign_keys=on",
                "--spring.datasource.driver-class-name=io.dosqlite.jdbc.DosqliteDriver",
                "--spring.datasource.password=" + TestPageServer.TOKEN,
                "--spring.datasource.hikari.maximum-pool-size=2",
                "--spring.sql.init.mode=never",
                "--spring.jpa.database-platform=org.hibernate.community.dialect.SQLiteDialect",
                // Flyway owns the schema; Hibernate's validate would refuse SQLite's INTEGER PRIMARY KEY
                // for a Long id, on plain sqlite-jdbc as here
                "--spring.jpa.hibernate.ddl-auto=none",
                "--spring.jpa.open-in-view=false");
        library = app.getBean(Library.class);
        authors = app.getBean(AuthorRepository.class);
        books = app.getBean(BookRepository.class);
    }

    @AfterAll
    void stop() {
        if (app != null) {
            app.close();
        }
    }

    @Test
    void entitiesAndTheirRelationRoundTrip() {
        Author saved = library.addAuthor("Le Guin", "A Wizard of Earthsea", "The Dispossessed");
        assertTrue(saved.getId() > 0, "identity from SQLite");
        Author read = authors.findWithBooks("Le Guin").orElseThrow();
        assertEquals(2, read.getBooks().size());
        List<Book> byAuthor = books.findByAuthorNameOrderByPublished("Le Guin");
        assertEquals("A Wizard of Earthsea", byAuthor.get(0).getTitle());
        library.renameBooks("Le Guin", " (2nd ed.)");
        assertEquals("The Dispossessed (2nd ed.)", books.findByAuthorNameOrderByPublished("Le Guin").get(1).getTitle());
        assertTrue(books.countByPublishedLessThan(1961) >= 1);
    }

    @Test
    void aFailedTransactionLeavesNothing() {
        long before = authors.count();
        assertThrows(IllegalStateException.class, () -> library.addAuthorThenFail("Nobody", "Unwritten"));
        assertEquals(before, authors.count());
        assertTrue(books.findByAuthorNameOrderByPublished("Nobody").isEmpty());
    }

    @Test
    void aDuplicateIsADataIntegrityViolationForSpring() {
        library.addAuthor("Borges");
        assertThrows(DataIntegrityViolationException.class, () -> library.addAuthor("Borges"));
        JdbcTemplate jdbc = new JdbcTemplate(app.getBean(javax.sql.DataSource.class));
        assertEquals(1, jdbc.queryForObject("SELECT count(*) FROM author WHERE name = 'Borges'", Integer.class));
        assertEquals(1, jdbc.queryForObject("SELECT count(*) FROM flyway_schema_history WHERE success", Integer.class));
    }
}

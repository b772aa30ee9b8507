package io.dosqlite.examples.spring;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.CommandLineRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * A Spring Boot app whose DataSource is a HikariCP pool on {@code jdbc:dosqlite:}; configured only
 * by {@code application.properties}. Run: {@code ./dosqlite serve} in one terminal, then
 * {@code mvn spring-boot:run} here (or pass {@code --spring.datasource.url=...}).
 */
@SpringBootApplication
public class NotesApplication {

    public static void main(String[] args) {
        SpringApplication.run(NotesApplication.class, args);
    }

    /** Adds a note and lists them all; {@code --notes.demo=false} turns it off. */
    @Bean
    CommandLineRunner demo(NoteRepository notes, @Value("${notes.demo:true}") boolean enabled) {
        return args -> {
            if (!enabled) {
                return;
            }
            long id = notes.add("hello from Spring Boot", "stored in a Durable Object");
            System.out.println("added note " + id + "; all notes:");
            notes.all().forEach(n -> System.out.println("  " + n.id() + "  " + n.title()));
        };
    }
}

package io.dosqlite.it.compat.jpa;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration;
import org.springframework.boot.autoconfigure.orm.jpa.EntityManagerFactoryDependsOnPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;

/**
 * The JPA test's application: auto-configured DataSource (HikariCP), Hibernate and the
 * repositories of this package; the schema comes from Flyway, run before Hibernate starts.
 * Flyway is configured here rather than by Spring Boot's FlywayAutoConfiguration, which does not
 * fit the Flyway version of this build (13.x); with matching versions the usual
 * {@code spring.flyway.*} properties do the same.
 */
@SpringBootConfiguration
@EnableAutoConfiguration(exclude = FlywayAutoConfiguration.class)
@ComponentScan
public class LibraryApp {
    @Bean(initMethod = "migrate")
    Flyway flyway(DataSource dataSource) {
        return Flyway.configure().dataSource(dataSource).locations("classpath:db/compat-jpa").load();
    }

    /** Hibernate validates the schema, so Flyway must have made it first. */
    @Bean
    static EntityManagerFactoryDependsOnPostProcessor migrateFirst() {
        return new EntityManagerFactoryDependsOnPostProcessor("flyway");
    }
}

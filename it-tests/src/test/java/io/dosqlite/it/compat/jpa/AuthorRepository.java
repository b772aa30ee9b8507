package io.dosqlite.it.compat.jpa;

import java.util.Optional;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;

public interface AuthorRepository extends JpaRepository<Author, Long> {
    @Query("select a from Author a left join fetch a.books where a.name = :name")
    Optional<Author> findWithBooks(@Param("name") String name);
}

package io.dosqlite.it.compat.jpa;

import java.util.List;
import org.springframework.data.jpa.repository.JpaRepository;

public interface BookRepository extends JpaRepository<Book, Long> {
    List<Book> findByAuthorNameOrderByPublished(String authorName);

    long countByPublishedLessThan(int year);
}

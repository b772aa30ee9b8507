package io.dosqlite.it.compat.jpa;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** A @Transactional service: each method is one commit on the page server, or nothing. */
@Service
public class Library {
    private final AuthorRepository authors;
    private final BookRepository books;

    public Library(AuthorRepository authors, BookRepository books) {
        this.authors = authors;
        this.books = books;
    }

    @Transactional
    public Author addAuthor(String name, String... titles) {
        Author a = new Author(name);
        for (int i = 0; i < titles.length; i++) {
            a.write(titles[i], 1960 + i);
        }
        return authors.save(a);
    }

    /** Saves, then fails: nothing of it may remain. */
    @Transactional
    public void addAuthorThenFail(String name, String title) {
        Author a = new Author(name);
        a.write(title, 2000);
        authors.saveAndFlush(a);
        throw new IllegalStateException("fails after the flush");
    }

    @Transactional
    public void renameBooks(String authorName, String suffix) {
        for (Book b : books.findByAuthorNameOrderByPublished(authorName)) {
            b.setTitle(b.getTitle() + suffix);
        }
    }
}

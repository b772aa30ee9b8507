package io.dosqlite.it.compat.jpa;

import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Version;

/** The other side: a book belongs to an author; versioned, so Hibernate checks concurrent edits. */
@Entity
public class Book {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;
    @ManyToOne(fetch = FetchType.LAZY, optional = false)
    @JoinColumn(name = "author_id")
    private Author author;
    private String title;
    private int published;
    @Version
    private long version;

    protected Book() {
    }

    Book(Author author, String title, int published) {
        this.author = author;
        this.title = title;
        this.published = published;
    }

    public Long getId() {
        return id;
    }

    public Author getAuthor() {
        return author;
    }

    public String getTitle() {
        return title;
    }

    public int getPublished() {
        return published;
    }

    public void setTitle(String title) {
        this.title = title;
    }
}

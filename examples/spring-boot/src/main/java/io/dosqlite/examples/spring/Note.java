package io.dosqlite.examples.spring;

/** One row of table {@code note}. */
public record Note(long id, String title, String body) {
}

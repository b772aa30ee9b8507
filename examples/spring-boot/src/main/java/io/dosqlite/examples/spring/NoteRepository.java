package io.dosqlite.examples.spring;

import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/** CRUD on table {@code note} with JdbcTemplate; plain SQL, nothing dosqlite-specific. */
@Repository
public class NoteRepository {
    private static final RowMapper<Note> ROW =
            (rs, i) -> new Note(rs.getLong("id"), rs.getString("title"), rs.getString("body"));

    private final JdbcTemplate jdbc;

    public NoteRepository(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public long add(String title, String body) {
        KeyHolder key = new GeneratedKeyHolder();
        jdbc.update(c -> {
            PreparedStatement ps = c.prepareStatement("INSERT INTO note(title, body) VALUES (?, ?)",
                    Statement.RETURN_GENERATED_KEYS);
            ps.setString(1, title);
            ps.setString(2, body);
            return ps;
        }, key);
        return key.getKey().longValue();
    }

    public Optional<Note> find(long id) {
        return jdbc.query("SELECT id, title, body FROM note WHERE id = ?", ROW, id).stream().findFirst();
    }

    public List<Note> all() {
        return jdbc.query("SELECT id, title, body FROM note ORDER BY id", ROW);
    }

    public boolean rename(long id, String title) {
        return jdbc.update("UPDATE note SET title = ? WHERE id = ?", title, id) == 1;
    }

    public boolean delete(long id) {
        return jdbc.update("DELETE FROM note WHERE id = ?", id) == 1;
    }

    public long count() {
        Long n = jdbc.queryForObject("SELECT count(*) FROM note", Long.class);
        return n == null ? 0 : n;
    }

    /** Several statements, one commit: on the page server it is all there or not at all. */
    @Transactional
    public void addAll(List<String> titles) {
        for (String t : titles) {
            jdbc.update("INSERT INTO note(title) VALUES (?)", t);
        }
    }
}

package io.dosqlite.it.compat.jooqgen.app;

import static io.dosqlite.it.compat.jooqgen.Tables.AUTHOR;
import static io.dosqlite.it.compat.jooqgen.Tables.BOOK;

import io.dosqlite.it.compat.jooqgen.tables.records.AuthorRecord;
import java.sql.Connection;
import java.util.List;
import java.util.function.Function;
import org.jooq.DSLContext;
import org.jooq.Record2;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * Typed jOOQ queries against classes generated from a dosqlite database: compiled by
 * JooqTest after code generation (so a column the generator got wrong fails to compile).
 */
public class TypedQueries implements Function<Connection, List<String>> {
    @Override
    public List<String> apply(Connection c) {
        DSLContext ctx = DSL.using(c, SQLDialect.SQLITE);
        ctx.transaction(tx -> {
            DSLContext t = tx.dsl();
            AuthorRecord author = t.insertInto(AUTHOR, AUTHOR.NAME).values("Calvino").returning().fetchOne();
            t.insertInto(BOOK, BOOK.AUTHOR_ID, BOOK.TITLE, BOOK.PUBLISHED)
                    .values(author.getId(), "Invisible Cities", 1972)
                    .values(author.getId(), "If on a winter's night a traveler", 1979)
                    .execute();
        });
        try {
            ctx.transaction(tx -> {
                tx.dsl().insertInto(AUTHOR, AUTHOR.NAME).values("Rolled back").execute();
                throw new IllegalStateException("roll back");
            });
        } catch (IllegalStateException expected) {
            // the transaction left nothing
        }
        List<Record2<String, String>> rows = ctx.select(AUTHOR.NAME, BOOK.TITLE)
                .from(BOOK).join(AUTHOR).on(BOOK.AUTHOR_ID.eq(AUTHOR.ID))
                .where(BOOK.PUBLISHED.gt(1970))
                .orderBy(BOOK.PUBLISHED)
                .fetch();
        List<String> out = new java.util.ArrayList<>();
        for (Record2<String, String> r : rows) {
            out.add(r.value1() + ": " + r.value2());
        }
        out.add("authors=" + ctx.fetchCount(AUTHOR));
        return out;
    }
}

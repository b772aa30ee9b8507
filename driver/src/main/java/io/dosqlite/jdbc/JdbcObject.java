package io.dosqlite.jdbc;

import java.sql.SQLException;
import java.sql.Wrapper;

/**
 * What every JDBC object of a dosqlite connection shares: a call that may read pages or commit
 * runs between {@link JdbcConnection#beforeCall()} and {@link JdbcConnection#afterCall()}, and
 * whatever it throws leaves with a SQLState and the page store's real cause.
 */
abstract class JdbcObject {
    final JdbcConnection conn;

    JdbcObject(JdbcConnection conn) {
        this.conn = conn;
    }

    /** A JDBC call that returns something. */
    interface Call<T> {
        T run() throws SQLException;
    }

    /** A JDBC call that returns nothing. */
    interface Action {
        void run() throws SQLException;
    }

    /** Runs a call that may do I/O (read pages, commit). */
    final <T> T io(Call<T> call) throws SQLException {
        conn.beforeCall();
        T result;
        try {
            result = call.run();
        } catch (SQLException e) {
            throw failed(e);
        }
        conn.afterCall();
        return result;
    }

    /** {@link #io} for a call that returns nothing. */
    final void run(Action action) throws SQLException {
        conn.beforeCall();
        try {
            action.run();
        } catch (SQLException e) {
            throw failed(e);
        }
        conn.afterCall();
    }

    /** The sqlite-jdbc object this one stands for. */
    abstract Wrapper wrapped();

    /** This object, or what sqlite-jdbc's object unwraps to (JDBC {@link Wrapper#unwrap}). */
    public final <T> T unwrap(Class<T> iface) throws SQLException {
        return iface.isInstance(this) ? iface.cast(this) : wrapped().unwrap(iface);
    }

    /** JDBC {@link Wrapper#isWrapperFor}. */
    public final boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || wrapped().isWrapperFor(iface);
    }

    /** The exception to throw for {@code e}, thrown by sqlite-jdbc on this object. */
    SQLException failed(SQLException e) {
        return conn.failed(e);
    }
}

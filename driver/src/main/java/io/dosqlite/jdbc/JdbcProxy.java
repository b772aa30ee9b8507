package io.dosqlite.jdbc;

import io.dosqlite.vfs.PageStoreException;
import io.dosqlite.vfs.VfsErrors;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;

/**
 * Wraps sqlite-jdbc's statements, result sets and metadata so that every SQLException they throw
 * gets a SQLState and the page store's real cause, and so that {@code getConnection()} /
 * {@code getStatement()} lead back to the wrappers rather than around them. Any call on a result
 * set may read pages over the network, so none can be left unwrapped.
 */
class JdbcProxy implements InvocationHandler {
    private static final Set<Class<?>> WRAPPED = Set.of(
            Statement.class, PreparedStatement.class, CallableStatement.class,
            ResultSet.class, DatabaseMetaData.class);

    final Object delegate;
    private final ConnectionHandler owner;
    private final Object parent;
    /** The SQL a prepared statement was prepared with (null for other objects). */
    private final String sql;

    /** {@code owner} is null only for the connection's own handler, which is its own owner. */
    JdbcProxy(Object delegate, ConnectionHandler owner, Object parent, String sql) {
        this.delegate = delegate;
        this.owner = owner;
        this.parent = parent;
        this.sql = sql;
    }

    static Object wrap(Class<?> iface, Object delegate, ConnectionHandler owner, Object parent, String sql) {
        if (delegate == null) {
            return null;
        }
        return Proxy.newProxyInstance(JdbcProxy.class.getClassLoader(), new Class<?>[] {iface},
                new JdbcProxy(delegate, owner, parent, sql));
    }

    private ConnectionHandler owner() {
        return owner != null ? owner : (ConnectionHandler) this;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        switch (method.getName()) {
            case "equals":
                return proxy == args[0];
            case "hashCode":
                return System.identityHashCode(proxy);
            case "toString":
                return delegate.toString();
            case "unwrap":
                return ((Class<?>) args[0]).isInstance(proxy) ? proxy : method.invoke(delegate, args);
            case "isWrapperFor":
                return ((Class<?>) args[0]).isInstance(proxy) || (Boolean) method.invoke(delegate, args);
            case "getConnection":
                if (method.getParameterCount() == 0 && method.getReturnType() == Connection.class) {
                    return owner().proxy();
                }
                break;
            case "executeUpdate":
            case "executeLargeUpdate":
                return owner().runUpdate(() -> call(proxy, method, args));
            case "executeBatch":
            case "executeLargeBatch":
                return owner().runBatch(() -> call(proxy, method, args));
            case "executeQuery":
                return owner().runQuery(args == null ? sql : (String) args[0], () -> call(proxy, method, args));
            case "getStatement":
                if (method.getParameterCount() == 0) {
                    return parent instanceof Statement ? parent : null;
                }
                break;
            default:
                break;
        }
        return call(proxy, method, args);
    }

    final Object call(Object proxy, Method method, Object[] args) throws Throwable {
        VfsErrors.takeLast(); // a cause left over from an earlier, recovered failure must not be blamed here
        boolean live = StatementRevival.isLive(delegate);
        Object result;
        try {
            result = method.invoke(delegate, args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SQLException) {
                SQLException translated = SqlErrors.translate((SQLException) cause);
                owner().restoreTransaction();
                if (live) {
                    StatementRevival.revive(delegate);
                }
                throw translated;
            }
            throw cause;
        }
        Throwable swallowed = VfsErrors.takeLast();
        if (swallowed instanceof PageStoreException) {
            // SQLite turned a failed page read into a result (PRAGMA integrity_check reports it
            // as "unable to get the page"): the user must get the network error, not a verdict.
            throw SqlErrors.fromStore((PageStoreException) swallowed, 0);
        }
        Class<?> type = method.getReturnType();
        if (result != null && WRAPPED.contains(type) && !Proxy.isProxyClass(result.getClass())) {
            String prepared = result instanceof PreparedStatement && args != null && args.length > 0
                    && args[0] instanceof String ? (String) args[0] : null;
            return wrap(type, result, owner(), proxy, prepared);
        }
        return result;
    }
}

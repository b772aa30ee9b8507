package io.dosqlite.jdbc;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.RowIdLifetime;
import java.sql.SQLException;
import java.sql.Wrapper;

/**
 * sqlite-jdbc's metadata of a dosqlite connection: its queries read pages, so every call goes
 * through {@link #io}, and {@code getConnection()} leads back to the dosqlite connection. The
 * answers are sqlite-jdbc's, which GUI tools (DBeaver's navigator, ER diagrams) rely on.
 */
final class JdbcDatabaseMetaData extends JdbcObject implements DatabaseMetaData {
    private final DatabaseMetaData inner;

    JdbcDatabaseMetaData(JdbcConnection conn, DatabaseMetaData inner) {
        super(conn);
        this.inner = inner;
    }

    private ResultSet results(ResultSet rs) {
        return rs == null ? null : new JdbcResultSet(conn, null, rs);
    }

    @Override
    public Connection getConnection() {
        return conn;
    }

    @Override
    final Wrapper wrapped() {
        return inner;
    }

    // ---- the rest delegates

    @Override
    public boolean allProceduresAreCallable() throws SQLException {
        return io(() -> inner.allProceduresAreCallable());
    }

    @Override
    public boolean allTablesAreSelectable() throws SQLException {
        return io(() -> inner.allTablesAreSelectable());
    }

    @Override
    public boolean autoCommitFailureClosesAllResultSets() throws SQLException {
        return io(() -> inner.autoCommitFailureClosesAllResultSets());
    }

    @Override
    public boolean dataDefinitionCausesTransactionCommit() throws SQLException {
        return io(() -> inner.dataDefinitionCausesTransactionCommit());
    }

    @Override
    public boolean dataDefinitionIgnoredInTransactions() throws SQLException {
        return io(() -> inner.dataDefinitionIgnoredInTransactions());
    }

    @Override
    public boolean deletesAreDetected(int a) throws SQLException {
        return io(() -> inner.deletesAreDetected(a));
    }

    @Override
    public boolean doesMaxRowSizeIncludeBlobs() throws SQLException {
        return io(() -> inner.doesMaxRowSizeIncludeBlobs());
    }

    @Override
    public boolean generatedKeyAlwaysReturned() throws SQLException {
        return io(() -> inner.generatedKeyAlwaysReturned());
    }

    @Override
    public ResultSet getAttributes(String a, String b, String c, String d) throws SQLException {
        return results(io(() -> inner.getAttributes(a, b, c, d)));
    }

    @Override
    public ResultSet getBestRowIdentifier(String a, String b, String c, int d, boolean e) throws SQLException {
        return results(io(() -> inner.getBestRowIdentifier(a, b, c, d, e)));
    }

    @Override
    public String getCatalogSeparator() throws SQLException {
        return io(() -> inner.getCatalogSeparator());
    }

    @Override
    public String getCatalogTerm() throws SQLException {
        return io(() -> inner.getCatalogTerm());
    }

    @Override
    public ResultSet getCatalogs() throws SQLException {
        return results(io(() -> inner.getCatalogs()));
    }

    @Override
    public ResultSet getClientInfoProperties() throws SQLException {
        return results(io(() -> inner.getClientInfoProperties()));
    }

    @Override
    public ResultSet getColumnPrivileges(String a, String b, String c, String d) throws SQLException {
        return results(io(() -> inner.getColumnPrivileges(a, b, c, d)));
    }

    @Override
    public ResultSet getColumns(String a, String b, String c, String d) throws SQLException {
        return results(io(() -> inner.getColumns(a, b, c, d)));
    }

    @Override
    public ResultSet getCrossReference(String a, String b, String c, String d, String e, String f) throws SQLException {
        return results(io(() -> inner.getCrossReference(a, b, c, d, e, f)));
    }

    @Override
    public int getDatabaseMajorVersion() throws SQLException {
        return io(() -> inner.getDatabaseMajorVersion());
    }

    @Override
    public int getDatabaseMinorVersion() throws SQLException {
        return io(() -> inner.getDatabaseMinorVersion());
    }

    @Override
    public String getDatabaseProductName() throws SQLException {
        return io(() -> inner.getDatabaseProductName());
    }

    @Override
    public String getDatabaseProductVersion() throws SQLException {
        return io(() -> inner.getDatabaseProductVersion());
    }

    @Override
    public int getDefaultTransactionIsolation() throws SQLException {
        return io(() -> inner.getDefaultTransactionIsolation());
    }

    @Override
    public int getDriverMajorVersion() {
        return inner.getDriverMajorVersion();
    }

    @Override
    public int getDriverMinorVersion() {
        return inner.getDriverMinorVersion();
    }

    @Override
    public String getDriverName() throws SQLException {
        return io(() -> inner.getDriverName());
    }

    @Override
    public String getDriverVersion() throws SQLException {
        return io(() -> inner.getDriverVersion());
    }

    @Override
    public ResultSet getExportedKeys(String a, String b, String c) throws SQLException {
        return results(io(() -> inner.getExportedKeys(a, b, c)));
    }

    @Override
    public String getExtraNameCharacters() throws SQLException {
        return io(() -> inner.getExtraNameCharacters());
    }

    @Override
    public ResultSet getFunctionColumns(String a, String b, String c, String d) throws SQLException {
        return results(io(() -> inner.getFunctionColumns(a, b, c, d)));
    }

    @Override
    public ResultSet getFunctions(String a, String b, String c) throws SQLException {
        return results(io(() -> inner.getFunctions(a, b, c)));
    }

    @Override
    public String getIdentifierQuoteString() throws SQLException {
        return io(() -> inner.getIdentifierQuoteString());
    }

    @Override
    public ResultSet getImportedKeys(String a, String b, String c) throws SQLException {
        return results(io(() -> inner.getImportedKeys(a, b, c)));
    }

    @Override
    public ResultSet getIndexInfo(String a, String b, String c, boolean d, boolean e) throws SQLException {
        return results(io(() -> inner.getIndexInfo(a, b, c, d, e)));
    }

    @Override
    public int getJDBCMajorVersion() throws SQLException {
        return io(() -> inner.getJDBCMajorVersion());
    }

    @Override
    public int getJDBCMinorVersion() throws SQLException {
        return io(() -> inner.getJDBCMinorVersion());
    }

    @Override
    public int getMaxBinaryLiteralLength() throws SQLException {
        return io(() -> inner.getMaxBinaryLiteralLength());
    }

    @Override
    public int getMaxCatalogNameLength() throws SQLException {
        return io(() -> inner.getMaxCatalogNameLength());
    }

    @Override
    public int getMaxCharLiteralLength() throws SQLException {
        return io(() -> inner.getMaxCharLiteralLength());
    }

    @Override
    public int getMaxColumnNameLength() throws SQLException {
        return io(() -> inner.getMaxColumnNameLength());
    }

    @Override
    public int getMaxColumnsInGroupBy() throws SQLException {
        return io(() -> inner.getMaxColumnsInGroupBy());
    }

    @Override
    public int getMaxColumnsInIndex() throws SQLException {
        return io(() -> inner.getMaxColumnsInIndex());
    }

    @Override
    public int getMaxColumnsInOrderBy() throws SQLException {
        return io(() -> inner.getMaxColumnsInOrderBy());
    }

    @Override
    public int getMaxColumnsInSelect() throws SQLException {
        return io(() -> inner.getMaxColumnsInSelect());
    }

    @Override
    public int getMaxColumnsInTable() throws SQLException {
        return io(() -> inner.getMaxColumnsInTable());
    }

    @Override
    public int getMaxConnections() throws SQLException {
        return io(() -> inner.getMaxConnections());
    }

    @Override
    public int getMaxCursorNameLength() throws SQLException {
        return io(() -> inner.getMaxCursorNameLength());
    }

    @Override
    public int getMaxIndexLength() throws SQLException {
        return io(() -> inner.getMaxIndexLength());
    }

    @Override
    public long getMaxLogicalLobSize() throws SQLException {
        return io(() -> inner.getMaxLogicalLobSize());
    }

    @Override
    public int getMaxProcedureNameLength() throws SQLException {
        return io(() -> inner.getMaxProcedureNameLength());
    }

    @Override
    public int getMaxRowSize() throws SQLException {
        return io(() -> inner.getMaxRowSize());
    }

    @Override
    public int getMaxSchemaNameLength() throws SQLException {
        return io(() -> inner.getMaxSchemaNameLength());
    }

    @Override
    public int getMaxStatementLength() throws SQLException {
        return io(() -> inner.getMaxStatementLength());
    }

    @Override
    public int getMaxStatements() throws SQLException {
        return io(() -> inner.getMaxStatements());
    }

    @Override
    public int getMaxTableNameLength() throws SQLException {
        return io(() -> inner.getMaxTableNameLength());
    }

    @Override
    public int getMaxTablesInSelect() throws SQLException {
        return io(() -> inner.getMaxTablesInSelect());
    }

    @Override
    public int getMaxUserNameLength() throws SQLException {
        return io(() -> inner.getMaxUserNameLength());
    }

    @Override
    public String getNumericFunctions() throws SQLException {
        return io(() -> inner.getNumericFunctions());
    }

    @Override
    public ResultSet getPrimaryKeys(String a, String b, String c) throws SQLException {
        return results(io(() -> inner.getPrimaryKeys(a, b, c)));
    }

    @Override
    public ResultSet getProcedureColumns(String a, String b, String c, String d) throws SQLException {
        return results(io(() -> inner.getProcedureColumns(a, b, c, d)));
    }

    @Override
    public String getProcedureTerm() throws SQLException {
        return io(() -> inner.getProcedureTerm());
    }

    @Override
    public ResultSet getProcedures(String a, String b, String c) throws SQLException {
        return results(io(() -> inner.getProcedures(a, b, c)));
    }

    @Override
    public ResultSet getPseudoColumns(String a, String b, String c, String d) throws SQLException {
        return results(io(() -> inner.getPseudoColumns(a, b, c, d)));
    }

    @Override
    public int getResultSetHoldability() throws SQLException {
        return io(() -> inner.getResultSetHoldability());
    }

    @Override
    public RowIdLifetime getRowIdLifetime() throws SQLException {
        return io(() -> inner.getRowIdLifetime());
    }

    @Override
    public String getSQLKeywords() throws SQLException {
        return io(() -> inner.getSQLKeywords());
    }

    @Override
    public int getSQLStateType() throws SQLException {
        return io(() -> inner.getSQLStateType());
    }

    @Override
    public String getSchemaTerm() throws SQLException {
        return io(() -> inner.getSchemaTerm());
    }

    @Override
    public ResultSet getSchemas() throws SQLException {
        return results(io(() -> inner.getSchemas()));
    }

    @Override
    public ResultSet getSchemas(String a, String b) throws SQLException {
        return results(io(() -> inner.getSchemas(a, b)));
    }

    @Override
    public String getSearchStringEscape() throws SQLException {
        return io(() -> inner.getSearchStringEscape());
    }

    @Override
    public String getStringFunctions() throws SQLException {
        return io(() -> inner.getStringFunctions());
    }

    @Override
    public ResultSet getSuperTables(String a, String b, String c) throws SQLException {
        return results(io(() -> inner.getSuperTables(a, b, c)));
    }

    @Override
    public ResultSet getSuperTypes(String a, String b, String c) throws SQLException {
        return results(io(() -> inner.getSuperTypes(a, b, c)));
    }

    @Override
    public String getSystemFunctions() throws SQLException {
        return io(() -> inner.getSystemFunctions());
    }

    @Override
    public ResultSet getTablePrivileges(String a, String b, String c) throws SQLException {
        return results(io(() -> inner.getTablePrivileges(a, b, c)));
    }

    @Override
    public ResultSet getTableTypes() throws SQLException {
        return results(io(() -> inner.getTableTypes()));
    }

    @Override
    public ResultSet getTables(String a, String b, String c, String[] d) throws SQLException {
        return results(io(() -> inner.getTables(a, b, c, d)));
    }

    @Override
    public String getTimeDateFunctions() throws SQLException {
        return io(() -> inner.getTimeDateFunctions());
    }

    @Override
    public ResultSet getTypeInfo() throws SQLException {
        return results(io(() -> inner.getTypeInfo()));
    }

    @Override
    public ResultSet getUDTs(String a, String b, String c, int[] d) throws SQLException {
        return results(io(() -> inner.getUDTs(a, b, c, d)));
    }

    @Override
    public String getURL() throws SQLException {
        return io(() -> inner.getURL());
    }

    @Override
    public String getUserName() throws SQLException {
        return io(() -> inner.getUserName());
    }

    @Override
    public ResultSet getVersionColumns(String a, String b, String c) throws SQLException {
        return results(io(() -> inner.getVersionColumns(a, b, c)));
    }

    @Override
    public boolean insertsAreDetected(int a) throws SQLException {
        return io(() -> inner.insertsAreDetected(a));
    }

    @Override
    public boolean isCatalogAtStart() throws SQLException {
        return io(() -> inner.isCatalogAtStart());
    }

    @Override
    public boolean isReadOnly() throws SQLException {
        return io(() -> inner.isReadOnly());
    }

    @Override
    public boolean locatorsUpdateCopy() throws SQLException {
        return io(() -> inner.locatorsUpdateCopy());
    }

    @Override
    public boolean nullPlusNonNullIsNull() throws SQLException {
        return io(() -> inner.nullPlusNonNullIsNull());
    }

    @Override
    public boolean nullsAreSortedAtEnd() throws SQLException {
        return io(() -> inner.nullsAreSortedAtEnd());
    }

    @Override
    public boolean nullsAreSortedAtStart() throws SQLException {
        return io(() -> inner.nullsAreSortedAtStart());
    }

    @Override
    public boolean nullsAreSortedHigh() throws SQLException {
        return io(() -> inner.nullsAreSortedHigh());
    }

    @Override
    public boolean nullsAreSortedLow() throws SQLException {
        return io(() -> inner.nullsAreSortedLow());
    }

    @Override
    public boolean othersDeletesAreVisible(int a) throws SQLException {
        return io(() -> inner.othersDeletesAreVisible(a));
    }

    @Override
    public boolean othersInsertsAreVisible(int a) throws SQLException {
        return io(() -> inner.othersInsertsAreVisible(a));
    }

    @Override
    public boolean othersUpdatesAreVisible(int a) throws SQLException {
        return io(() -> inner.othersUpdatesAreVisible(a));
    }

    @Override
    public boolean ownDeletesAreVisible(int a) throws SQLException {
        return io(() -> inner.ownDeletesAreVisible(a));
    }

    @Override
    public boolean ownInsertsAreVisible(int a) throws SQLException {
        return io(() -> inner.ownInsertsAreVisible(a));
    }

    @Override
    public boolean ownUpdatesAreVisible(int a) throws SQLException {
        return io(() -> inner.ownUpdatesAreVisible(a));
    }

    @Override
    public boolean storesLowerCaseIdentifiers() throws SQLException {
        return io(() -> inner.storesLowerCaseIdentifiers());
    }

    @Override
    public boolean storesLowerCaseQuotedIdentifiers() throws SQLException {
        return io(() -> inner.storesLowerCaseQuotedIdentifiers());
    }

    @Override
    public boolean storesMixedCaseIdentifiers() throws SQLException {
        return io(() -> inner.storesMixedCaseIdentifiers());
    }

    @Override
    public boolean storesMixedCaseQuotedIdentifiers() throws SQLException {
        return io(() -> inner.storesMixedCaseQuotedIdentifiers());
    }

    @Override
    public boolean storesUpperCaseIdentifiers() throws SQLException {
        return io(() -> inner.storesUpperCaseIdentifiers());
    }

    @Override
    public boolean storesUpperCaseQuotedIdentifiers() throws SQLException {
        return io(() -> inner.storesUpperCaseQuotedIdentifiers());
    }

    @Override
    public boolean supportsANSI92EntryLevelSQL() throws SQLException {
        return io(() -> inner.supportsANSI92EntryLevelSQL());
    }

    @Override
    public boolean supportsANSI92FullSQL() throws SQLException {
        return io(() -> inner.supportsANSI92FullSQL());
    }

    @Override
    public boolean supportsANSI92IntermediateSQL() throws SQLException {
        return io(() -> inner.supportsANSI92IntermediateSQL());
    }

    @Override
    public boolean supportsAlterTableWithAddColumn() throws SQLException {
        return io(() -> inner.supportsAlterTableWithAddColumn());
    }

    @Override
    public boolean supportsAlterTableWithDropColumn() throws SQLException {
        return io(() -> inner.supportsAlterTableWithDropColumn());
    }

    @Override
    public boolean supportsBatchUpdates() throws SQLException {
        return io(() -> inner.supportsBatchUpdates());
    }

    @Override
    public boolean supportsCatalogsInDataManipulation() throws SQLException {
        return io(() -> inner.supportsCatalogsInDataManipulation());
    }

    @Override
    public boolean supportsCatalogsInIndexDefinitions() throws SQLException {
        return io(() -> inner.supportsCatalogsInIndexDefinitions());
    }

    @Override
    public boolean supportsCatalogsInPrivilegeDefinitions() throws SQLException {
        return io(() -> inner.supportsCatalogsInPrivilegeDefinitions());
    }

    @Override
    public boolean supportsCatalogsInProcedureCalls() throws SQLException {
        return io(() -> inner.supportsCatalogsInProcedureCalls());
    }

    @Override
    public boolean supportsCatalogsInTableDefinitions() throws SQLException {
        return io(() -> inner.supportsCatalogsInTableDefinitions());
    }

    @Override
    public boolean supportsColumnAliasing() throws SQLException {
        return io(() -> inner.supportsColumnAliasing());
    }

    @Override
    public boolean supportsConvert() throws SQLException {
        return io(() -> inner.supportsConvert());
    }

    @Override
    public boolean supportsConvert(int a, int b) throws SQLException {
        return io(() -> inner.supportsConvert(a, b));
    }

    @Override
    public boolean supportsCoreSQLGrammar() throws SQLException {
        return io(() -> inner.supportsCoreSQLGrammar());
    }

    @Override
    public boolean supportsCorrelatedSubqueries() throws SQLException {
        return io(() -> inner.supportsCorrelatedSubqueries());
    }

    @Override
    public boolean supportsDataDefinitionAndDataManipulationTransactions() throws SQLException {
        return io(() -> inner.supportsDataDefinitionAndDataManipulationTransactions());
    }

    @Override
    public boolean supportsDataManipulationTransactionsOnly() throws SQLException {
        return io(() -> inner.supportsDataManipulationTransactionsOnly());
    }

    @Override
    public boolean supportsDifferentTableCorrelationNames() throws SQLException {
        return io(() -> inner.supportsDifferentTableCorrelationNames());
    }

    @Override
    public boolean supportsExpressionsInOrderBy() throws SQLException {
        return io(() -> inner.supportsExpressionsInOrderBy());
    }

    @Override
    public boolean supportsExtendedSQLGrammar() throws SQLException {
        return io(() -> inner.supportsExtendedSQLGrammar());
    }

    @Override
    public boolean supportsFullOuterJoins() throws SQLException {
        return io(() -> inner.supportsFullOuterJoins());
    }

    @Override
    public boolean supportsGetGeneratedKeys() throws SQLException {
        return io(() -> inner.supportsGetGeneratedKeys());
    }

    @Override
    public boolean supportsGroupByBeyondSelect() throws SQLException {
        return io(() -> inner.supportsGroupByBeyondSelect());
    }

    @Override
    public boolean supportsGroupByUnrelated() throws SQLException {
        return io(() -> inner.supportsGroupByUnrelated());
    }

    @Override
    public boolean supportsGroupBy() throws SQLException {
        return io(() -> inner.supportsGroupBy());
    }

    @Override
    public boolean supportsIntegrityEnhancementFacility() throws SQLException {
        return io(() -> inner.supportsIntegrityEnhancementFacility());
    }

    @Override
    public boolean supportsLikeEscapeClause() throws SQLException {
        return io(() -> inner.supportsLikeEscapeClause());
    }

    @Override
    public boolean supportsLimitedOuterJoins() throws SQLException {
        return io(() -> inner.supportsLimitedOuterJoins());
    }

    @Override
    public boolean supportsMinimumSQLGrammar() throws SQLException {
        return io(() -> inner.supportsMinimumSQLGrammar());
    }

    @Override
    public boolean supportsMixedCaseIdentifiers() throws SQLException {
        return io(() -> inner.supportsMixedCaseIdentifiers());
    }

    @Override
    public boolean supportsMixedCaseQuotedIdentifiers() throws SQLException {
        return io(() -> inner.supportsMixedCaseQuotedIdentifiers());
    }

    @Override
    public boolean supportsMultipleOpenResults() throws SQLException {
        return io(() -> inner.supportsMultipleOpenResults());
    }

    @Override
    public boolean supportsMultipleResultSets() throws SQLException {
        return io(() -> inner.supportsMultipleResultSets());
    }

    @Override
    public boolean supportsMultipleTransactions() throws SQLException {
        return io(() -> inner.supportsMultipleTransactions());
    }

    @Override
    public boolean supportsNamedParameters() throws SQLException {
        return io(() -> inner.supportsNamedParameters());
    }

    @Override
    public boolean supportsNonNullableColumns() throws SQLException {
        return io(() -> inner.supportsNonNullableColumns());
    }

    @Override
    public boolean supportsOpenCursorsAcrossCommit() throws SQLException {
        return io(() -> inner.supportsOpenCursorsAcrossCommit());
    }

    @Override
    public boolean supportsOpenCursorsAcrossRollback() throws SQLException {
        return io(() -> inner.supportsOpenCursorsAcrossRollback());
    }

    @Override
    public boolean supportsOpenStatementsAcrossCommit() throws SQLException {
        return io(() -> inner.supportsOpenStatementsAcrossCommit());
    }

    @Override
    public boolean supportsOpenStatementsAcrossRollback() throws SQLException {
        return io(() -> inner.supportsOpenStatementsAcrossRollback());
    }

    @Override
    public boolean supportsOrderByUnrelated() throws SQLException {
        return io(() -> inner.supportsOrderByUnrelated());
    }

    @Override
    public boolean supportsOuterJoins() throws SQLException {
        return io(() -> inner.supportsOuterJoins());
    }

    @Override
    public boolean supportsPositionedDelete() throws SQLException {
        return io(() -> inner.supportsPositionedDelete());
    }

    @Override
    public boolean supportsPositionedUpdate() throws SQLException {
        return io(() -> inner.supportsPositionedUpdate());
    }

    @Override
    public boolean supportsRefCursors() throws SQLException {
        return io(() -> inner.supportsRefCursors());
    }

    @Override
    public boolean supportsResultSetConcurrency(int a, int b) throws SQLException {
        return io(() -> inner.supportsResultSetConcurrency(a, b));
    }

    @Override
    public boolean supportsResultSetHoldability(int a) throws SQLException {
        return io(() -> inner.supportsResultSetHoldability(a));
    }

    @Override
    public boolean supportsResultSetType(int a) throws SQLException {
        return io(() -> inner.supportsResultSetType(a));
    }

    @Override
    public boolean supportsSavepoints() throws SQLException {
        return io(() -> inner.supportsSavepoints());
    }

    @Override
    public boolean supportsSchemasInDataManipulation() throws SQLException {
        return io(() -> inner.supportsSchemasInDataManipulation());
    }

    @Override
    public boolean supportsSchemasInIndexDefinitions() throws SQLException {
        return io(() -> inner.supportsSchemasInIndexDefinitions());
    }

    @Override
    public boolean supportsSchemasInPrivilegeDefinitions() throws SQLException {
        return io(() -> inner.supportsSchemasInPrivilegeDefinitions());
    }

    @Override
    public boolean supportsSchemasInProcedureCalls() throws SQLException {
        return io(() -> inner.supportsSchemasInProcedureCalls());
    }

    @Override
    public boolean supportsSchemasInTableDefinitions() throws SQLException {
        return io(() -> inner.supportsSchemasInTableDefinitions());
    }

    @Override
    public boolean supportsSelectForUpdate() throws SQLException {
        return io(() -> inner.supportsSelectForUpdate());
    }

    @Override
    public boolean supportsSharding() throws SQLException {
        return io(() -> inner.supportsSharding());
    }

    @Override
    public boolean supportsStatementPooling() throws SQLException {
        return io(() -> inner.supportsStatementPooling());
    }

    @Override
    public boolean supportsStoredFunctionsUsingCallSyntax() throws SQLException {
        return io(() -> inner.supportsStoredFunctionsUsingCallSyntax());
    }

    @Override
    public boolean supportsStoredProcedures() throws SQLException {
        return io(() -> inner.supportsStoredProcedures());
    }

    @Override
    public boolean supportsSubqueriesInComparisons() throws SQLException {
        return io(() -> inner.supportsSubqueriesInComparisons());
    }

    @Override
    public boolean supportsSubqueriesInExists() throws SQLException {
        return io(() -> inner.supportsSubqueriesInExists());
    }

    @Override
    public boolean supportsSubqueriesInIns() throws SQLException {
        return io(() -> inner.supportsSubqueriesInIns());
    }

    @Override
    public boolean supportsSubqueriesInQuantifieds() throws SQLException {
        return io(() -> inner.supportsSubqueriesInQuantifieds());
    }

    @Override
    public boolean supportsTableCorrelationNames() throws SQLException {
        return io(() -> inner.supportsTableCorrelationNames());
    }

    @Override
    public boolean supportsTransactionIsolationLevel(int a) throws SQLException {
        return io(() -> inner.supportsTransactionIsolationLevel(a));
    }

    @Override
    public boolean supportsTransactions() throws SQLException {
        return io(() -> inner.supportsTransactions());
    }

    @Override
    public boolean supportsUnionAll() throws SQLException {
        return io(() -> inner.supportsUnionAll());
    }

    @Override
    public boolean supportsUnion() throws SQLException {
        return io(() -> inner.supportsUnion());
    }

    @Override
    public boolean updatesAreDetected(int a) throws SQLException {
        return io(() -> inner.updatesAreDetected(a));
    }

    @Override
    public boolean usesLocalFilePerTable() throws SQLException {
        return io(() -> inner.usesLocalFilePerTable());
    }

    @Override
    public boolean usesLocalFiles() throws SQLException {
        return io(() -> inner.usesLocalFiles());
    }
}

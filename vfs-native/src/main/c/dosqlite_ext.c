/*
 * dosqlite: tiny SQLite loadable extension that hands the sqlite3_api_routines table of the
 * SQLite inside sqlite-jdbc's native library over to Java (JNA). All VFS and file logic lives in
 * Java; this file only registers/unregisters a sqlite3_vfs built by Java, forwards the OS-level
 * helpers (randomness, sleep, time, dlopen) to the default VFS and exposes sqlite3_mprintf.
 *
 * Build: gcc -fPIC -shared -O2 -fvisibility=hidden (only DOSQLITE_EXPORT symbols are visible).
 */
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#define DOSQLITE_EXPORT __attribute__((visibility("default")))

static sqlite3_vfs *g_default = 0;

static sqlite3_vfs *dflt(void) {
  if (g_default == 0) g_default = sqlite3_vfs_find(0);
  return g_default;
}

static void *fwdDlOpen(sqlite3_vfs *v, const char *z) { (void)v; return dflt()->xDlOpen(dflt(), z); }
static void fwdDlError(sqlite3_vfs *v, int n, char *z) { (void)v; dflt()->xDlError(dflt(), n, z); }
static void (*fwdDlSym(sqlite3_vfs *v, void *h, const char *z))(void) { (void)v; return dflt()->xDlSym(dflt(), h, z); }
static void fwdDlClose(sqlite3_vfs *v, void *h) { (void)v; dflt()->xDlClose(dflt(), h); }
static int fwdRandomness(sqlite3_vfs *v, int n, char *z) { (void)v; return dflt()->xRandomness(dflt(), n, z); }
static int fwdSleep(sqlite3_vfs *v, int us) { (void)v; return dflt()->xSleep(dflt(), us); }
static int fwdCurrentTime(sqlite3_vfs *v, double *t) { (void)v; return dflt()->xCurrentTime(dflt(), t); }
static int fwdGetLastError(sqlite3_vfs *v, int n, char *z) {
  (void)v;
  return dflt()->xGetLastError ? dflt()->xGetLastError(dflt(), n, z) : 0;
}
static int fwdCurrentTimeInt64(sqlite3_vfs *v, sqlite3_int64 *t) {
  (void)v;
  sqlite3_vfs *d = dflt();
  if (d->iVersion >= 2 && d->xCurrentTimeInt64) return d->xCurrentTimeInt64(d, t);
  double r = 0;
  int rc = d->xCurrentTime(d, &r);
  *t = (sqlite3_int64)(r * 86400000.0);
  return rc;
}

/* Extension entry point (the default name load_extension() looks for). */
DOSQLITE_EXPORT int sqlite3_extension_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi) {
  (void)db; (void)pzErrMsg;
  SQLITE_EXTENSION_INIT2(pApi);
  dflt();
  return SQLITE_OK_LOAD_PERMANENTLY;
}

/* 1 once the extension has been initialised by load_extension(). */
DOSQLITE_EXPORT int dosqlite_ready(void) { return sqlite3_api != 0 && dflt() != 0; }

/* Fills the OS-level methods of a Java-built sqlite3_vfs (version >= 2) with forwarders. */
DOSQLITE_EXPORT void dosqlite_fill_vfs(sqlite3_vfs *p) {
  p->xDlOpen = fwdDlOpen;
  p->xDlError = fwdDlError;
  p->xDlSym = fwdDlSym;
  p->xDlClose = fwdDlClose;
  p->xRandomness = fwdRandomness;
  p->xSleep = fwdSleep;
  p->xCurrentTime = fwdCurrentTime;
  p->xGetLastError = fwdGetLastError;
  if (p->iVersion >= 2) p->xCurrentTimeInt64 = fwdCurrentTimeInt64;
}

DOSQLITE_EXPORT int dosqlite_register_vfs(sqlite3_vfs *p) {
  if (sqlite3_api == 0) return SQLITE_MISUSE;
  return sqlite3_vfs_register(p, 0);
}

DOSQLITE_EXPORT int dosqlite_unregister_vfs(sqlite3_vfs *p) {
  if (sqlite3_api == 0) return SQLITE_MISUSE;
  return sqlite3_vfs_unregister(p);
}

/* A copy of s in memory from sqlite3_malloc (SQLite frees error messages with sqlite3_free). */
DOSQLITE_EXPORT char *dosqlite_mprintf(const char *s) {
  if (sqlite3_api == 0) return 0;
  return sqlite3_mprintf("%s", s);
}

/* The value of URI parameter zParam of a file name SQLite passed to xOpen (main db or journal), or 0. */
DOSQLITE_EXPORT const char *dosqlite_uri_parameter(const char *zFile, const char *zParam) {
  if (sqlite3_api == 0 || zFile == 0) return 0;
  return sqlite3_uri_parameter(zFile, zParam);
}

/* Identity: lets Java turn a JNA callback into its native function pointer via direct mapping. */
DOSQLITE_EXPORT void *dosqlite_fnptr(void *p) { return p; }

/* Test helper: reads/writes through a function pointer are not needed; sizes for sanity checks. */
DOSQLITE_EXPORT int dosqlite_sizeof_vfs(void) { return (int)sizeof(sqlite3_vfs); }
DOSQLITE_EXPORT int dosqlite_sizeof_io_methods(void) { return (int)sizeof(sqlite3_io_methods); }

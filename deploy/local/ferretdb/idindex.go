package main

// FerretDB 1.24.2's SQLite backend indexes `_id` with the expression
// `_ferretdb_sjson->"_id"`, but its own `_id` filters (find, update, delete) use
// `_ferretdb_sjson->'$._id'`. SQLite matches expression indexes by their text, so
// every `_id` lookup scans the table (EXPLAIN QUERY PLAN: SCAN). This file adds,
// for every collection table, an index on exactly the expression the queries use.
//
// The index is invisible to FerretDB's metadata (it lists only its own indexes) and
// disappears with the table when FerretDB drops the collection. It only affects the
// local stand-in: production runs MongoDB. docs/local-infrastructure.md explains it.

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite"
)

const idExpr = `_ferretdb_sjson->'$._id'`

// missingIDIndexes lists the collection tables that lack our index.
const missingIDIndexes = `
SELECT t.name FROM sqlite_master t
WHERE t.type = 'table' AND t.name NOT LIKE '\_ferretdb\_%' ESCAPE '\' AND t.name NOT LIKE 'sqlite\_%' ESCAPE '\'
  AND NOT EXISTS (SELECT 1 FROM sqlite_master i WHERE i.type = 'index' AND i.name = t.name || '_delovod_id')`

// indexIDs keeps every database file in dir indexed on idExpr, checking every interval.
// A file is opened (read-write, never creating one) only when it or its write-ahead log
// changed since it was last checked, so hundreds of idle databases (one per test) cost
// nothing, and a database that FerretDB dropped and created again is seen as it is now.
func indexIDs(ctx context.Context, dir string, interval time.Duration, logger *slog.Logger) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	checked := map[string]string{} // file -> signature when last indexed
	for {
		files, _ := filepath.Glob(filepath.Join(dir, "*.sqlite"))
		seen := make(map[string]string, len(files))
		for _, file := range files {
			sig := signature(file)
			seen[file] = checked[file]
			if sig == checked[file] {
				continue
			}
			if err := indexFile(ctx, file); err != nil {
				if ctx.Err() == nil {
					logger.Debug("id index: not this round", "file", file, "err", err)
				}
				continue
			}
			seen[file] = sig
		}
		checked = seen
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// signature changes whenever the database or its write-ahead log is written.
func signature(file string) string {
	sig := ""
	for _, name := range []string{file, file + "-wal"} {
		if st, err := os.Stat(name); err == nil {
			sig += fmt.Sprintf("%d:%d;", st.ModTime().UnixNano(), st.Size())
		}
	}
	return sig
}

func indexFile(ctx context.Context, file string) error {
	db, err := sql.Open("sqlite", "file:"+file+"?mode=rw&_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	return indexTables(ctx, db)
}

func indexTables(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, missingIDIndexes)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, name)
	}
	rows.Close()
	for _, table := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (%s)`, table+"_delovod_id", table, idExpr)
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
	}
	return nil
}

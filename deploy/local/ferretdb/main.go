// Command ferretdb runs FerretDB embedded, on its SQLite backend, as the local
// stand-in for MongoDB (production runs MongoDB). It uses FerretDB's embeddable
// package because `go install .../cmd/ferretdb` panics without an official
// build's version file (FerretDB issue 4001); see docs/local-infrastructure.md.
//
// Usage: ferretdb -listen 127.0.0.1:27017 -dir .local/data/ferretdb
// (-tls-listen with -tls-cert and -tls-key adds a TLS listener; -tls-ca makes it require
// client certificates signed by that CA. The tests of secured connections use it.)
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on (keep it on loopback)")
	dir := flag.String("dir", ".local/data/ferretdb", "directory for the SQLite databases")
	// WAL with synchronous=NORMAL survives a crash of any process; only a power cut may
	// lose the last commits. Right for a local stand-in (production runs MongoDB).
	syncMode := flag.String("sync", "NORMAL", "SQLite synchronous pragma: FULL or NORMAL")
	tlsListen := flag.String("tls-listen", "", "TCP address of a TLS listener (empty: none)")
	tlsCert := flag.String("tls-cert", "", "PEM certificate of the TLS listener")
	tlsKey := flag.String("tls-key", "", "PEM private key of the TLS listener")
	tlsCA := flag.String("tls-ca", "", "PEM CA whose client certificates the TLS listener requires (empty: none required)")
	flag.Parse()

	abs, err := filepath.Abs(*dir)
	if err == nil {
		err = os.MkdirAll(abs, 0o750)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: cannot use data directory %s: %v\n", *dir, err)
		os.Exit(2)
	}

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: *listen, TLS: *tlsListen, TLSCertFile: *tlsCert,
			TLSKeyFile: *tlsKey, TLSCAFile: *tlsCA},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/?_pragma=synchronous(" + *syncMode + ")",
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: %v\n", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Printf("ferretdb: listening on %s, data in %s\n", *listen, abs)
	go indexIDs(ctx, abs, time.Second, logger)
	f.Run(ctx)
}

// Command ferretdb runs FerretDB v1 (a MongoDB-wire-compatible server) for local
// development and tests on machines without Docker. Users with Docker get real
// MongoDB from docker-compose.yml instead.
//
// `go install` of FerretDB's own command panics at start because it expects a
// generated version file, so we embed its public package instead.
package main

import (
	"context"
	"flag"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	handler := flag.String("handler", "sqlite", "backend: sqlite or postgresql")
	sqliteURL := flag.String("sqlite-url", "file:data/", "SQLite directory URI (sqlite backend)")
	postgresURL := flag.String("postgresql-url", "", "PostgreSQL URL (postgresql backend)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *handler == "postgresql" {
		// Needs a superuser (event trigger). Without it FerretDB still works, with full-table scans.
		if err := installIndexCompanions(ctx, *postgresURL); err != nil {
			log.Printf("ferretdb: index lookups not fixed, queries may scan whole tables: %v", err)
		}
	}

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:      ferretdb.ListenerConfig{TCP: *listen},
		Logger:        logger,
		Handler:       *handler,
		SQLiteURL:     *sqliteURL,
		PostgreSQLURL: *postgresURL,
	})
	if err != nil {
		log.Fatalf("ferretdb: %v", err)
	}

	log.Printf("ferretdb: listening on %s (%s backend)", *listen, *handler)
	if err := f.Run(ctx); err != nil {
		log.Fatalf("ferretdb: %v", err)
	}
}

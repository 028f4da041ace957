/*
 * config.h - rtlassist's settings: one table of keys (name, type, default, bounds, doc) from
 * which parsing, validation, `rtlassist config` and the README's settings section all come.
 *
 * Files, later ones overriding earlier ones:
 *   1. user defaults: $XDG_CONFIG_HOME/rtlassist/config.toml (else ~/.config/rtlassist/...)
 *   2. the workspace: <workspace>/.rtlassist.toml
 * Format: a TOML subset — `[section]` headers, `key = value` with integers, "strings",
 * true/false, ["lists", "of strings"], and `#` comments. An unknown key is a warning naming it; a
 * bad value is an error naming the key and what it accepts.
 */
#ifndef RA_CONFIG_H
#define RA_CONFIG_H

#include "base/base.h"
#include "indexer/embed.h"

typedef struct ra_config_pair {
	const char *key, *value;
} ra_config_pair;

typedef struct ra_config {
	const char *state_dir;
	int64_t max_file_size;
	int64_t threads;
	const char **verilog_exts; /* NULL-terminated */
	const char **sv_exts;
	const char **vhdl_exts;
	/* embed.*: the vector channel's embedder (ra_config_embed) */
	const char *embed_provider, *embed_url, *embed_model, *embed_api_key_env;
	int64_t embed_dim, embed_batch, embed_timeout_ms, embed_retries;
	ra_config_pair *vhdl_libraries; /* folder -> library */
	size_t nvhdl_libraries;
	ra_arena *arena; /* owns everything */
} ra_config;

/* Defaults only. NULL on OOM. Free with ra_config_free. */
ra_config *ra_config_new(void);
void ra_config_free(ra_config *c);

/*
 * Applies the settings in `text` (named `origin` in messages) on top of `c`. Unknown keys are
 * warned through lg. Returns 0, or RA_EINVAL with a message naming origin:line, the key and the
 * accepted values (c is then partly updated: discard it).
 */
int ra_config_parse(ra_config *c, const char *text, size_t len, const char *origin,
                    const ra_logger *lg);

/* Loads the user file then the workspace's .rtlassist.toml (each if present) over the
 * defaults. Returns 0 and the caller's config, or RA_EINVAL/RA_ENOMEM. */
int ra_config_load(ra_config **out, const char *workspace, const ra_logger *lg);

/* The embedder settings as embed.h takes them; strings borrowed from c, logging to lg. */
void ra_config_embed(const ra_config *c, ra_embed_config *out, const ra_logger *lg);

/* Writes the table of keys (name, type, default, doc) as Markdown rows or, with values from
 * `c`, as `key = value` lines. */
int ra_config_describe(ra_buf *out, const ra_config *c, bool markdown);

#endif /* RA_CONFIG_H */

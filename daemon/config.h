/*
 * config.h - rtlassist's settings: one table of keys (name, type, default, bounds, doc) from
 * which parsing, validation, `rtlassist config` and the README's settings section all come.
 *
 * Files, later ones overriding earlier ones:
 *   1. user defaults: $XDG_CONFIG_HOME/rtlassist/config.toml (else ~/.config/rtlassist/...)
 *   2. the workspace: <workspace>/.rtlassist.toml
 * Format: a TOML subset — `[section]` headers, `key = value` with integers, numbers, "strings",
 * true/false, ["lists", "of strings"], and `#` comments. An unknown key is a warning naming it; a
 * bad value is an error naming the key and what it accepts.
 */
#ifndef RA_CONFIG_H
#define RA_CONFIG_H

#include "base/base.h"
#include "indexer/embed.h"

#include <jansson.h>

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
	/* complete.* and chat.*: the language models (daemon/llm.h: ra_llm_from_config) */
	const char *complete_provider, *complete_url, *complete_model, *complete_api_key_env;
	const char *complete_fim_template;
	int64_t complete_timeout_ms, complete_connect_timeout_ms, complete_retries;
	int64_t complete_max_tokens, complete_max_reply_bytes, complete_stream;
	int64_t complete_debounce_ms, complete_context_tokens;
	double complete_temperature;
	const char *chat_provider, *chat_url, *chat_model, *chat_api_key_env;
	int64_t chat_timeout_ms, chat_connect_timeout_ms, chat_retries;
	int64_t chat_max_tokens, chat_max_reply_bytes, chat_stream;
	double chat_temperature;
	/* daemon.*: rtlassist serve (daemon/serve.c) */
	int64_t daemon_autostart, daemon_watch, daemon_coalesce_ms, daemon_idle_exit_s;
	const char *daemon_log_level, *daemon_tcp, *daemon_token_env;
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

/*
 * Applies settings an editor sent (LSP initializationOptions.settings: an object of
 * "key": value, e.g. {"complete.url": "http://127.0.0.1:8080"}) on top of `c`. Only keys under
 * one of `prefixes` ("complete." ...) are taken; any other key is warned about, naming it, and
 * ignored (an editor chooses its models, not how the shared index is built). Values: strings,
 * numbers, booleans, lists of strings. Returns 0, or RA_EINVAL with a message naming `origin`
 * and the key (c is then partly updated: discard it).
 */
int ra_config_apply_json(ra_config *c, const json_t *settings, const char *const *prefixes,
                         const char *origin, const ra_logger *lg);

/* The embedder settings as embed.h takes them; strings borrowed from c, logging to lg. */
void ra_config_embed(const ra_config *c, ra_embed_config *out, const ra_logger *lg);

/* Writes the table of keys (name, type, default, doc) as Markdown rows or, with values from
 * `c`, as `key = value` lines. */
int ra_config_describe(ra_buf *out, const ra_config *c, bool markdown);

#endif /* RA_CONFIG_H */

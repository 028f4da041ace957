/* config.c - the table of settings, the TOML-subset parser and the loader (see config.h). */
#define _DEFAULT_SOURCE
#include "daemon/config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { T_INT, T_REAL, T_STR, T_LIST, T_TABLE } key_type;

typedef struct key_def {
	const char *name;
	key_type type;
	const char *def;  /* default as written in a config file */
	int64_t min, max; /* T_INT, T_REAL bounds; T_STR: min 1 means it may not be empty */
	const char *doc;
	size_t off; /* T_INT (int64_t), T_REAL (double) and T_STR (const char *) fields */
} key_def;

#define AT(field) offsetof(ra_config, field)

static const key_def keys[] = {
        {"state_dir", T_STR, "\".rtlassist\"", 1, 0,
         "where the index, logs and lock live; relative paths are relative to the workspace",
         AT(state_dir)},
        {"index.max_file_size", T_INT, "8388608", 1024, 1073741824,
         "files larger than this many bytes are skipped with a warning", AT(max_file_size)},
        {"index.threads", T_INT, "0", 0, 256, "parse threads; 0 means one per core", AT(threads)},
        {"index.verilog_extensions", T_LIST, "[\".v\", \".vh\", \".vlib\"]", 0, 0,
         "file extensions indexed as Verilog", 0},
        {"index.systemverilog_extensions", T_LIST, "[\".sv\", \".svh\", \".svi\"]", 0, 0,
         "file extensions indexed as SystemVerilog", 0},
        {"index.vhdl_extensions", T_LIST, "[\".vhd\", \".vhdl\", \".vho\"]", 0, 0,
         "file extensions indexed as VHDL", 0},
        {"embed.provider", T_STR, "\"builtin\"", 1, 0,
         "embedder of the vector channel: \"builtin\" (offline, no model), \"openai\" "
         "(/v1/embeddings), \"ollama\" (/api/embed), \"llamacpp\" (/embedding)",
         AT(embed_provider)},
        {"embed.url", T_STR, "\"\"", 0, 0,
         "base URL of the embedding server (HTTP providers), e.g. \"http://127.0.0.1:11434\"",
         AT(embed_url)},
        {"embed.model", T_STR, "\"\"", 0, 0, "model name sent to the embedding server",
         AT(embed_model)},
        {"embed.api_key_env", T_STR, "\"\"", 0, 0,
         "name of the environment variable holding the server's API key (sent as a Bearer "
         "token, never logged); empty: none",
         AT(embed_api_key_env)},
        {"embed.dim", T_INT, "0", 0, 8192,
         "vector size: builtin 0 means 384; HTTP 0 means what the server returns, else checked",
         AT(embed_dim)},
        {"embed.batch", T_INT, "32", 1, 2048, "texts per request to the embedding server",
         AT(embed_batch)},
        {"embed.timeout_ms", T_INT, "30000", 100, 600000,
         "time limit of one request to the embedding server, its retries included, in "
         "milliseconds",
         AT(embed_timeout_ms)},
        {"embed.retries", T_INT, "3", 0, 20,
         "retries of a request that failed (HTTP 429 or 5xx, no connection, timeout), with "
         "backoff and the server's Retry-After",
         AT(embed_retries)},
        {"complete.provider", T_STR, "\"none\"", 1, 0,
         "completion (fill in the middle) model: \"none\" (nothing is ever sent), \"openai\" "
         "(OpenAI-compatible), \"ollama\", \"llamacpp\" (llama.cpp server)",
         AT(complete_provider)},
        {"complete.url", T_STR, "\"\"", 0, 0,
         "base URL of the completion model server, e.g. \"http://127.0.0.1:11434\"",
         AT(complete_url)},
        {"complete.model", T_STR, "\"\"", 0, 0,
         "model name sent to the completion model server (openai, ollama)", AT(complete_model)},
        {"complete.api_key_env", T_STR, "\"\"", 0, 0,
         "name of the environment variable holding the completion server's API key (sent as a "
         "Bearer token, never logged); empty: none",
         AT(complete_api_key_env)},
        {"complete.timeout_ms", T_INT, "10000", 100, 3600000,
         "time limit of one completion request, retries and waits included, in milliseconds",
         AT(complete_timeout_ms)},
        {"complete.connect_timeout_ms", T_INT, "3000", 50, 600000,
         "time limit of connecting to the completion model server, in milliseconds",
         AT(complete_connect_timeout_ms)},
        {"complete.retries", T_INT, "2", 0, 20,
         "retries of a completion request that failed before any text arrived (HTTP 429 or 5xx, no "
         "connection), with backoff and the server's Retry-After",
         AT(complete_retries)},
        {"complete.max_tokens", T_INT, "128", 1, 1000000,
         "most tokens the completion model may generate for one request", AT(complete_max_tokens)},
        {"complete.temperature", T_REAL, "0.2", 0, 2,
         "sampling temperature of the completion model", AT(complete_temperature)},
        {"complete.max_reply_bytes", T_INT, "4194304", 1024, 268435456,
         "a completion reply longer than this many bytes is an error",
         AT(complete_max_reply_bytes)},
        {"complete.stream", T_INT, "1", 0, 1,
         "1: the completion model streams its text as it is generated; 0: the whole reply at once",
         AT(complete_stream)},
        {"complete.fim_template", T_STR, "\"native\"", 1, 0,
         "fill-in-the-middle prompt: \"native\" (the endpoint's own suffix field), \"qwen\", "
         "\"codellama\", \"starcoder\", \"deepseek\", \"codestral\", or a template with {prefix} "
         "and {suffix}",
         AT(complete_fim_template)},
        {"complete.debounce_ms", T_INT, "150", 0, 10000,
         "inline completion waits this long after the last keystroke before asking the model, in "
         "milliseconds",
         AT(complete_debounce_ms)},
        {"complete.context_tokens", T_INT, "1024", 0, 100000,
         "budget of repository context (other files' excerpts) in a completion prompt, in tokens "
         "(about 4 bytes each)",
         AT(complete_context_tokens)},
        {"chat.provider", T_STR, "\"none\"", 1, 0,
         "chat (explanations) model: \"none\" (nothing is ever sent), \"openai\" "
         "(OpenAI-compatible), \"ollama\", \"llamacpp\" (llama.cpp server)",
         AT(chat_provider)},
        {"chat.url", T_STR, "\"\"", 0, 0,
         "base URL of the chat model server, e.g. \"http://127.0.0.1:11434\"", AT(chat_url)},
        {"chat.model", T_STR, "\"\"", 0, 0,
         "model name sent to the chat model server (openai, ollama)", AT(chat_model)},
        {"chat.api_key_env", T_STR, "\"\"", 0, 0,
         "name of the environment variable holding the chat server's API key (sent as a Bearer "
         "token, never logged); empty: none",
         AT(chat_api_key_env)},
        {"chat.timeout_ms", T_INT, "120000", 100, 3600000,
         "time limit of one chat request, retries and waits included, in milliseconds",
         AT(chat_timeout_ms)},
        {"chat.connect_timeout_ms", T_INT, "3000", 50, 600000,
         "time limit of connecting to the chat model server, in milliseconds",
         AT(chat_connect_timeout_ms)},
        {"chat.retries", T_INT, "2", 0, 20,
         "retries of a chat request that failed before any text arrived (HTTP 429 or 5xx, no "
         "connection), with backoff and the server's Retry-After",
         AT(chat_retries)},
        {"chat.max_tokens", T_INT, "1024", 1, 1000000,
         "most tokens the chat model may generate for one request", AT(chat_max_tokens)},
        {"chat.temperature", T_REAL, "0.2", 0, 2, "sampling temperature of the chat model",
         AT(chat_temperature)},
        {"chat.max_reply_bytes", T_INT, "4194304", 1024, 268435456,
         "a chat reply longer than this many bytes is an error", AT(chat_max_reply_bytes)},
        {"chat.stream", T_INT, "1", 0, 1,
         "1: the chat model streams its text as it is generated; 0: the whole reply at once",
         AT(chat_stream)},
        {"daemon.autostart", T_INT, "1", 0, 1,
         "1: `rtlassist lsp` starts the workspace's daemon when none runs and attaches to it "
         "(that daemon exits after daemon.idle_exit_s without sessions); 0: it attaches only to "
         "a running daemon, else works in-process. The environment variable "
         "RTLASSIST_AUTOSTART=0 overrides it",
         AT(daemon_autostart)},
        {"daemon.idle_exit_s", T_INT, "600", 0, 604800,
         "a daemon started by `rtlassist lsp` (or `serve --idle-exit`) exits after this many "
         "seconds without sessions and with nothing to index; 0: never",
         AT(daemon_idle_exit_s)},
        {"daemon.tcp", T_STR, "\"\"", 0, 0,
         "\"HOST:PORT\" (HOST a numeric IPv4 address; \"PORT\" alone binds 127.0.0.1): the daemon "
         "also listens on TCP, for clients presenting the token (daemon.token_env); empty: no "
         "TCP listener",
         AT(daemon_tcp)},
        {"daemon.token_env", T_STR, "\"RTLASSIST_TOKEN\"", 1, 0,
         "name of the environment variable holding the token of TCP sessions (at least 16 "
         "bytes; without it the daemon refuses to listen on TCP)",
         AT(daemon_token_env)},
        {"daemon.watch", T_INT, "1", 0, 1,
         "1: the daemon watches the workspace (inotify) and re-indexes changed files; 0: only "
         "saves from editors and `rtlassist/reindex`",
         AT(daemon_watch)},
        {"daemon.coalesce_ms", T_INT, "50", 5, 5000,
         "file events closer than this many milliseconds are re-indexed as one batch",
         AT(daemon_coalesce_ms)},
        {"daemon.log_level", T_STR, "\"info\"", 1, 0,
         "what the daemon writes to daemon.log in the state directory: \"error\", \"warn\", "
         "\"info\" or \"debug\"",
         AT(daemon_log_level)},
        {"vhdl.libraries", T_TABLE, "{}", 0, 0,
         "table of folder = \"library\": VHDL files below the folder belong to that library "
         "(default: work)",
         0},
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* parses a "string" at *p into the arena; false if malformed */
static bool parse_string(const char **p, const char *end, ra_arena *a, const char **out)
{
	ra_buf b;
	const char *s = *p;
	bool ok = false;

	if (s >= end || *s != '"')
		return false;
	ra_buf_init(&b, 4096);
	for (s++; s < end && *s != '"' && *s != '\n'; s++) {
		char c = *s;

		if (c == '\\' && s + 1 < end) {
			s++;
			c = *s == 'n' ? '\n' : *s == 't' ? '\t' : *s;
		}
		if (ra_buf_putc(&b, c))
			goto out;
	}
	if (s < end && *s == '"') {
		*out = ra_arena_strndup(a, b.data ? b.data : "", b.len);
		*p = s + 1;
		ok = *out != NULL;
	}
out:
	ra_buf_free(&b);
	return ok;
}

static bool parse_list(const char **p, const char *end, ra_arena *a, const char ***out)
{
	const char *items[128];
	size_t n = 0;
	const char *s = *p;

	if (s >= end || *s != '[')
		return false;
	s++;
	for (;;) {
		s = skip_ws(s, end);
		if (s < end && *s == ']')
			break;
		if (n == 128 || !parse_string(&s, end, a, &items[n++]))
			return false;
		s = skip_ws(s, end);
		if (s < end && *s == ',')
			s++;
		else if (s >= end || *s != ']')
			return false;
	}
	*out = ra_arena_alloc(a, (n + 1) * sizeof(char *));
	if (!*out)
		return false;
	memcpy(*out, items, n * sizeof(char *));
	(*out)[n] = NULL;
	*p = s + 1;
	return true;
}

static int bad(const char *origin, int line, const key_def *k, const char *what)
{
	static const char *const accepts[] = {[T_INT] = "an integer",
	                                      [T_REAL] = "a number",
	                                      [T_STR] = "a \"string\"",
	                                      [T_LIST] = "a list of \"strings\"",
	                                      [T_TABLE] = "\"folder\" = \"library\" entries"};

	if (k && k->type == T_INT)
		return ra_error_set(RA_EINVAL,
		                    "%s:%d: %s: %s; accepted: an integer from %lld to %lld", origin,
		                    line, k->name, what, (long long)k->min, (long long)k->max);
	if (k && k->type == T_REAL)
		return ra_error_set(RA_EINVAL,
		                    "%s:%d: %s: %s; accepted: a number from %lld to %lld", origin,
		                    line, k->name, what, (long long)k->min, (long long)k->max);
	return ra_error_set(RA_EINVAL, "%s:%d: %s%s%s; accepted: %s", origin, line,
	                    k ? k->name : "", k ? ": " : "", what,
	                    k ? accepts[k->type] : "key = value");
}

static int add_library(ra_config *c, const char *folder, const char *lib)
{
	ra_config_pair *p = ra_arena_alloc(c->arena, (c->nvhdl_libraries + 1) * sizeof(*p));
	size_t n = strlen(folder);

	if (!p)
		return RA_ENOMEM;
	if (c->nvhdl_libraries)
		memcpy(p, c->vhdl_libraries, c->nvhdl_libraries * sizeof(*p));
	while (n > 0 && folder[n - 1] == '/')
		n--;
	if (n >= 2 && folder[0] == '.' && folder[1] == '/')
		folder += 2, n -= 2;
	p[c->nvhdl_libraries].key = ra_arena_strndup(c->arena, folder, n);
	p[c->nvhdl_libraries].value = lib;
	c->vhdl_libraries = p;
	c->nvhdl_libraries++;
	return RA_OK;
}

/* stores one parsed value of key k; `v` points at the value text */
static int set_value(ra_config *c, const key_def *k, const char *v, const char *end,
                     const char *origin, int line)
{
	const char *s = v;

	switch (k->type) {
	case T_INT: {
		char buf[32], *e;
		size_t n = 0;
		long long x;

		while (s < end && n + 1 < sizeof(buf) &&
		       (isdigit((unsigned char)*s) || *s == '_' || *s == '-' || *s == '+')) {
			if (*s != '_')
				buf[n++] = *s;
			s++;
		}
		buf[n] = '\0';
		errno = 0;
		x = strtoll(buf, &e, 10);
		if (!n || *e || errno || x < k->min || x > k->max)
			return bad(origin, line, k, "bad value");
		*(int64_t *)((char *)c + k->off) = x;
		break;
	}
	case T_REAL: {
		char buf[64], *e;
		size_t n = 0;
		double x;

		while (s < end && n + 1 < sizeof(buf) &&
		       (isdigit((unsigned char)*s) || *s == '_' || *s == '-' || *s == '+' ||
		        *s == '.' || *s == 'e' || *s == 'E')) {
			if (*s != '_')
				buf[n++] = *s;
			s++;
		}
		buf[n] = '\0';
		errno = 0;
		x = strtod(buf, &e);
		if (!n || *e || errno || !(x >= (double)k->min && x <= (double)k->max))
			return bad(origin, line, k, "bad value");
		*(double *)((char *)c + k->off) = x;
		break;
	}
	case T_STR: {
		const char **dst = (const char **)((char *)c + k->off);

		if (!parse_string(&s, end, c->arena, dst) || (k->min > 0 && !**dst))
			return bad(origin, line, k, "bad value");
		break;
	}
	case T_LIST: {
		const char ***dst = strcmp(k->name, "index.verilog_extensions") == 0
		                            ? &c->verilog_exts
		                    : strcmp(k->name, "index.vhdl_extensions") == 0 ? &c->vhdl_exts
		                                                                    : &c->sv_exts;

		if (!parse_list(&s, end, c->arena, dst))
			return bad(origin, line, k, "bad value");
		break;
	}
	case T_TABLE: /* an inline table, { "folder" = "library", ... }, as ra_config_describe
	                 prints it; a [vhdl.libraries] section is read by ra_config_parse */
		if (s >= end || *s != '{')
			return bad(origin, line, k, "bad value");
		for (s = skip_ws(s + 1, end); s < end && *s != '}';) {
			const char *folder, *lib;
			int rc;

			if (!parse_string(&s, end, c->arena, &folder))
				return bad(origin, line, k, "expected \"folder\"");
			s = skip_ws(s, end);
			if (s >= end || *s != '=')
				return bad(origin, line, k, "expected =");
			s = skip_ws(s + 1, end);
			if (!parse_string(&s, end, c->arena, &lib) || !*lib)
				return bad(origin, line, k, "expected \"library\"");
			rc = add_library(c, folder, lib);
			if (rc)
				return rc;
			s = skip_ws(s, end);
			if (s < end && *s == ',')
				s = skip_ws(s + 1, end);
			else if (s >= end || *s != '}')
				return bad(origin, line, k, "expected , or }");
		}
		if (s >= end)
			return bad(origin, line, k, "expected }");
		s++;
		break;
	}
	s = skip_ws(s, end);
	if (s < end && *s != '#')
		return bad(origin, line, k, "unexpected text after the value");
	return RA_OK;
}

int ra_config_parse(ra_config *c, const char *text, size_t len, const char *origin,
                    const ra_logger *lg)
{
	const char *p = text, *end = text + len;
	char section[64] = "";
	int line = 0, rc;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *s, *kstart, *kend;
		char key[160];
		const key_def *k = NULL;

		if (!eol)
			eol = end;
		line++;
		s = skip_ws(p, eol);
		p = eol + 1;
		if (s == eol || *s == '#' || *s == '\r')
			continue;
		if (*s == '[') {
			const char *close = memchr(s, ']', (size_t)(eol - s));

			if (!close || (size_t)(close - s - 1) >= sizeof(section))
				return bad(origin, line, NULL, "malformed [section]");
			memcpy(section, s + 1, (size_t)(close - s - 1));
			section[close - s - 1] = '\0';
			continue;
		}
		if (strcmp(section, "vhdl.libraries") == 0) {
			const char *folder, *lib;

			if (!parse_string(&s, eol, c->arena, &folder))
				return bad(origin, line, &keys[NKEYS - 1], "expected \"folder\"");
			s = skip_ws(s, eol);
			if (s >= eol || *s != '=')
				return bad(origin, line, &keys[NKEYS - 1], "expected =");
			s = skip_ws(s + 1, eol);
			if (!parse_string(&s, eol, c->arena, &lib) || !*lib)
				return bad(origin, line, &keys[NKEYS - 1], "expected \"library\"");
			rc = add_library(c, folder, lib);
			if (rc)
				return rc;
			continue;
		}
		kstart = kend = s;
		while (kend < eol &&
		       (isalnum((unsigned char)*kend) || *kend == '_' || *kend == '.'))
			kend++;
		snprintf(key, sizeof(key), "%s%s%.*s", section, *section ? "." : "",
		         (int)(kend - s), s);
		s = skip_ws(kend, eol);
		if (kend == kstart || s >= eol || *s != '=')
			return bad(origin, line, NULL, "expected key = value");
		for (size_t i = 0; i < NKEYS; i++)
			if (strcmp(keys[i].name, key) == 0)
				k = &keys[i];
		if (!k) {
			ra_log(lg, RA_LOG_WARN, "%s:%d: unknown setting '%s' ignored", origin, line,
			       key);
			continue;
		}
		rc = set_value(c, k, skip_ws(s + 1, eol), eol, origin, line);
		if (rc)
			return rc;
	}
	return RA_OK;
}

int ra_config_apply_json(ra_config *c, const json_t *settings, const char *const *prefixes,
                         const char *origin, const ra_logger *lg)
{
	const char *key;
	json_t *v;
	ra_buf text;
	int rc = RA_OK;

	if (!settings)
		return RA_OK;
	if (!json_is_object(settings))
		return ra_error_set(RA_EINVAL, "%s: settings must be an object", origin);
	ra_buf_init(&text, 1u << 20);
	json_object_foreach((json_t *)settings, key, v)
	{
		bool allowed = false;
		char *val;

		for (size_t i = 0; prefixes && prefixes[i] && !allowed; i++)
			allowed = !strncmp(key, prefixes[i], strlen(prefixes[i]));
		for (const char *k = key; allowed && *k; k++)
			allowed = isalnum((unsigned char)*k) || *k == '_' || *k == '.';
		if (!allowed) {
			char which[256] = "";

			for (size_t i = 0; prefixes && prefixes[i]; i++)
				snprintf(which + strlen(which), sizeof(which) - strlen(which),
				         "%s%s*", i ? ", " : "", prefixes[i]);
			ra_log(lg, RA_LOG_WARN,
			       "%s: setting '%s' ignored: an editor may set only %s", origin, key,
			       *which ? which : "nothing");
			continue;
		}
		if (json_is_null(v))
			continue; /* unset in the editor: the files' value stands */
		val = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		if (!val) {
			rc = ra_error_set(RA_ENOMEM, "out of memory");
			break;
		}
		rc = ra_buf_printf(&text, "%s = %s\n", key, val);
		free(val);
		if (rc)
			break;
	}
	if (!rc && text.len)
		rc = ra_config_parse(c, text.data, text.len, origin, lg);
	ra_buf_free(&text);
	return rc;
}

ra_config *ra_config_new(void)
{
	ra_config *c = ra_calloc(1, sizeof(*c));
	ra_buf defaults;
	int rc = RA_OK;

	if (!c)
		return NULL;
	c->arena = ra_arena_new(0);
	if (!c->arena) {
		ra_free(c);
		return NULL;
	}
	/* the defaults are parsed from the table itself, so table and behaviour cannot differ */
	ra_buf_init(&defaults, 0);
	for (size_t i = 0; !rc && i < NKEYS; i++)
		if (keys[i].type != T_TABLE)
			rc = ra_buf_printf(&defaults, "%s = %s\n", keys[i].name, keys[i].def);
	if (!rc)
		rc = ra_config_parse(c, defaults.data, defaults.len, "defaults", NULL);
	ra_buf_free(&defaults);
	if (rc) {
		ra_config_free(c);
		return NULL;
	}
	return c;
}

void ra_config_free(ra_config *c)
{
	if (!c)
		return;
	ra_arena_free(c->arena);
	ra_free(c);
}

static int load_file(ra_config *c, const char *path, const ra_logger *lg)
{
	char *text = NULL;
	size_t len = 0;
	int rc = ra_read_file(&text, &len, path, 1 << 20);

	if (rc == RA_ENOTFOUND)
		return RA_OK;
	if (rc)
		return rc;
	rc = ra_config_parse(c, text, len, path, lg);
	ra_free(text);
	return rc;
}

int ra_config_load(ra_config **out, const char *workspace, const ra_logger *lg)
{
	ra_config *c = ra_config_new();
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char path[4096];
	int rc = RA_OK;

	if (!c)
		return RA_ENOMEM;
	if (xdg && *xdg)
		snprintf(path, sizeof(path), "%s/rtlassist/config.toml", xdg);
	else if (home && *home)
		snprintf(path, sizeof(path), "%s/.config/rtlassist/config.toml", home);
	else
		path[0] = '\0';
	if (*path)
		rc = load_file(c, path, lg);
	if (!rc && workspace) {
		snprintf(path, sizeof(path), "%s/.rtlassist.toml", workspace);
		rc = load_file(c, path, lg);
	}
	if (rc) {
		ra_config_free(c);
		return rc;
	}
	*out = c;
	return RA_OK;
}

/* a "string" as parse_string reads it back */
static int put_string(ra_buf *out, const char *v)
{
	int rc = ra_buf_putc(out, '"');

	for (; !rc && *v; v++)
		rc = *v == '"'    ? ra_buf_puts(out, "\\\"")
		     : *v == '\\' ? ra_buf_puts(out, "\\\\")
		     : *v == '\n' ? ra_buf_puts(out, "\\n")
		     : *v == '\t' ? ra_buf_puts(out, "\\t")
		                  : ra_buf_putc(out, *v);
	return rc ? rc : ra_buf_putc(out, '"');
}

static int put_list(ra_buf *out, const char *const *l)
{
	int rc = ra_buf_putc(out, '[');

	for (size_t i = 0; !rc && l && l[i]; i++) {
		rc = i ? ra_buf_puts(out, ", ") : RA_OK;
		rc = rc ? rc : put_string(out, l[i]);
	}
	return rc ? rc : ra_buf_putc(out, ']');
}

int ra_config_describe(ra_buf *out, const ra_config *c, bool markdown)
{
	int rc = RA_OK;

	for (size_t i = 0; !rc && i < NKEYS; i++) {
		const key_def *k = &keys[i];

		if (markdown) {
			rc = ra_buf_printf(out, "| `%s` | `%s` | %s |\n", k->name, k->def, k->doc);
			continue;
		}
		rc = ra_buf_printf(out, "%s = ", k->name);
		if (rc)
			break;
		switch (k->type) {
		case T_INT:
			rc = ra_buf_printf(out, "%lld",
			                   (long long)*(const int64_t *)((const char *)c + k->off));
			break;
		case T_REAL:
			rc = ra_buf_printf(out, "%g", *(const double *)((const char *)c + k->off));
			break;
		case T_STR:
			rc = put_string(out, *(const char *const *)((const char *)c + k->off));
			break;
		case T_LIST:
			rc = put_list(out, strcmp(k->name, "index.verilog_extensions") == 0
			                           ? c->verilog_exts
			                   : strcmp(k->name, "index.vhdl_extensions") == 0
			                           ? c->vhdl_exts
			                           : c->sv_exts);
			break;
		case T_TABLE:
			rc = ra_buf_putc(out, '{');
			for (size_t j = 0; !rc && j < c->nvhdl_libraries; j++) {
				rc = j ? ra_buf_puts(out, ", ") : RA_OK;
				rc = rc ? rc : put_string(out, c->vhdl_libraries[j].key);
				rc = rc ? rc : ra_buf_puts(out, " = ");
				rc = rc ? rc : put_string(out, c->vhdl_libraries[j].value);
			}
			rc = rc ? rc : ra_buf_putc(out, '}');
			break;
		}
		rc = rc ? rc : ra_buf_printf(out, "    # %s\n", k->doc);
	}
	return rc;
}

void ra_config_embed(const ra_config *c, ra_embed_config *out, const ra_logger *lg)
{
	*out = (ra_embed_config){
	        .provider = c->embed_provider,
	        .url = c->embed_url,
	        .model = c->embed_model,
	        .api_key_env = *c->embed_api_key_env ? c->embed_api_key_env : NULL,
	        .dim = (int)c->embed_dim,
	        .batch = (int)c->embed_batch,
	        .timeout_ms = (int)c->embed_timeout_ms,
	        .retries = (int)c->embed_retries,
	        .log = lg,
	};
}

/*
 * llm.h - the model client: retriever/gen.h's ra_generator over HTTP model servers (libcurl +
 * jansson). Nothing is contacted until `generate` is called, and nothing at all when the
 * provider is "none" (ra_llm_from_config then gives a NULL generator).
 *
 * Providers and endpoints (url is the server's base URL, e.g. "http://127.0.0.1:11434"):
 *
 *   provider   FIM (fill in the middle)                      chat
 *   openai     POST /v1/completions {prompt, suffix}         POST /v1/chat/completions {messages}
 *   ollama     POST /api/generate {prompt, suffix}           POST /api/chat {messages}
 *   llamacpp   POST /infill {input_prefix, input_suffix,     POST /completion {prompt}: the
 *              input_extra: [{filename, text}]}              messages as "System:/User:/
 *                                                            Assistant:" paragraphs
 *
 * An openai url may end in /v1 (then /completions and /chat/completions follow it).
 *
 * FIM requests carry repository context (ra_gen_request.context, most useful first). llama.cpp's
 * /infill takes it as input_extra. The others get it in front of the prefix as commented file
 * excerpts: a line "// Path: a/b.sv" ("-- Path: x.vhd" for VHDL paths) then the excerpt's text,
 * for each file, then a path line for the edited file itself (ra_llm_fim_prompt).
 *
 * FIM templates (`fim_template`): "native" (the default) sends prefix and suffix in the
 * endpoint's own fields and lets the server apply the model's template. A family name
 * ("qwen", "codellama", "starcoder", "deepseek", "codestral") or a custom string holding
 * {prefix} and {suffix} builds the raw prompt here instead: openai then sends it as `prompt`
 * without `suffix`, ollama as `prompt` with "raw": true, llamacpp through /completion.
 *
 * Streaming (`stream`, the default): server-sent events (openai and llama.cpp: "data: {...}"
 * lines, openai ending with "data: [DONE]", llama.cpp with a chunk whose "stop" is true) and
 * NDJSON (ollama: one object a line, the last with "done": true). Each piece of text goes to
 * on_text as it arrives. A stream that ends before its end marker is an error (RA_ERR) after
 * the text already delivered. Without streaming the whole reply is read, then delivered once.
 *
 * Failures: each call has a total time limit (`timeout_ms`, over all attempts and waits) and a
 * connect limit; *cancel is looked at every 50 ms at most, during the transfer and during
 * waits (RA_ECANCELLED). HTTP 429 (Retry-After seconds honoured, at most 30 s), 5xx, and
 * connection failures are retried `retries` times with exponential backoff (250 ms doubling)
 * — only while no text has been delivered. 401/403 and other 4xx fail at once, with the
 * server's error message. A reply over `max_reply_bytes` is RA_ETOOBIG; a reply that is not
 * the provider's JSON is RA_EINVAL.
 *
 * The API key is read from the environment variable named by `api_key_env` when the client is
 * made, sent as "Authorization: Bearer KEY", and never logged, written, or put in an error
 * message (a server that echoes it back has it replaced by "***").
 *
 * Thread-safety: generate may run on several threads at once (one connection per call).
 */
#ifndef RA_LLM_H
#define RA_LLM_H

#include "base/base.h"
#include "daemon/config.h"
#include "retriever/gen.h"

typedef struct ra_llm_config {
	const char *setting;     /* "complete" or "chat": names the settings in messages; or NULL */
	const char *provider;    /* "openai" "ollama" "llamacpp" */
	const char *url;         /* base URL, http:// or https:// */
	const char *model;       /* sent as "model" (openai, ollama); may be empty for llamacpp */
	const char *api_key_env; /* environment variable holding the key, or NULL/"" for none */
	const char *
	        fim_template; /* "native" (NULL too), a family name, or "...{prefix}...{suffix}..." */
	int timeout_ms;       /* total per generate call; <= 0: 30000 */
	int connect_timeout_ms; /* <= 0: 5000 */
	int retries;            /* after the first attempt; < 0: 0 */
	int max_tokens;         /* default when the request has 0; <= 0: 256 */
	double temperature;     /* default when the request has < 0 */
	size_t max_reply_bytes; /* cap of one reply's body; 0: 4 MiB */
	bool no_stream;         /* ask for the whole reply at once */
	const ra_logger *log;   /* request lines at debug level (never the key nor the prompt) */
} ra_llm_config;

/*
 * Makes a generator. Strings are copied. Returns 0 and the caller's generator (ra_llm_free),
 * RA_EINVAL for a bad configuration (unknown provider or template, missing url or model, the
 * key's environment variable unset), RA_ENOMEM.
 */
int ra_llm_open(ra_generator **out, const ra_llm_config *cfg);

/*
 * The generator configured by the `which`.* settings ("complete" or "chat"). *out is NULL (and
 * 0 is returned) when `which`.provider is "none". Errors as ra_llm_open, the message naming
 * the settings.
 */
int ra_llm_from_config(ra_generator **out, const ra_config *c, const char *which,
                       const ra_logger *lg);

/* Frees a generator made here; NULL is fine. No call may be running on it. */
void ra_llm_free(ra_generator *g);

/* what an editor session gets from the complete.* and chat.* settings */
typedef struct ra_llm_session {
	ra_generator *complete, *chat; /* NULL: none configured (or not usable, warned) */
	int debounce_ms;               /* complete.debounce_ms */
	int context_tokens;            /* complete.context_tokens; -1 for 0 (no context) */
} ra_llm_session;

/*
 * The models of one editor session: the settings files of `workspace` (ra_config_load) with the
 * editor's own settings over them (LSP initializationOptions.settings; only complete.* and
 * chat.* keys, see ra_config_apply_json; may be NULL). A model that cannot be set up is left
 * NULL with a warning through lg: the structured features work without it. Free the models
 * with ra_llm_session_free.
 */
void ra_llm_open_session(ra_llm_session *out, const char *workspace, const json_t *settings,
                         const ra_logger *lg);
void ra_llm_session_free(ra_llm_session *s);

/*
 * The raw FIM prompt that `template` (as fim_template; "native": no FIM tokens, the prefix
 * only) gives for req: the context excerpts as commented files, then the edited file's path
 * line, the prefix, and the template's tokens around prefix and suffix. Appends to out.
 * Returns 0, RA_EINVAL for an unknown template, RA_ENOMEM/RA_ETOOBIG from the buffer.
 */
int ra_llm_fim_prompt(ra_buf *out, const char *template, const ra_gen_request *req);

/*
 * Asks the configured server whether it answers (GET on a cheap endpoint: /v1/models,
 * /api/tags, /health) within the connect timeout. Returns 0, or RA_ERR with a message.
 */
int ra_llm_ping(const ra_generator *g);

#endif /* RA_LLM_H */

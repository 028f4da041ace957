/*
 * gen.h - text generation by a language model, as the retriever, the LSP and the CLI see it.
 *
 * An interface, not a client: daemon/llm.c implements it over HTTP model servers (OpenAI-
 * compatible, Ollama, llama.cpp) and tests implement it with fakes. Layers below daemon/ take a
 * `const ra_generator *` as a parameter; NULL means "no model configured", and then nothing is
 * ever sent anywhere.
 *
 * Two kinds of request:
 *  - RA_GEN_FIM: fill in the middle — the text before and after the cursor in `path`, plus
 *    repository context (excerpts of other files, most useful first). The generator turns this
 *    into its provider's wire format (llama.cpp /infill input_extra, a FIM template, ...).
 *  - RA_GEN_CHAT: a conversation of role/content messages ("system", "user", "assistant").
 *
 * Text arrives through `on_text` as the server streams it, in order, on the calling thread.
 *
 * Thread-safety: `generate` may be called from several threads at once (each call has its own
 * connection); one request's callbacks run on the thread that called `generate`.
 */
#ifndef RA_GEN_H
#define RA_GEN_H

#include "base/base.h"

typedef enum ra_gen_mode {
	RA_GEN_FIM,
	RA_GEN_CHAT,
} ra_gen_mode;

/* repository context for a FIM request: a workspace-relative path and an excerpt of it */
typedef struct ra_gen_file {
	const char *path;
	const char *text;
} ra_gen_file;

typedef struct ra_gen_message {
	const char *role; /* "system", "user", "assistant" */
	const char *content;
} ra_gen_message;

typedef struct ra_gen_request {
	ra_gen_mode mode;
	/* RA_GEN_FIM */
	const char *path; /* the file being edited, workspace-relative */
	const char *prefix, *suffix;
	const ra_gen_file *context; /* most useful first */
	size_t ncontext;
	/* RA_GEN_CHAT */
	const ra_gen_message *messages;
	size_t nmessages;
	/* both */
	int max_tokens;          /* 0: the generator's configured default */
	const char *const *stop; /* extra stop strings, may be NULL */
	size_t nstop;
	double temperature; /* < 0: the generator's configured default */
} ra_gen_request;

/* Receives generated text as it arrives. Return 0 to go on, nonzero to end the request early
 * (then `generate` returns 0: stopping is not an error). */
typedef int (*ra_gen_on_text)(const char *text, size_t len, void *payload);

typedef struct ra_generator ra_generator;
struct ra_generator {
	/*
	 * Runs one request, delivering text through on_text. Returns 0 when the reply is complete
	 * (or on_text ended it), RA_ECANCELLED when *cancel became set (checked while waiting),
	 * RA_EINVAL for a malformed reply, RA_ETOOBIG for a reply over the cap, RA_ERR for the rest
	 * (no connection, timeout, HTTP 4xx/5xx after the retries), each with a one-line message
	 * (ra_error_last) that never contains the API key. `cancel` may be NULL.
	 */
	int (*generate)(const ra_generator *g, const ra_gen_request *req, ra_gen_on_text on_text,
	                void *payload, volatile int *cancel);
	/* "ollama/qwen2.5-coder:1.5b": provider and model, for logs and results. Borrowed. */
	const char *(*describe)(const ra_generator *g);
	void *impl;
};

#endif /* RA_GEN_H */

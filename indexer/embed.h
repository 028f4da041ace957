/*
 * embed.h - embedders: text in, unit-length float vectors out, for the vector channel of search.
 *
 * Providers:
 *  - "builtin" (the default): offline, no model files, deterministic; computed from the text's
 *    code-aware tokens (fts.h) — see embed.c for the design and the measurements behind it.
 *  - "openai": POST {url}/v1/embeddings {"model","input":[...]}.
 *  - "ollama": POST {url}/api/embed {"model","input":[...]}.
 *  - "llamacpp": POST {url}/embedding {"content":[...]}.
 * HTTP providers batch, time out, retry with backoff (429 honouring Retry-After, 5xx), cap reply
 * sizes, and read the API key from the environment variable named in the settings; the key is
 * never logged nor written anywhere.
 *
 * Thread-safety: one embedder per thread.
 */
#ifndef RA_EMBED_H
#define RA_EMBED_H

#include "base/base.h"

typedef struct ra_embed_config {
	const char *provider;    /* "builtin" "openai" "ollama" "llamacpp" */
	const char *url;         /* base URL of the server (HTTP providers) */
	const char *model;       /* model name sent to the server */
	const char *api_key_env; /* name of the environment variable holding the key, or NULL */
	int dim;                 /* builtin: vector size; HTTP: expected size, 0 = from the reply */
	int batch;               /* texts per request */
	int timeout_ms;          /* per request, its retries included */
	int retries;             /* after the first attempt */
	const ra_logger *log;
} ra_embed_config;

typedef struct ra_embedder ra_embedder;

/* Returns 0 and the caller's embedder, RA_EINVAL for a bad configuration (unknown provider,
 * missing url), RA_ENOMEM. Nothing is contacted yet. */
int ra_embedder_open(ra_embedder **out, const ra_embed_config *cfg);
void ra_embedder_close(ra_embedder *e);

/* "builtin-v1/384", "openai/text-embedding-3-small": changes when vectors would change, so the
 * index is rebuilt. Borrowed. */
const char *ra_embedder_id(const ra_embedder *e);

/* The vector size; 0 for an HTTP provider configured with dim 0 until ra_embedder_probe. */
int ra_embedder_dim(const ra_embedder *e);

/* True when a vector costs more to compute than to read back from the store (the HTTP
 * providers): only those vectors are kept in the embedding cache. The builtin embedder computes
 * faster than SQLite reads its vectors back (measured on OpenTitan, see vectors.c). */
bool ra_embedder_cacheable(const ra_embedder *e);

/* True for the builtin embedder: its vectors are sparse (hashed features), which the vector
 * index's choice of type depends on (vectors.h). */
bool ra_embedder_builtin(const ra_embedder *e);

/* Learns the vector size of an HTTP provider configured with dim 0 by embedding one short text
 * (a no-op when it is known). Returns 0 or an error as ra_embed. */
int ra_embedder_probe(ra_embedder *e, volatile int *cancel);

/*
 * Embeds n texts into out[n * dim] (unit length each; an empty text gives a zero vector with the
 * builtin embedder). HTTP providers send ceil(n / batch) requests. Returns 0, or an error with a
 * message: RA_ERR for a server that failed after the retries (also 401/403, other 4xx, no
 * connection, timeout), RA_EINVAL for a malformed reply or an unknown dimension, RA_ETOOBIG for
 * a reply over the cap, RA_ECANCELLED when *cancel became set. `cancel` may be NULL.
 */
int ra_embed(ra_embedder *e, const char *const *texts, size_t n, float *out, volatile int *cancel);

#endif /* RA_EMBED_H */

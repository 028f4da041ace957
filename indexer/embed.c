/*
 * embed.c - the embedders of embed.h: the builtin one and the HTTP clients.
 *
 * Builtin ("builtin-v1"): a signed feature-hashing vectoriser. The features of a text are the
 * tokens of the search tokenizer (fts.h: whole identifiers and their sub-words, case-folded,
 * without the abbreviation expansions). Each distinct feature weighs 1 + ln(tf), damped to 0.25
 * for English function words and HDL keywords that every unit has, and is added with a
 * hash-chosen sign to one of `dim` (384) buckets; the vector is then L2-normalised. No model
 * file, deterministic everywhere (FNV-1a and a fixed mixer), tens of MB/s on one core. The
 * measurements that chose this design are in the comment above default_tune.
 *
 * HTTP: JSON with jansson over http.h (shared with the language-model client). A request carries
 * at most `batch` texts and has `timeout_ms`, its retries included; 429 and 5xx replies and
 * transport failures are retried `retries` times with exponential backoff (250 ms doubling, at
 * most 8 s) or the server's Retry-After (at most 30 s); replies are capped at 64 MiB. The API
 * key is read from the environment when the embedder is opened, sent as "Authorization:
 * Bearer", and never appears in a log line or an error message.
 */
#define _DEFAULT_SOURCE
#include "indexer/embed_internal.h"
#include "indexer/fts_internal.h"
#include "indexer/http.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	DEFAULT_DIM = 384,
	MAX_DIM = 8192,
	MAX_REPLY = 64 << 20,
	MAX_TEXT = 32 << 10, /* bytes of one text sent to a server */
	MAP_CAP = 1 << 14,   /* distinct features of one text (builtin) */
	MAP_MAX = MAP_CAP / 2,
};

typedef enum { P_BUILTIN, P_OPENAI, P_OLLAMA, P_LLAMACPP } provider;

/* feature map of the builtin embedder, reused text after text */
typedef struct feat {
	uint64_t key;
	float w;
	uint32_t count;
} feat;

struct ra_embedder {
	provider prov;
	char id[256];
	int dim;
	int batch, timeout_ms, retries;
	const ra_logger *log;
	/* builtin */
	ra_embed_tune tune;
	feat *map;
	uint64_t common[256]; /* feature hashes of common_words, open addressing */
	uint32_t *used;       /* slots in use, in insertion order */
	size_t nused;
	/* HTTP */
	char *endpoint, *model, *key_env;
	char *auth, *secret; /* "Authorization: Bearer KEY" and KEY, never logged */
};

/* ---- builtin ------------------------------------------------------------------------------ */

/*
 * VerilogEval (143 tasks; query = detailed description, document = prompt + solution), vector
 * only, MRR@10 averaged over 8 hash seeds, dim 384 (1024 in brackets):
 *   tokens (whole + sub-words), 1 + ln tf ................ 0.748 (0.786)
 *   + abbreviation synonyms ............................... 0.764 (0.805)
 *   + character trigrams at 0.25 / 0.5 .................... 0.736 / 0.721 (0.796 / 0.797)
 *   + common words and HDL keywords at 0.25 ................ 0.814 (0.839)   <- builtin-v1
 *     ... + synonyms 0.810, + trigrams 0.814, + 4-grams 0.813; raw tf instead 0.710
 *     ... at dim 256 / 512 / 768: 0.810 / 0.829 / 0.832
 * Trigrams and synonyms buy nothing once common words are damped, and cost speed; the lexical
 * channel already expands abbreviations. 384 dims: within 0.02 of 768 at half the memory.
 */
static const ra_embed_tune default_tune = {
        .words = true,
        .synonyms = false,
        .ngram = 0,
        .ngram_w = 0.25f,
        .sublinear = true,
        .stop_w = 0.25f,
};

ra_embed_tune ra_embed__tune_default(void)
{
	return default_tune;
}

static uint64_t hash64(uint64_t seed, const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull ^ seed;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	/* a final mix so that the low and high bits are both well spread */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

static const char *const common_words[] = {
        /* English */
        "a", "an", "and", "are", "as", "at", "be", "by", "can", "for", "from", "has", "have", "if",
        "in", "is", "it", "its", "of", "on", "or", "that", "the", "this", "to", "used", "when",
        "which", "with", "will", "then",
        /* HDL keywords and words that every unit has */
        "module", "endmodule", "input", "output", "inout", "wire", "reg", "logic", "begin", "end",
        "assign", "always", "else", "case", "endcase", "signal", "port", "ports", "entity",
        "architecture", "std_logic", "std_logic_vector", "std", "vector", "process", "downto",
        "others", "top"};

#define NCOMMON (sizeof(common_words) / sizeof(common_words[0]))
enum { COMMON_SLOTS = 256 };

static void common_build(ra_embedder *e)
{
	memset(e->common, 0, sizeof(e->common));
	for (size_t i = 0; i < NCOMMON; i++) {
		uint64_t h = hash64(e->tune.seed, common_words[i], strlen(common_words[i]));
		uint32_t k = (uint32_t)h & (COMMON_SLOTS - 1);

		while (e->common[k])
			k = (k + 1) & (COMMON_SLOTS - 1);
		e->common[k] = h;
	}
}

static bool is_common(const ra_embedder *e, uint64_t h)
{
	for (uint32_t k = (uint32_t)h & (COMMON_SLOTS - 1); e->common[k];
	     k = (k + 1) & (COMMON_SLOTS - 1))
		if (e->common[k] == h)
			return true;
	return false;
}

static void feat_add(ra_embedder *e, uint64_t key, float w)
{
	uint32_t i = (uint32_t)key & (MAP_CAP - 1);

	for (; e->map[i].count; i = (i + 1) & (MAP_CAP - 1))
		if (e->map[i].key == key) {
			e->map[i].count++;
			return;
		}
	if (e->nused >= MAP_MAX)
		return; /* a huge text: the features seen first stand for it */
	e->map[i] = (feat){key, w, 1};
	e->used[e->nused++] = i;
}

static int on_token(const char *tok, size_t n, void *payload)
{
	ra_embedder *e = payload;
	const ra_embed_tune *t = &e->tune;
	uint64_t h = hash64(t->seed, tok, n);
	float w = is_common(e, h) ? t->stop_w : 1.0f;
	int g = t->ngram;

	if (t->words)
		feat_add(e, h, w);
	if (g > 0 && n + 2 >= (size_t)g && n <= 32) {
		char framed[40];

		framed[0] = '^';
		memcpy(framed + 1, tok, n);
		framed[n + 1] = '$';
		for (size_t i = 0; i + (size_t)g <= n + 2; i++)
			feat_add(e, hash64(t->seed ^ 0x9e3779b97f4a7c15ull, framed + i, (size_t)g),
			         w * t->ngram_w);
	}
	return 0;
}

static void builtin_one(ra_embedder *e, const char *text, float *out)
{
	double norm = 0;

	memset(out, 0, (size_t)e->dim * sizeof(*out));
	e->nused = 0;
	ra_fts__scan(text, strlen(text), e->tune.synonyms, on_token, e);
	for (size_t k = 0; k < e->nused; k++) {
		feat *f = &e->map[e->used[k]];
		float v =
		        f->w * (e->tune.sublinear ? 1.0f + logf((float)f->count) : (float)f->count);
		uint32_t bucket = (uint32_t)(((f->key >> 32) * (uint64_t)e->dim) >> 32);

		out[bucket] += (f->key & 1) ? -v : v;
		f->count = 0;
	}
	for (int i = 0; i < e->dim; i++)
		norm += (double)out[i] * out[i];
	if (norm > 0) {
		float inv = (float)(1.0 / sqrt(norm));

		for (int i = 0; i < e->dim; i++)
			out[i] *= inv;
	}
}

int ra_embed__set_tune(ra_embedder *e, const ra_embed_tune *t)
{
	if (e->prov != P_BUILTIN)
		return ra_error_set(RA_EINVAL, "not the builtin embedder");
	if (t->ngram < 0 || t->ngram > 8)
		return ra_error_set(RA_EINVAL, "n-gram length %d out of range", t->ngram);
	e->tune = *t;
	common_build(e);
	return RA_OK;
}

/* ---- opening ------------------------------------------------------------------------------ */

static int open_http(ra_embedder *e, const ra_embed_config *cfg)
{
	static const char *const paths[] = {[P_OPENAI] = "/v1/embeddings",
	                                    [P_OLLAMA] = "/api/embed",
	                                    [P_LLAMACPP] = "/embedding"};
	const char *path = paths[e->prov];
	size_t n;

	if (!cfg->url || !*cfg->url)
		return ra_error_set(RA_EINVAL, "embedder %s: embed.url is not set", cfg->provider);
	if (strncmp(cfg->url, "http://", 7) != 0 && strncmp(cfg->url, "https://", 8) != 0)
		return ra_error_set(RA_EINVAL,
		                    "embedder %s: embed.url must start with http:// or https://",
		                    cfg->provider);
	if (e->prov != P_LLAMACPP && (!cfg->model || !*cfg->model))
		return ra_error_set(RA_EINVAL, "embedder %s: embed.model is not set",
		                    cfg->provider);
	n = strlen(cfg->url);
	while (n > 0 && cfg->url[n - 1] == '/')
		n--;
	/* an OpenAI base URL is often given with its /v1 */
	if (e->prov == P_OPENAI && n >= 3 && memcmp(cfg->url + n - 3, "/v1", 3) == 0)
		path = "/embeddings";
	e->endpoint = ra_malloc(n + strlen(path) + 1);
	e->model = ra_strdup(cfg->model && *cfg->model ? cfg->model : "default");
	if (!e->endpoint || !e->model)
		return RA_ENOMEM;
	memcpy(e->endpoint, cfg->url, n);
	strcpy(e->endpoint + n, path);

	if (cfg->api_key_env && *cfg->api_key_env) {
		const char *key = getenv(cfg->api_key_env);

		e->key_env = ra_strdup(cfg->api_key_env);
		if (!e->key_env)
			return RA_ENOMEM;
		if (!key || !*key)
			return ra_error_set(
			        RA_EINVAL,
			        "embedder %s: environment variable %s (embed.api_key_env) "
			        "is not set",
			        cfg->provider, cfg->api_key_env);
		e->auth = ra_malloc(strlen(key) + 32);
		e->secret = ra_strdup(key);
		if (!e->auth || !e->secret)
			return RA_ENOMEM;
		sprintf(e->auth, "Authorization: Bearer %s", key);
	}
	return RA_OK;
}

int ra_embedder_open(ra_embedder **out, const ra_embed_config *cfg)
{
	ra_embedder *e;
	const char *p = cfg->provider && *cfg->provider ? cfg->provider : "builtin";
	int rc = RA_OK;

	if (cfg->dim < 0 || cfg->dim > MAX_DIM)
		return ra_error_set(RA_EINVAL, "embed.dim %d out of range (0 to %d)", cfg->dim,
		                    MAX_DIM);
	e = ra_calloc(1, sizeof(*e));
	if (!e)
		return RA_ENOMEM;
	e->log = cfg->log;
	e->batch = cfg->batch > 0 ? cfg->batch : 32;
	e->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 30000;
	e->retries = cfg->retries >= 0 ? cfg->retries : 0;
	e->dim = cfg->dim;
	if (strcmp(p, "builtin") == 0) {
		e->prov = P_BUILTIN;
		e->tune = default_tune;
		common_build(e);
		if (e->dim == 0)
			e->dim = DEFAULT_DIM;
		if (e->dim < 16) {
			rc = ra_error_set(RA_EINVAL,
			                  "embed.dim %d: the builtin embedder needs 16 or more",
			                  e->dim);
			goto fail;
		}
		e->map = ra_calloc(MAP_CAP, sizeof(*e->map));
		e->used = ra_calloc(MAP_MAX, sizeof(*e->used));
		if (!e->map || !e->used) {
			rc = RA_ENOMEM;
			goto fail;
		}
		snprintf(e->id, sizeof(e->id), "builtin-v1/%d", e->dim);
	} else {
		if (strcmp(p, "openai") == 0)
			e->prov = P_OPENAI;
		else if (strcmp(p, "ollama") == 0)
			e->prov = P_OLLAMA;
		else if (strcmp(p, "llamacpp") == 0)
			e->prov = P_LLAMACPP;
		else {
			rc = ra_error_set(RA_EINVAL,
			                  "embed.provider '%s': accepted: builtin, openai, ollama, "
			                  "llamacpp",
			                  p);
			goto fail;
		}
		rc = open_http(e, cfg);
		if (rc)
			goto fail;
		if (e->dim)
			snprintf(e->id, sizeof(e->id), "%s/%.200s/%d", p, e->model, e->dim);
		else
			snprintf(e->id, sizeof(e->id), "%s/%.200s", p, e->model);
	}
	*out = e;
	return RA_OK;
fail:
	ra_embedder_close(e);
	return rc;
}

void ra_embedder_close(ra_embedder *e)
{
	if (!e)
		return;
	ra_free(e->map);
	ra_free(e->used);
	ra_free(e->endpoint);
	ra_free(e->model);
	ra_free(e->key_env);
	if (e->auth)
		memset(e->auth, 0, strlen(e->auth));
	if (e->secret)
		memset(e->secret, 0, strlen(e->secret));
	ra_free(e->auth);
	ra_free(e->secret);
	ra_free(e);
}

const char *ra_embedder_id(const ra_embedder *e)
{
	return e->id;
}

bool ra_embedder_cacheable(const ra_embedder *e)
{
	return e->prov != P_BUILTIN;
}

bool ra_embedder_builtin(const ra_embedder *e)
{
	return e->prov == P_BUILTIN;
}

int ra_embedder_dim(const ra_embedder *e)
{
	return e->dim;
}

/* ---- HTTP --------------------------------------------------------------------------------- */

static json_t *request_body(const ra_embedder *e, const char *const *texts, size_t n)
{
	json_t *arr = json_array(), *body = NULL;
	ra_buf b;

	ra_buf_init(&b, 0);
	for (size_t i = 0; arr && i < n; i++) {
		ra_buf_reset(&b);
		if (ra_http_utf8_clean(&b, texts[i] ? texts[i] : "",
		                       texts[i] ? strnlen(texts[i], MAX_TEXT) : 0) ||
		    json_array_append_new(arr, json_stringn(b.data ? b.data : "", b.len))) {
			json_decref(arr);
			arr = NULL;
		}
	}
	ra_buf_free(&b);
	if (!arr)
		return NULL;
	if (e->prov == P_LLAMACPP)
		body = json_pack("{s:o}", "content", arr);
	else
		body = json_pack("{s:s, s:o}", "model", e->model, "input", arr);
	return body;
}

/* reads one embedding (an array of numbers, or llama.cpp's [[numbers]]) into out */
static int read_vector(ra_embedder *e, json_t *v, float *out)
{
	size_t n;
	double norm = 0;

	if (json_is_array(v) && json_array_size(v) > 0 && json_is_array(json_array_get(v, 0)))
		v = json_array_get(v, 0); /* llama.cpp: one row per token or a pooled [[...]] */
	if (!json_is_array(v) || (n = json_array_size(v)) == 0)
		return ra_error_set(RA_EINVAL,
		                    "embedder reply: an embedding is not a list of numbers");
	if (n > MAX_DIM)
		return ra_error_set(RA_EINVAL, "embedder reply: %zu dimensions (at most %d)", n,
		                    MAX_DIM);
	if (e->dim == 0)
		e->dim = (int)n;
	if (n != (size_t)e->dim)
		return ra_error_set(RA_EINVAL,
		                    "embedder reply: %zu dimensions, expected %d (embed.dim)", n,
		                    e->dim);
	for (size_t i = 0; i < n; i++) {
		json_t *x = json_array_get(v, i);
		double d = json_number_value(x);

		if (!json_is_number(x) || !isfinite(d) || fabs(d) > 1e30)
			return ra_error_set(RA_EINVAL,
			                    "embedder reply: a vector element is not a number");
		if (out)
			out[i] = (float)d;
		norm += d * d;
	}
	if (out && norm > 0) {
		float inv = (float)(1.0 / sqrt(norm));

		for (size_t i = 0; i < n; i++)
			out[i] *= inv;
	}
	return RA_OK;
}

/* the list of per-text embeddings in a reply, in input order, as borrowed json values */
static int reply_vectors(ra_embedder *e, json_t *root, size_t n, json_t **vecs)
{
	json_t *list = NULL;

	memset(vecs, 0, n * sizeof(*vecs));
	if (e->prov == P_OPENAI) {
		list = json_object_get(root, "data");
	} else if (e->prov == P_OLLAMA) {
		list = json_object_get(root, "embeddings");
		if (json_is_array(list) && json_array_size(list) == n) {
			for (size_t i = 0; i < n; i++)
				vecs[i] = json_array_get(list, i);
			return RA_OK;
		}
		list = NULL;
	} else {
		/* llama.cpp: [{"index", "embedding"}...], or one {"embedding"} for one text */
		if (json_is_object(root) && json_object_get(root, "embedding") && n == 1) {
			vecs[0] = json_object_get(root, "embedding");
			return RA_OK;
		}
		list = json_is_array(root) ? root : json_object_get(root, "results");
	}
	if (!json_is_array(list))
		return ra_error_set(RA_EINVAL, "embedder reply: no list of embeddings");
	if (json_array_size(list) != n)
		return ra_error_set(RA_EINVAL, "embedder reply: %zu embeddings for %zu texts",
		                    json_array_size(list), n);
	for (size_t i = 0; i < n; i++) {
		json_t *item = json_array_get(list, i);
		json_t *idx = json_object_get(item, "index");
		size_t at = json_is_integer(idx) ? (size_t)json_integer_value(idx) : i;

		if (!json_is_object(item) || at >= n || vecs[at])
			return ra_error_set(RA_EINVAL, "embedder reply: bad or repeated index");
		vecs[at] = json_object_get(item, "embedding");
		if (!vecs[at])
			return ra_error_set(RA_EINVAL, "embedder reply: an item has no embedding");
	}
	return RA_OK;
}

static int on_data(const char *data, size_t len, void *payload)
{
	return ra_buf_append(payload, data, len);
}

static bool cancelled(volatile int *cancel)
{
	return cancel && *cancel;
}

/* one batch: POST (http.h retries), parse into out[n * dim] */
static int http_batch(ra_embedder *e, const char *const *texts, size_t n, float *out,
                      volatile int *cancel)
{
	json_t *body = request_body(e, texts, n), *root = NULL;
	char *payload = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_t **vecs = ra_calloc(n, sizeof(*vecs));
	ra_http_opts ho = {.url = e->endpoint,
	                   .auth = e->auth,
	                   .secret = e->secret,
	                   .key_setting = "embed.api_key_env",
	                   .key_env = e->key_env,
	                   .timeout_setting = "embed.timeout_ms",
	                   .timeout_ms = e->timeout_ms,
	                   .connect_timeout_ms = e->timeout_ms < 10000 ? e->timeout_ms : 10000,
	                   .retries = e->retries,
	                   .max_reply = MAX_REPLY,
	                   .log = e->log};
	double t0 = ra_now();
	json_error_t err;
	ra_buf reply;
	int rc;

	json_decref(body);
	ra_buf_init(&reply, MAX_REPLY);
	if (!payload || !vecs) {
		rc = ra_error_oom();
		goto out;
	}
	rc = ra_http_post(&ho, payload, strlen(payload), on_data, &reply, cancel);
	ra_log(e->log, RA_LOG_DEBUG, "embed: POST %s (%zu texts): %s, %.0f ms", e->endpoint, n,
	       rc ? ra_error_name(rc) : "ok", (ra_now() - t0) * 1000);
	if (rc)
		goto out;
	root = json_loadb(reply.data ? reply.data : "", reply.len, 0, &err);
	if (!root) {
		rc = ra_error_set(RA_EINVAL, "%s: reply is not JSON: %s", e->endpoint, err.text);
		goto out;
	}
	rc = reply_vectors(e, root, n, vecs);
	/* the dimension first (it may be learnt from this reply), then the values */
	for (size_t i = 0; !rc && i < n; i++)
		rc = read_vector(e, vecs[i], NULL);
	for (size_t i = 0; !rc && i < n; i++)
		rc = read_vector(e, vecs[i], out + i * (size_t)e->dim);
out:
	json_decref(root);
	free(payload);
	ra_free(vecs);
	ra_buf_free(&reply);
	return rc;
}

int ra_embed(ra_embedder *e, const char *const *texts, size_t n, float *out, volatile int *cancel)
{
	if (e->prov == P_BUILTIN) {
		for (size_t i = 0; i < n; i++) {
			if ((i & 255) == 0 && cancelled(cancel))
				return ra_error_set(RA_ECANCELLED, "embedding cancelled");
			builtin_one(e, texts[i] ? texts[i] : "", out + i * (size_t)e->dim);
		}
		return RA_OK;
	}
	if (e->dim == 0)
		return ra_error_set(RA_EINVAL,
		                    "embedder: dimension unknown (ra_embedder_probe first)");
	for (size_t i = 0; i < n; i += (size_t)e->batch) {
		size_t m = n - i < (size_t)e->batch ? n - i : (size_t)e->batch;
		int rc = http_batch(e, texts + i, m, out + i * (size_t)e->dim, cancel);

		if (rc)
			return rc;
	}
	return RA_OK;
}

int ra_embedder_probe(ra_embedder *e, volatile int *cancel)
{
	static const char *const probe[] = {"module probe; endmodule"};

	if (e->dim)
		return RA_OK;
	return http_batch(e, probe, 1, NULL, cancel);
}

/*
 * handlers_inline.c - completion by the language model: `textDocument/inlineCompletion` (LSP
 * 3.18) and the model's suggestion as an item of `textDocument/completion`.
 *
 * Design: an inline request assembles the prompt at once (retriever/context.h: windows around
 * the cursor, the instantiated unit's ports, declarations, imports, similar code) and looks its
 * digest up in a small cache of generations. A hit answers at once. A miss starts a model job
 * (gen_job.c) tagged "inline:<uri>" — a newer request for the same document cancels the older
 * one, and the job waits `complete.debounce_ms` first (not for an explicit invocation), so fast
 * typing never reaches the model. When the model ends, the text is post-processed
 * (retriever/postproc.h) against the buffer as it was, cached, and sent.
 *
 * Ordinary completion never waits for a model: the list carries the suggestion of a finished
 * generation for this exact document version and offset, and is marked incomplete while one
 * is still running there, so the client asks again. Where nothing was asked yet, it starts a
 * background generation (debounced like typing), so that editors without inline completion
 * (Neovim 0.7, eglot) get the model's suggestion too, on their next request at that position.
 *
 * Everything here runs on the main thread; the cache lives in s->inline_cache.
 */
#define _GNU_SOURCE
#include "lsp/complete.h"
#include "lsp/lsp_internal.h"
#include "retriever/context.h"
#include "retriever/postproc.h"

#include <ctype.h>
#include <string.h>

#define CACHE_SIZE 32
#define DEFAULT_DEBOUNCE_MS 150
#define DEFAULT_CONTEXT_TOKENS 1024

typedef struct entry {
	char key[33]; /* the prompt's digest (ra_context_key); "" when free */
	char *uri;    /* where it was asked, for ordinary completion */
	int64_t version;
	size_t off;
	ra_lang lang;
	char *before, *after; /* the buffer around the cursor, until the text is post-processed */
	size_t nbefore, nafter;
	char *text; /* post-processed suggestion once done */
	size_t ntext;
	bool done;
	uint64_t used;
} entry;

typedef struct lsp_inline_cache {
	entry e[CACHE_SIZE];
	uint64_t tick;
} lsp_inline_cache;

static void entry_clear(entry *e)
{
	ra_free(e->uri);
	ra_free(e->before);
	ra_free(e->after);
	ra_free(e->text);
	memset(e, 0, sizeof(*e));
}

void lsp_inline_free(lsp_server *s)
{
	lsp_inline_cache *c = s->inline_cache;

	if (!c)
		return;
	for (size_t i = 0; i < CACHE_SIZE; i++)
		entry_clear(&c->e[i]);
	ra_free(c);
	s->inline_cache = NULL;
}

static lsp_inline_cache *cache(lsp_server *s)
{
	if (!s->inline_cache)
		s->inline_cache = ra_calloc(1, sizeof(lsp_inline_cache));
	return s->inline_cache;
}

static entry *lookup(lsp_server *s, const char *key)
{
	lsp_inline_cache *c = cache(s);

	for (size_t i = 0; c && i < CACHE_SIZE; i++)
		if (c->e[i].key[0] && !strcmp(c->e[i].key, key)) {
			c->e[i].used = ++c->tick;
			return &c->e[i];
		}
	return NULL;
}

/* a free slot, else the least recently used one, cleared */
static entry *slot(lsp_server *s)
{
	lsp_inline_cache *c = cache(s);
	entry *best = NULL;

	for (size_t i = 0; c && i < CACHE_SIZE; i++)
		if (!best || c->e[i].used < best->used)
			best = &c->e[i];
	if (best) {
		entry_clear(best);
		best->used = ++c->tick;
	}
	return best;
}

/* the reply: one item inserting `text` at the position, or none */
static json_t *items_of(const char *text, size_t n, json_t *position)
{
	json_t *items = json_array(), *t = n ? json_stringn(text, n) : NULL;

	if (t)
		json_array_append_new(items,
		                      json_pack("{s:o, s:{s:O, s:O}}", "insertText", t, "range",
		                                "start", position, "end", position));
	return json_pack("{s:o}", "items", items);
}

static void postprocess(entry *e, const char *text, size_t len)
{
	ra_postproc_opts po = {.prefix = e->before,
	                       .prefix_len = e->nbefore,
	                       .suffix = e->after,
	                       .suffix_len = e->nafter,
	                       .lang = e->lang};

	if (ra_postproc_apply(&e->text, &e->ntext, text, len, &po) == RA_OK)
		e->done = true;
	ra_free(e->before);
	ra_free(e->after);
	e->before = e->after = NULL;
}

static int finish(lsp_server *s, json_t *ctx, const char *text, size_t len, int code,
                  const char *err, json_t **result, const char **msg)
{
	const char *key = json_string_value(json_object_get(ctx, "key"));
	json_t *position = json_object_get(ctx, "position");
	entry *e = key ? lookup(s, key) : NULL;

	if (code == RA_ECANCELLED) {
		/* superseded by a newer request: the editor has moved on */
		if (e && !e->done)
			entry_clear(e);
		*result = items_of(NULL, 0, position);
		return 0;
	}
	if (code) {
		if (e && !e->done)
			entry_clear(e);
		*msg = ra_arena_printf(s->arena, "completion model: %s",
		                       err && *err ? err : ra_error_name(code));
		return RA_RPC_REQUEST_FAILED;
	}
	if (e && !e->done)
		postprocess(e, text, len);
	*result =
	        e && e->done ? items_of(e->text, e->ntext, position) : items_of(NULL, 0, position);
	return 0;
}

/*
 * The model's suggestion at `off` of `d`: from the cache, or by starting a generation. A request
 * (background false) gets *r now or LSP_DEFERRED; a background generation only fills the cache
 * for ordinary completion (returns 0, *r untouched).
 */
static int suggest(lsp_server *s, lsp_doc *d, size_t off, int delay_ms, json_t *position,
                   json_t *token, bool background, json_t **r, const char **msg)
{
	const ra_generator *g = s->ws.complete;
	ra_cc cc;
	ra_context ctx;
	ra_context_opts co = {0};
	char key[33];
	entry *e;
	lsp_gen_spec spec = {0};
	int budget = s->ws.complete_context_tokens, code;

	ra_complete_context(&cc, d->text.data, d->text.len, off, d->lang == RA_LANG_VHDL);
	co.path = d->rel;
	co.text = d->text.data ? d->text.data : "";
	co.len = d->text.len;
	co.cursor = off;
	co.lang = d->lang;
	co.model = d->model;
	co.unit_hint = (cc.kind == RA_CC_PORTS || cc.kind == RA_CC_PARAMS) && cc.target[0]
	                       ? cc.target
	                       : NULL;
	if (budget < 0) {
		co.context_max = -1;
		budget = DEFAULT_CONTEXT_TOKENS;
	} else {
		budget = budget ? budget : DEFAULT_CONTEXT_TOKENS;
		co.context_max = budget;
	}
	/* the windows take 60% of the prompt, the repository context the rest */
	co.budget = budget * 5 / 2;
	if (co.budget > RA_CONTEXT_MAX_BUDGET)
		co.budget = RA_CONTEXT_MAX_BUDGET;
	if (co.budget < RA_CONTEXT_MIN_BUDGET)
		co.budget = RA_CONTEXT_MIN_BUDGET;
	if (ra_context_build(&ctx, lsp_store(s), &co) != RA_OK) {
		*msg = ra_arena_printf(s->arena, "cannot assemble the prompt: %s", ra_error_last());
		return RA_RPC_INTERNAL_ERROR;
	}
	ra_context_key(key, &ctx.req);
	lsp_log(s, RA_LOG_DEBUG,
	        "model completion %s@%zu: %zu context excerpts, %d+%d+%d tokens, assembled in"
	        " %.1f ms (similar code %.1f ms, %d chunks scored)",
	        d->rel, off, ctx.nitems, ctx.prefix_tokens, ctx.suffix_tokens, ctx.context_tokens,
	        ctx.stats.t_total * 1e3, ctx.stats.t_similar * 1e3, ctx.stats.similar_rows);
	e = lookup(s, key);
	if (e && (e->done || background)) { /* done, or a generation runs for this prompt */
		ra_context_free(&ctx);
		if (!background)
			*r = items_of(e->done ? e->text : NULL, e->done ? e->ntext : 0, position);
		return 0;
	}
	if (!e && (e = slot(s)) != NULL) {
		memcpy(e->key, key, sizeof(key));
		e->uri = ra_strdup(d->uri);
		e->version = d->open ? d->version : -1;
		e->off = off;
		e->lang = d->lang;
		e->nbefore = off;
		e->nafter = d->text.len - off;
		e->before = ra_malloc(e->nbefore + 1);
		e->after = ra_malloc(e->nafter + 1);
		if (!e->uri || !e->before || !e->after) {
			entry_clear(e);
			ra_context_free(&ctx);
			*msg = "out of memory";
			return RA_RPC_INTERNAL_ERROR;
		}
		memcpy(e->before, d->text.data, e->nbefore);
		memcpy(e->after, d->text.data + off, e->nafter);
	}
	spec.g = g;
	spec.req = &ctx.req;
	spec.tag = ra_arena_printf(s->arena, "inline:%s", d->uri);
	spec.delay_ms = delay_ms;
	spec.progress_token = token;
	spec.finish = finish;
	spec.background = background;
	spec.ctx =
	        json_pack("{s:s, s:O}", "key", key, "position", position ? position : json_null());
	code = lsp_gen_start(s, &spec, msg);
	ra_context_free(&ctx);
	if (code != LSP_DEFERRED && code != 0 && e && !e->done)
		entry_clear(e);
	return code;
}

static int debounce_ms(lsp_server *s)
{
	return s->ws.complete_debounce_ms > 0 ? s->ws.complete_debounce_ms : DEFAULT_DEBOUNCE_MS;
}

int lsp_h_inline_completion(lsp_server *s, json_t *p, json_t **r, const char **msg)
{
	lsp_doc *d;
	size_t off;
	uint32_t line, col;
	json_t *position = json_object_get(p, "position"), *trigger;
	int code;

	if ((code = lsp_doc_for(s, p, &d, msg)) ||
	    (code = lsp_position(s, d, p, &off, &line, &col, msg)))
		return code;
	if (!s->ws.complete) { /* no model configured: nothing is ever sent */
		*r = items_of(NULL, 0, position);
		return 0;
	}
	/* typing (automatic, 2) waits out the debounce; an explicit invocation (1) does not */
	trigger = json_object_get(json_object_get(p, "context"), "triggerKind");
	return suggest(s, d, off, json_integer_value(trigger) == 1 ? 0 : debounce_ms(s), position,
	               json_object_get(p, "partialResultToken"), false, r, msg);
}

void lsp_inline_add_item(lsp_server *s, lsp_doc *d, size_t off, uint32_t line, uint32_t bcol,
                         json_t *items, bool *incomplete)
{
	lsp_inline_cache *c = s->inline_cache;
	const char *t = d->text.data, *model, *msg = NULL;
	size_t k = off;
	bool known = false;

	if (!s->ws.complete || !d->open || !t)
		return;
	for (size_t i = 0; c && i < CACHE_SIZE && !known; i++)
		known = c->e[i].key[0] && c->e[i].off == off && c->e[i].version == d->version &&
		        !strcmp(c->e[i].uri, d->uri);
	if (!known) {
		/* nothing asked here yet: a generation in the background (debounced, superseding the
		   document's older one), whose suggestion the client's next request here shows */
		if (suggest(s, d, off, debounce_ms(s), NULL, NULL, true, NULL, &msg) != 0)
			lsp_log(s, RA_LOG_DEBUG, "model completion not started: %s",
			        msg ? msg : "?");
		*incomplete = true;
		c = s->inline_cache;
	}
	if (!c)
		return;
	model = s->ws.complete->describe ? s->ws.complete->describe(s->ws.complete) : NULL;
	/* the word being typed: the item replaces it, and the client filters by it */
	while (k > 0 && off - k < bcol && (isalnum((unsigned char)t[k - 1]) || t[k - 1] == '_'))
		k--;
	for (size_t i = 0; i < CACHE_SIZE; i++) {
		entry *e = &c->e[i];
		const char *nl;
		json_t *item;
		ra_span sp = {line, bcol - (uint32_t)(off - k), line, bcol};

		if (!e->key[0] || e->off != off || e->version != d->version ||
		    strcmp(e->uri, d->uri))
			continue;
		if (!e->done) {
			*incomplete = true; /* a generation runs here: the client asks again */
			continue;
		}
		if (!e->ntext)
			continue;
		nl = memchr(e->text, '\n', e->ntext);
		item = json_pack(
		        "{s:s%, s:i, s:s, s:s, s:s%+%, s:{s:s%+%, s:o}}", "label", e->text,
		        nl ? (size_t)(nl - e->text) : e->ntext, "kind", 1, "detail",
		        ra_arena_printf(s->arena, "model: %s", model ? model : "completion"),
		        "sortText", "!", "filterText", t + k, off - k, e->text,
		        nl ? (size_t)(nl - e->text) : e->ntext, "textEdit", "newText", t + k,
		        off - k, e->text, e->ntext, "range", lsp_range(s, d->rel, sp));
		if (item) /* NULL for text that is not UTF-8 */
			json_array_append_new(items, item);
	}
}

/*
 * handlers_symbols.c - documentSymbol (hierarchical, from the document's model), workspace/symbol
 * (fuzzy over a table of the workspace's units, subprograms, types, macros and package
 * constants, rebuilt after every index run), call hierarchy over instantiation (incoming: where
 * a unit is instantiated; outgoing: what it instantiates), and diagnostics.
 */
#define _GNU_SOURCE
#include "lsp/lsp_internal.h"

#include <ctype.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* LSP SymbolKind of a model kind */
static int symbol_kind(const char *kind)
{
	static const struct {
		const char *kind;
		int lsp;
	} map[] = {
	        {"module", 2},       {"interface", 11},   {"program", 2},
	        {"package", 4},      {"class", 5},        {"checker", 2},
	        {"primitive", 2},    {"config", 2},       {"entity", 2},
	        {"architecture", 5}, {"package_body", 4}, {"configuration", 2},
	        {"context", 3},      {"port", 7},         {"parameter", 14},
	        {"localparam", 14},  {"net", 13},         {"variable", 13},
	        {"typedef", 26},     {"enum_member", 22}, {"struct_member", 8},
	        {"function", 12},    {"task", 12},        {"instance", 19},
	        {"generate", 3},     {"modport", 11},     {"macro", 14},
	        {"component", 11},   {"process", 24},     {"alias", 13},
	        {"attribute", 7},    {"file", 13},        {"clocking", 24},
	        {"block", 3},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (lsp_kind_is(kind, map[i].kind))
			return map[i].lsp;
	return 13;
}

static bool span_before(ra_span a, ra_span b)
{
	return a.line < b.line || (a.line == b.line && a.col <= b.col);
}

/* one symbol's object up to its children: {"name","kind","range","selectionRange","detail"} */
static int put_symbol(lsp_server *s, ra_buf *b, const lsp_cols *cols, const ra_sym *y,
                      const char *name)
{
	const char *kind = ra_model_kind_name(y->kind);
	const char *detail = y->dir && y->type ? ra_arena_printf(s->arena, "%s %s", y->dir, y->type)
	                     : y->type         ? y->type
	                                       : kind;
	ra_span range = y->span, sel = y->name_span;
	size_t before;
	int rc;

	if (!detail)
		return RA_ENOMEM;
	/* the name must lie inside the range */
	if (!span_before(range, sel) ||
	    !span_before((ra_span){sel.end_line, sel.end_col, 0, 0},
	                 (ra_span){range.end_line, range.end_col, 0, 0}))
		sel = (ra_span){range.line, range.col, range.line, range.col};
	rc = ra_buf_puts(b, "{\"name\":");
	rc = rc ? rc : lsp_put_str(b, name);
	rc = rc ? rc : ra_buf_puts(b, ",\"kind\":");
	rc = rc ? rc : lsp_put_u32(b, (uint32_t)symbol_kind(kind));
	rc = rc ? rc : ra_buf_puts(b, ",\"range\":");
	rc = rc ? rc : lsp_put_range(b, cols, range);
	rc = rc ? rc : ra_buf_puts(b, ",\"selectionRange\":");
	rc = rc ? rc : lsp_put_range(b, cols, sel);
	if (rc)
		return rc;
	before = b->len;
	rc = ra_buf_puts(b, ",\"detail\":");
	rc = rc ? rc : lsp_put_str(b, detail);
	if (rc == RA_EINVAL) { /* not UTF-8: no detail, as jansson had it */
		b->len = before;
		b->data[before] = '\0';
		rc = 0;
	}
	return rc;
}

/*
 * The document's symbols as a tree of DocumentSymbol, written as JSON text (OpenTitan's
 * 42,000-line pinmux_reg_top.sv: 5,400 symbols, a reply of 1.3 MB; as a jansson tree they cost
 * 75 ms to build, dump and free, against 5 ms written straight). A symbol hangs under its parent
 * when the parent comes before it, else at the top. A name that is not UTF-8 leaves its symbol
 * out (its children go to the top; its parent keeps a "children" member, maybe empty), and a
 * detail that is not UTF-8 is left out: what the jansson reply did.
 */
int lsp_h_document_symbol(lsp_server *s, json_t *p, json_t **r, const char **msg)
{
	lsp_doc *d;
	const ra_model *m;
	const char **names;
	int32_t *first, *next, *last, *stack;
	bool *kids;
	size_t n, top = 0;
	int32_t roots = -1, roots_last = -1;
	lsp_cols cols;
	ra_buf b;
	int rc, code = lsp_doc_for(s, p, &d, msg);

	if (code)
		return code;
	m = d->model;
	n = m->nsyms ? m->nsyms : 1;
	names = ra_arena_calloc(s->arena, n * sizeof(*names));
	first = ra_arena_alloc(s->arena, n * sizeof(*first));
	next = ra_arena_alloc(s->arena, n * sizeof(*next));
	last = ra_arena_alloc(s->arena, n * sizeof(*last));
	stack = ra_arena_alloc(s->arena, n * sizeof(*stack));
	kids = ra_arena_calloc(s->arena, n * sizeof(*kids));
	if (!names || !first || !next || !last || !stack || !kids)
		goto oom;
	/* the tree: children lists in declaration order */
	for (size_t i = 0; i < m->nsyms; i++) {
		const ra_sym *y = &m->syms[i];
		const char *name = y->name && *y->name   ? y->name
		                   : y->type && *y->type ? y->type
		                                         : ra_model_kind_name(y->kind);
		int32_t *head, *tail;

		names[i] = lsp_is_utf8(name) ? name : NULL;
		first[i] = last[i] = next[i] = -1;
		if (y->parent >= 0 && (size_t)y->parent < i && names[y->parent]) {
			kids[y->parent] = true;
			head = &first[y->parent];
			tail = &last[y->parent];
		} else {
			head = &roots;
			tail = &roots_last;
		}
		if (!names[i])
			continue;
		if (*tail < 0)
			*head = (int32_t)i;
		else
			next[*tail] = (int32_t)i;
		*tail = (int32_t)i;
	}
	lsp_cols_of(s, d->rel, &cols);
	ra_buf_init(&b, 0);
	/* depth first without recursion: the stack holds the symbols whose objects are open */
	rc = ra_buf_putc(&b, '[');
	for (int32_t i = roots; !rc;) {
		if (i >= 0) {
			rc = put_symbol(s, &b, &cols, &m->syms[i], names[i]);
			if (rc)
				break;
			if (kids[i]) {
				rc = ra_buf_puts(&b, ",\"children\":[");
				stack[top++] = i;
				i = first[i];
				continue;
			}
			rc = ra_buf_putc(&b, '}');
			i = next[i];
			rc = rc ? rc : i >= 0 ? ra_buf_putc(&b, ',') : 0;
			continue;
		}
		if (!top)
			break;
		i = stack[--top];
		rc = ra_buf_puts(&b, "]}");
		i = next[i];
		rc = rc ? rc : i >= 0 ? ra_buf_putc(&b, ',') : 0;
	}
	rc = rc ? rc : ra_buf_putc(&b, ']');
	if (rc) {
		ra_buf_free(&b);
		goto oom;
	}
	lsp_result_text(s, &b);
	*r = NULL;
	return 0;
oom:
	*msg = "out of memory";
	return RA_RPC_INTERNAL_ERROR;
}

/* ---- workspace/symbol --------------------------------------------------------------------- */

void lsp_wsyms_invalidate(lsp_server *s)
{
	s->wsyms_stale = true;
}

void lsp_wsyms_free(lsp_server *s)
{
	s->wsyms_valid = s->wsyms_stale = false;
	ra_free(s->wsyms);
	s->wsyms = NULL;
	s->nwsyms = 0;
	ra_free(s->wsym_files);
	s->wsym_files = NULL;
	s->nwsym_files = 0;
	s->wsym_garbage = 0;
	if (s->wsym_arena)
		ra_arena_reset(s->wsym_arena);
}

#define WSYM_COLS                                                                                  \
	"SELECT s.name, s.kind, f.path, f.lang, s.line, s.col, s.end_line, s.end_col, u.name,"     \
	" s.file_id FROM symbols s JOIN files f ON f.id = s.file_id LEFT JOIN symbols u ON"        \
	" u.id = s.unit_id WHERE "
#define WSYM_WHERE                                                                                 \
	"(s.unit_id = s.id OR s.kind IN ('function', 'task', 'typedef', 'macro', 'component') OR"  \
	" (s.kind IN ('parameter', 'localparam', 'enum_member') AND u.kind = 'package'))"
static const char SQL_WSYMS[] = WSYM_COLS WSYM_WHERE;
static const char SQL_WSYMS_FILE[] = WSYM_COLS "s.file_id = ?1 AND " WSYM_WHERE;
static const char SQL_WSYM_FILES[] = "SELECT id, blob FROM files ORDER BY id";

/* appends the rows of a statement; false on OOM */
static bool wsyms_collect(lsp_server *s, struct sqlite3_stmt *st, size_t *cap)
{
	bool ok = true;

	while (sqlite3_step(st) == SQLITE_ROW) {
		lsp_wsym *w;

		if (ra_grow((void **)&s->wsyms, cap, s->nwsyms + 1, sizeof(*s->wsyms))) {
			ok = false;
			break;
		}
		w = &s->wsyms[s->nwsyms++];
		w->name = ra_arena_strdup(s->wsym_arena, (const char *)sqlite3_column_text(st, 0));
		w->kind = ra_arena_strdup(s->wsym_arena, (const char *)sqlite3_column_text(st, 1));
		w->rel = ra_arena_strdup(s->wsym_arena, (const char *)sqlite3_column_text(st, 2));
		w->lang = (ra_lang)sqlite3_column_int(st, 3);
		w->span = (ra_span){
		        (uint32_t)sqlite3_column_int(st, 4), (uint32_t)sqlite3_column_int(st, 5),
		        (uint32_t)sqlite3_column_int(st, 6), (uint32_t)sqlite3_column_int(st, 7)};
		w->container = sqlite3_column_text(st, 8)
		                       ? ra_arena_strdup(s->wsym_arena,
		                                         (const char *)sqlite3_column_text(st, 8))
		                       : NULL;
		w->file_id = sqlite3_column_int64(st, 9);
		if (!w->name || !w->kind || !w->rel)
			s->nwsyms--;
	}
	sqlite3_reset(st);
	return ok;
}

/* the files and their content hashes now; NULL on failure */
static lsp_wsym_file *wsym_files_now(lsp_server *s, size_t *n)
{
	struct sqlite3_stmt *st = lsp_stmt_get(s, SQL_WSYM_FILES);
	lsp_wsym_file *v = NULL;
	size_t cap = 0;

	*n = 0;
	if (!st)
		return NULL;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (ra_grow((void **)&v, &cap, *n + 1, sizeof(*v))) {
			ra_free(v);
			v = NULL;
			break;
		}
		v[*n].id = sqlite3_column_int64(st, 0);
		snprintf(v[*n].blob, sizeof(v[*n].blob), "%s",
		         sqlite3_column_text(st, 1) ? (const char *)sqlite3_column_text(st, 1)
		                                    : "");
		(*n)++;
	}
	sqlite3_reset(st);
	return v;
}

static void wsyms_build(lsp_server *s)
{
	struct sqlite3_stmt *st = lsp_stmt_get(s, SQL_WSYMS);
	size_t cap = 0;

	lsp_wsyms_free(s);
	if (!s->wsym_arena)
		s->wsym_arena = ra_arena_new(0);
	if (!st || !s->wsym_arena)
		return;
	/* the request's read snapshot makes the two reads agree */
	s->wsym_files = wsym_files_now(s, &s->nwsym_files);
	if (!wsyms_collect(s, st, &cap)) {
		lsp_wsyms_free(s);
		return;
	}
	s->wsyms_valid = true;
}

static int id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/*
 * After an index run: only the files whose content hash changed (or that came or went) are
 * read again. A full build reads every symbol of the workspace (95 ms on OpenTitan), which made
 * the first workspace/symbol after every save that slow.
 */
static void wsyms_refresh(lsp_server *s)
{
	size_t n = 0, nch = 0, i = 0, j = 0, k = 0, cap = s->nwsyms;
	lsp_wsym_file *now = wsym_files_now(s, &n);
	int64_t *changed = ra_malloc((n + s->nwsym_files + 1) * sizeof(*changed));
	bool ok = true;

	s->wsyms_stale = false;
	if (!now || !changed)
		goto rebuild;
	while (i < n || j < s->nwsym_files) { /* both by id */
		if (j == s->nwsym_files || (i < n && now[i].id < s->wsym_files[j].id)) {
			changed[nch++] = now[i++].id;
		} else if (i == n || s->wsym_files[j].id < now[i].id) {
			changed[nch++] = s->wsym_files[j++].id;
		} else {
			if (strcmp(now[i].blob, s->wsym_files[j].blob) != 0)
				changed[nch++] = now[i].id;
			i++;
			j++;
		}
	}
	if (nch > 256 || s->wsym_garbage + nch > 4096)
		goto rebuild; /* a branch switch, or too many dead strings in the arena */
	qsort(changed, nch, sizeof(*changed), id_cmp);
	for (size_t w = 0; w < s->nwsyms; w++)
		if (!bsearch(&s->wsyms[w].file_id, changed, nch, sizeof(*changed), id_cmp))
			s->wsyms[k++] = s->wsyms[w];
	s->nwsyms = k;
	for (size_t c = 0; c < nch && ok; c++) {
		struct sqlite3_stmt *st = lsp_stmt_get(s, SQL_WSYMS_FILE);

		if (!st) {
			ok = false;
			break;
		}
		sqlite3_bind_int64(st, 1, changed[c]);
		ok = wsyms_collect(s, st, &cap);
	}
	if (!ok)
		goto rebuild;
	ra_free(s->wsym_files);
	s->wsym_files = now;
	s->nwsym_files = n;
	s->wsym_garbage += nch;
	ra_free(changed);
	return;
rebuild:
	ra_free(now);
	ra_free(changed);
	wsyms_build(s);
}

/* fuzzy score of query against name (case-insensitive subsequence); 0 when no match */
static int fuzzy(const char *q, const char *name)
{
	size_t nq = strlen(q), nn = strlen(name), qi = 0, gaps = 0, last = 0;
	int score;

	if (!nq)
		return 1;
	if (!strcasecmp(q, name))
		return 10000;
	if (!strncasecmp(q, name, nq))
		return 5000 - (int)(nn - nq);
	if (strcasestr(name, q))
		return 3000 - (int)(nn - nq);
	for (size_t i = 0; i < nn && qi < nq; i++)
		if (tolower((unsigned char)name[i]) == tolower((unsigned char)q[qi])) {
			if (qi && i > last + 1)
				gaps++;
			last = i;
			qi++;
		}
	if (qi < nq)
		return 0;
	score = 1000 - (int)gaps * 50 - (int)(nn - nq);
	return score > 1 ? score : 1;
}

typedef struct scored {
	const lsp_wsym *w;
	int score;
} scored;

static int scored_cmp(const void *a, const void *b)
{
	const scored *x = a, *y = b;
	int c;

	if (x->score != y->score)
		return y->score - x->score;
	c = strcmp(x->w->name, y->w->name);
	if (!c)
		c = strcmp(x->w->rel, y->w->rel);
	return c ? c : (x->w > y->w) - (x->w < y->w); /* then table order */
}

/* sifts heap[i] down a heap whose root is the worst of the kept hits */
static void worst_down(scored *heap, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		scored t;

		if (l < n && scored_cmp(&heap[l], &heap[m]) > 0)
			m = l;
		if (r < n && scored_cmp(&heap[r], &heap[m]) > 0)
			m = r;
		if (m == i)
			return;
		t = heap[i];
		heap[i] = heap[m];
		heap[m] = t;
		i = m;
	}
}

#define WSYM_MAX 100

int lsp_h_workspace_symbol(lsp_server *s, json_t *p, json_t **r, const char **msg)
{
	json_t *jq = json_object_get(p, "query");
	const char *q = json_is_string(jq) ? json_string_value(jq) : "";
	scored *hits;
	size_t n = 0;
	json_t *out = json_array();

	(void)msg;
	if (strlen(q) > 256) {
		*msg = "query over 256 bytes";
		json_decref(out);
		return RA_RPC_INVALID_PARAMS;
	}
	if (!s->wsyms_valid)
		wsyms_build(s);
	else if (s->wsyms_stale)
		wsyms_refresh(s);
	/* the best WSYM_MAX only: a heap of them rather than sorting every match (all 200,000
	   names match a one-letter query on OpenTitan: sorting them cost 10-20 ms) */
	hits = ra_malloc(WSYM_MAX * sizeof(*hits));
	if (!hits) {
		*r = out;
		return 0;
	}
	for (size_t i = 0; i < s->nwsyms; i++) {
		scored h = {&s->wsyms[i], fuzzy(q, s->wsyms[i].name)};

		if (h.score <= 0)
			continue;
		if (n < WSYM_MAX) {
			hits[n++] = h;
			for (size_t k = n - 1;
			     k > 0 && scored_cmp(&hits[k], &hits[(k - 1) / 2]) > 0;
			     k = (k - 1) / 2) {
				scored t = hits[k];

				hits[k] = hits[(k - 1) / 2];
				hits[(k - 1) / 2] = t;
			}
		} else if (scored_cmp(&h, &hits[0]) < 0) {
			hits[0] = h;
			worst_down(hits, n, 0);
		}
	}
	qsort(hits, n, sizeof(*hits), scored_cmp);
	for (size_t i = 0; i < n && i < WSYM_MAX; i++) {
		const lsp_wsym *w = hits[i].w;
		json_t *o =
		        json_pack("{s:s, s:i, s:o}", "name", w->name, "kind", symbol_kind(w->kind),
		                  "location", lsp_location(s, w->rel, w->span));

		if (w->container && strcmp(w->container, w->name) != 0)
			json_object_set_new(o, "containerName", json_string(w->container));
		json_array_append_new(out, o);
	}
	ra_free(hits);
	*r = out;
	return 0;
}

/* ---- call hierarchy ----------------------------------------------------------------------- */

/*
 * Call hierarchy replies are written as JSON text (the 7,700 instances of prim_subreg make 600 KB
 * of incoming calls). An item whose name or detail is not UTF-8 is left out with its group, as
 * the jansson reply did.
 */

/* a CallHierarchyItem; RA_EINVAL (nothing written) when its name or detail is not UTF-8 */
static int put_call_item(lsp_server *s, lsp_locw *w, ra_buf *b, const lsym *u)
{
	const char *detail = ra_arena_printf(s->arena, "%s in %s", u->kind, u->rel);
	const lsp_cols *c;
	int rc;

	if (!detail || !(c = lsp_locw_cols(s, w, u->rel)))
		return RA_ENOMEM;
	if (!u->name || !lsp_is_utf8(u->name) || !lsp_is_utf8(detail))
		return RA_EINVAL;
	rc = ra_buf_puts(b, "{\"name\":");
	rc = rc ? rc : lsp_put_str(b, u->name);
	rc = rc ? rc : ra_buf_puts(b, ",\"kind\":");
	rc = rc ? rc : lsp_put_u32(b, (uint32_t)symbol_kind(u->kind));
	rc = rc ? rc : ra_buf_puts(b, ",\"detail\":");
	rc = rc ? rc : lsp_put_str(b, detail);
	rc = rc ? rc : ra_buf_puts(b, ",\"uri\":\"");
	rc = rc ? rc : ra_buf_puts(b, w->uri);
	rc = rc ? rc : ra_buf_puts(b, "\",\"range\":");
	rc = rc ? rc : lsp_put_range(b, c, u->span);
	rc = rc ? rc : ra_buf_puts(b, ",\"selectionRange\":");
	rc = rc ? rc : lsp_put_range(b, c, u->name_span);
	rc = rc ? rc : ra_buf_puts(b, ",\"data\":{\"name\":");
	rc = rc ? rc : lsp_put_str(b, u->name);
	rc = rc ? rc : ra_buf_puts(b, ",\"lang\":");
	rc = rc ? rc : lsp_put_int(b, (int)u->lang);
	return rc ? rc : ra_buf_puts(b, "}}");
}

/* incoming or outgoing calls: groups (an item and the ranges of its calls) in the order of
 * their first call */
typedef struct call_ref {
	size_t group;
	const char *rel;
	ra_span sp;
} call_ref;

typedef struct call_groups {
	json_t *map; /* key -> group index (keys need not be UTF-8: set without the check) */
	lsym *items;
	size_t n, cap;
	call_ref *refs;
	size_t nrefs, refs_cap;
} call_groups;

/* a call at (rel, sp) in group `key`, whose item is `item` (used when the group is new) */
static int calls_add(call_groups *cg, const char *key, const lsym *item, const char *rel,
                     ra_span sp)
{
	json_t *hit = json_object_get(cg->map, key);
	size_t g;

	if (hit) {
		g = (size_t)json_integer_value(hit);
	} else {
		if (ra_grow((void **)&cg->items, &cg->cap, cg->n + 1, sizeof(*cg->items)) ||
		    json_object_set_new_nocheck(cg->map, key, json_integer((json_int_t)cg->n)))
			return RA_ENOMEM;
		g = cg->n;
		cg->items[cg->n++] = *item;
	}
	if (ra_grow((void **)&cg->refs, &cg->refs_cap, cg->nrefs + 1, sizeof(*cg->refs)))
		return RA_ENOMEM;
	cg->refs[cg->nrefs++] = (call_ref){g, rel, sp};
	return 0;
}

/* [{"from"|"to": item, "fromRanges": [range]}] into `b` */
static int calls_text(lsp_server *s, call_groups *cg, const char *member, ra_buf *b)
{
	size_t *start = ra_arena_calloc(s->arena, (cg->n + 1) * sizeof(*start));
	size_t *order = ra_arena_alloc(s->arena, (cg->nrefs ? cg->nrefs : 1) * sizeof(*order));
	lsp_locw w = {0};
	bool any = false;
	int rc;

	if (!start || !order)
		return RA_ENOMEM;
	/* the calls by group, in their order within it */
	for (size_t i = 0; i < cg->nrefs; i++)
		start[cg->refs[i].group + 1]++;
	for (size_t g = 0; g < cg->n; g++)
		start[g + 1] += start[g];
	for (size_t i = 0; i < cg->nrefs; i++)
		order[start[cg->refs[i].group]++] = i;
	for (size_t g = cg->n; g > 0; g--)
		start[g] = start[g - 1];
	start[0] = 0;
	rc = ra_buf_putc(b, '[');
	for (size_t g = 0; !rc && g < cg->n; g++) {
		size_t at = b->len;

		rc = ra_buf_printf(b, "%s{\"%s\":", any ? "," : "", member);
		rc = rc ? rc : put_call_item(s, &w, b, &cg->items[g]);
		if (rc == RA_EINVAL) {
			b->len = at;
			b->data[at] = '\0';
			rc = 0;
			continue;
		}
		any = true;
		rc = rc ? rc : ra_buf_puts(b, ",\"fromRanges\":[");
		for (size_t k = start[g]; !rc && k < start[g + 1]; k++) {
			const call_ref *cr = &cg->refs[order[k]];
			const lsp_cols *c = lsp_locw_cols(s, &w, cr->rel);

			rc = c ? 0 : RA_ENOMEM;
			rc = rc ? rc : k > start[g] ? ra_buf_putc(b, ',') : 0;
			rc = rc ? rc : lsp_put_range(b, c, cr->sp);
		}
		rc = rc ? rc : ra_buf_puts(b, "]}");
	}
	return rc ? rc : ra_buf_putc(b, ']');
}

/* hands the groups to the reply as text; 0, or an RPC error with *msg */
static int calls_reply(lsp_server *s, call_groups *cg, const char *member, json_t **r,
                       const char **msg)
{
	ra_buf b;
	int rc;

	ra_buf_init(&b, 0);
	rc = cg->map ? calls_text(s, cg, member, &b) : RA_ENOMEM;
	json_decref(cg->map);
	ra_free(cg->items);
	ra_free(cg->refs);
	if (rc) {
		ra_buf_free(&b);
		*msg = "out of memory";
		return RA_RPC_INTERNAL_ERROR;
	}
	lsp_result_text(s, &b);
	*r = NULL;
	return 0;
}

int lsp_h_call_prepare(lsp_server *s, json_t *p, json_t **r, const char **msg)
{
	lsp_doc *d;
	size_t off;
	uint32_t line, col;
	lsyms res = {0};
	const char *word;
	lsym u;
	bool found = false;
	int code = lsp_doc_for(s, p, &d, msg);

	if (code || (code = lsp_position(s, d, p, &off, &line, &col, msg)))
		return code;
	lsp_resolve(s, d, off, &res, &word);
	for (size_t i = 0; i < res.n && !found; i++) {
		if (lsp_kind_is_unit(res.v[i].kind) || lsp_kind_is(res.v[i].kind, "component")) {
			u = res.v[i];
			found = true;
		} else if (lsp_kind_is(res.v[i].kind, "instance")) {
			found = res.v[i].doc ? lsp_instance_unit(s, res.v[i].doc, res.v[i].idx, &u)
			                     : lsp_q_best_unit(s, res.v[i].type, res.v[i].lang, &u);
		}
	}
	if (!found) {
		int32_t sc = lsp_model_unit_of(d->model, lsp_model_scope_at(d->model, line, col));

		if (sc >= 0) {
			lsym_from_model(s, &u, d, sc);
			found = true;
		}
	}
	if (found && lsp_kind_is(u.kind, "architecture") && u.type) {
		lsym e;

		if (lsp_q_best_unit(s, u.type, RA_LANG_VHDL, &e))
			u = e;
	}
	if (found) {
		lsp_locw w = {0};
		ra_buf b;
		int rc;

		ra_buf_init(&b, 0);
		rc = ra_buf_putc(&b, '[');
		rc = rc ? rc : put_call_item(s, &w, &b, &u);
		rc = rc ? rc : ra_buf_putc(&b, ']');
		if (rc == RA_EINVAL) {
			ra_buf_free(&b);
			found = false; /* null, as when jansson refused the item */
		} else if (rc) {
			ra_buf_free(&b);
			*msg = "out of memory";
			return RA_RPC_INTERNAL_ERROR;
		} else {
			lsp_result_text(s, &b);
		}
	}
	*r = found ? NULL : json_null();
	return 0;
}

static bool item_unit(lsp_server *s, json_t *p, lsym *u, const char **msg)
{
	json_t *item = json_object_get(p, "item");
	json_t *data = json_object_get(item, "data");
	const char *name = json_string_value(json_object_get(data, "name"));

	if (!name)
		name = json_string_value(json_object_get(item, "name"));
	if (!name) {
		*msg = "item.name missing";
		return false;
	}
	if (!lsp_q_best_unit(s, name, (ra_lang)json_integer_value(json_object_get(data, "lang")),
	                     u)) {
		*msg = "unknown unit";
		return false;
	}
	return true;
}

int lsp_h_call_incoming(lsp_server *s, json_t *p, json_t **r, const char **msg)
{
	lsym u;
	lsyms inst = {0};
	call_groups cg = {0};

	if (!item_unit(s, p, &u, msg))
		return RA_RPC_INVALID_PARAMS;
	lsp_q_instances_of(s, u.name, u.lang, &inst);
	cg.map = json_object(); /* key: unit file + line */
	for (size_t i = 0; cg.map && i < inst.n; i++) {
		lsym parent;
		const char *key;

		if (lsp_q_unit_of(s, &inst.v[i], &parent) != RA_OK)
			continue;
		key = ra_arena_printf(s->arena, "%s:%u", parent.rel, parent.span.line);
		if (!key || calls_add(&cg, key, &parent, inst.v[i].rel, inst.v[i].name_span)) {
			json_decref(cg.map);
			cg.map = NULL;
		}
	}
	return calls_reply(s, &cg, "from", r, msg);
}

int lsp_h_call_outgoing(lsp_server *s, json_t *p, json_t **r, const char **msg)
{
	lsym u;
	lsyms inst = {0}, bodies = {0};
	call_groups cg = {0};

	if (!item_unit(s, p, &u, msg))
		return RA_RPC_INVALID_PARAMS;
	/* an entity's instances live in its architectures */
	if (lsp_kind_is(u.kind, "entity")) {
		for (size_t i = 0; i < s->ndocs; i++) {
			const ra_model *m = s->docs[i]->model;

			for (size_t k = 0; m && k < m->nsyms; k++)
				if (m->syms[k].kind == RA_SYM_ARCHITECTURE &&
				    lsp_name_eq(m->syms[k].type, u.name, RA_LANG_VHDL)) {
					lsym a;

					lsym_from_model(s, &a, s->docs[i], (int32_t)k);
					lsyms_push(s, &bodies, &a);
				}
		}
		{
			static const char sql[] =
			        "SELECT s.id, f.path FROM symbols s JOIN files f ON f.id = "
			        "s.file_id WHERE"
			        " s.kind = 'architecture' AND lower(s.type) = lower(?1)";
			struct sqlite3_stmt *st = lsp_stmt_get(s, sql);

			if (st) {
				sqlite3_bind_text(st, 1, u.name, -1, SQLITE_TRANSIENT);
				while (sqlite3_step(st) == SQLITE_ROW) {
					lsym a = {0};

					if (lsp_doc_by_rel(
					            s, (const char *)sqlite3_column_text(st, 1)))
						continue;
					a.id = sqlite3_column_int64(st, 0);
					a.idx = -1;
					lsyms_push(s, &bodies, &a);
				}
				sqlite3_reset(st);
			}
		}
	} else {
		lsyms_push(s, &bodies, &u);
	}
	for (size_t i = 0; i < bodies.n; i++)
		lsp_q_instances_in(s, &bodies.v[i], &inst);
	cg.map = json_object(); /* key: the unit's name */
	for (size_t i = 0; cg.map && i < inst.n; i++) {
		const lsym *y = &inst.v[i];
		lsym t;
		const char *type = y->type ? y->type : "?";

		if (y->doc ? !lsp_instance_unit(s, y->doc, y->idx, &t)
		           : !lsp_q_best_unit(s, type, y->lang, &t))
			continue; /* unresolved (or a gate): nothing to go to */
		if (calls_add(&cg, t.name, &t, y->rel, y->name_span)) {
			json_decref(cg.map);
			cg.map = NULL;
		}
	}
	return calls_reply(s, &cg, "to", r, msg);
}

/* ---- diagnostics -------------------------------------------------------------------------- */

static bool is_gate(const char *t)
{
	static const char *const gates[] = {
	        "and",  "nand",    "or",      "nor",    "xor",      "xnor",     "buf",
	        "not",  "bufif0",  "bufif1",  "notif0", "notif1",   "pullup",   "pulldown",
	        "tran", "tranif0", "tranif1", "rtran",  "rtranif0", "rtranif1", "nmos",
	        "pmos", "rnmos",   "rpmos",   "cmos",   "rcmos",    NULL};

	for (size_t i = 0; gates[i]; i++)
		if (!strcmp(t, gates[i]))
			return true;
	return false;
}

static json_t *diag(lsp_server *s, lsp_doc *d, ra_span sp, int severity, const char *msg)
{
	return json_pack("{s:o, s:i, s:s, s:s}", "range", lsp_range(s, d->rel, sp), "severity",
	                 severity, "source", "rtlassist", "message", msg);
}

/* the formal's span of a named connection */
static ra_span formal_span(const lsp_doc *d, const ra_conn *c)
{
	ra_span sp = c->span;
	size_t at = sp.line < d->lines.n ? d->lines.start[sp.line] + sp.col : d->text.len;

	if (at < d->text.len && d->text.data[at] == '.')
		sp.col++;
	sp.end_line = sp.line;
	sp.end_col = sp.col + (uint32_t)strlen(c->formal);
	return sp;
}

/* what one diagnostics run already looked up: unit and interface per instantiated name */
typedef struct unit_cache {
	json_t *map; /* "dir:type" -> index in units */
	lsyms units;
	lsyms *ifaces;
	bool *found;
	size_t n, cap;
} unit_cache;

static bool cached_unit(lsp_server *s, lsp_doc *d, int32_t idx, unit_cache *uc, lsym *u,
                        lsyms **iface)
{
	const ra_sym *y = &d->model->syms[idx];
	const char *key = ra_arena_printf(s->arena, "%s:%s", y->dir ? y->dir : "", y->type);
	json_t *hit = key ? json_object_get(uc->map, key) : NULL;
	size_t i;

	if (hit) {
		i = (size_t)json_integer_value(hit);
		*u = uc->units.v[i];
		*iface = &uc->ifaces[i];
		return uc->found[i];
	}
	if (uc->n == uc->cap) {
		size_t nc = uc->cap ? uc->cap * 2 : 32;
		lsyms *ni = ra_arena_calloc(s->arena, nc * sizeof(*ni));
		bool *nf = ra_arena_calloc(s->arena, nc * sizeof(*nf));

		if (!ni || !nf)
			return false;
		if (uc->n) {
			memcpy(ni, uc->ifaces, uc->n * sizeof(*ni));
			memcpy(nf, uc->found, uc->n * sizeof(*nf));
		}
		uc->ifaces = ni;
		uc->found = nf;
		uc->cap = nc;
	}
	i = uc->n++;
	memset(u, 0, sizeof(*u));
	uc->found[i] = lsp_instance_unit(s, d, idx, u);
	if (uc->found[i])
		lsp_q_interface(s, u, &uc->ifaces[i]);
	lsyms_push(s, &uc->units, u);
	json_object_set_new(uc->map, key, json_integer((json_int_t)i));
	*iface = &uc->ifaces[i];
	return uc->found[i];
}

static void check_instance(lsp_server *s, lsp_doc *d, int32_t idx, json_t *out, unit_cache *uc)
{
	const ra_model *m = d->model;
	const ra_sym *y = &m->syms[idx];
	lsyms *ifp, iface;
	lsym u;
	bool star = false, positional = false;
	size_t nports = 0, npos = 0;

	if (!y->type || !*y->type || (m->lang != RA_LANG_VHDL && is_gate(y->type)))
		return;
	if (!cached_unit(s, d, idx, uc, &u, &ifp)) {
		const char *lib = y->value && strchr(y->value, '.') ? y->value : NULL;

		/* a unit of a library outside the workspace is not ours to judge */
		if (lib && strncasecmp(lib, "work.", 5) != 0)
			return;
		json_array_append_new(
		        out,
		        diag(s, d, y->span.line == y->name_span.line ? y->span : y->name_span, 1,
		             ra_arena_printf(s->arena, "unknown unit '%s' instantiated", y->type)));
		return;
	}
	iface = *ifp;
	for (size_t i = 0; i < iface.n; i++)
		nports += lsp_kind_is(iface.v[i].kind, "port");
	for (size_t c = 0; c < m->nconns; c++) {
		const ra_conn *cn = &m->conns[c];
		bool known = false;

		if (cn->inst != idx)
			continue;
		if (!cn->formal) {
			positional |= !cn->is_param;
			npos += !cn->is_param;
			continue;
		}
		if (!strcmp(cn->formal, "*")) {
			star = true;
			continue;
		}
		for (size_t i = 0; i < iface.n && !known; i++)
			known = lsp_kind_is(iface.v[i].kind, cn->is_param ? "parameter" : "port") &&
			        lsp_name_eq(iface.v[i].name, cn->formal, u.lang);
		if (!known)
			json_array_append_new(
			        out,
			        diag(s, d, formal_span(d, cn), 1,
			             ra_arena_printf(s->arena, "'%s' has no %s named '%s'", u.name,
			                             cn->is_param ? (m->lang == RA_LANG_VHDL
			                                                     ? "generic"
			                                                     : "parameter")
			                                          : "port",
			                             cn->formal)));
	}
	if (positional && npos > nports && nports)
		json_array_append_new(
		        out,
		        diag(s, d, y->name_span, 1,
		             ra_arena_printf(s->arena, "%zu connections, but '%s' has %zu ports",
		                             npos, u.name, nports)));
	if (star || positional)
		return;
	for (size_t i = 0; i < iface.n; i++) {
		const lsym *pt = &iface.v[i];
		bool connected = false;

		if (!lsp_kind_is(pt->kind, "port"))
			continue;
		/* VHDL inputs with a default may be left out */
		if (u.lang == RA_LANG_VHDL && pt->value && pt->dir && !strcasecmp(pt->dir, "in"))
			continue;
		for (size_t c = 0; c < m->nconns && !connected; c++)
			connected = m->conns[c].inst == idx && !m->conns[c].is_param &&
			            m->conns[c].formal &&
			            lsp_name_eq(m->conns[c].formal, pt->name, u.lang);
		if (!connected)
			json_array_append_new(
			        out,
			        diag(s, d, y->name_span, 2,
			             ra_arena_printf(s->arena, "port '%s' of '%s' is not connected",
			                             pt->name, u.name)));
	}
}

json_t *lsp_diagnostics(lsp_server *s, lsp_doc *d)
{
	const ra_model *m = d->model;
	json_t *out = json_array();

	for (size_t i = 0; i < m->ndiags && i < 200; i++)
		json_array_append_new(out, diag(s, d, m->diags[i].span, 1, m->diags[i].message));
	/* while the first index is being built, unknown units would be false alarms */
	if (s->indexing || !lsp_store(s))
		return out;
	{
		unit_cache uc = {.map = json_object()};

		for (size_t i = 0; i < m->nsyms; i++)
			if (m->syms[i].kind == RA_SYM_INSTANCE)
				check_instance(s, d, (int32_t)i, out, &uc);
		json_decref(uc.map);
	}
	return out;
}

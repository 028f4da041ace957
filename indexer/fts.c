/*
 * fts.c - the "ra_code" FTS5 tokenizer, the HDL abbreviation table and query building (fts.h).
 *
 * Design: one scanner serves FTS5 (documents and queries), ra_fts_tokens (the embedder) and
 * ra_fts_query. A word is a run of ASCII letters, digits, '_', '$' and bytes >= 0x80 (so UTF-8
 * sequences are never cut and are kept as written); `\escaped` identifiers run to the next
 * white space. A word gives, in order:
 *   - the whole word, ASCII case-folded (position p);
 *   - when it has more than one sub-word, each sub-word: the first at p (colocated with the
 *     whole word), the next ones at p + 1, p + 2, ... Sub-words split at '_' / '$', at
 *     lower->Upper ("rdAddr"), before the last capital of a capital run followed by a lower
 *     case letter ("FIFOEmpty" -> fifo, empty) and between letters and digits ("q2" -> q, 2);
 *   - for the embedder only (ra_fts_tokens): the abbreviation table's other spellings of every
 *     sub-word, colocated with it ("wr" -> write, "write" -> wr, "rdata" -> read + data).
 * Positions follow sub-words. Abbreviations are expanded at query time, not in the index (each
 * token is stored once): a query term becomes the FTS5 synonym set of its spellings, colocated
 * tokens FTS5 matches as one term ("write" -> write | wr | we | wdata | waddr), which is what
 * expanding documents both ways used to give, BM25 included, in a smaller index.
 * Tokens are capped at RA_FTS_MAX_TOKEN bytes (longer ones are truncated, never dropped).
 */
#include "indexer/fts_internal.h"

#include <assert.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

enum { MAX_TOKEN = 64, MAX_SUBWORDS = 64, MAX_QUERY_TERMS = 64 };

/* ---- abbreviations ------------------------------------------------------------------------ */

/*
 * Groups of spellings of one word: any member found in a document also indexes the others.
 * Keep each spelling in one group only. Short forms are the ones HDL code uses; the long form
 * comes first.
 */
static const char *const groups[][5] = {
        {"write", "wr"},
        {"read", "rd"},
        {"address", "addr", "adr"},
        {"valid", "vld"},
        {"ready", "rdy"},
        {"enable", "en", "ena"},
        {"clock", "clk"},
        {"reset", "rst"},
        {"count", "cnt"},
        {"counter", "ctr"},
        {"pointer", "ptr"},
        {"request", "req"},
        {"acknowledge", "ack"},
        {"transmit", "tx", "xmit"},
        {"receive", "rx", "rcv"},
        {"select", "sel"},
        {"configuration", "config", "cfg", "conf"},
        {"control", "ctrl", "ctl"},
        {"error", "err"},
        {"interrupt", "intr", "irq"},
        {"buffer", "buf"},
        {"memory", "mem"},
        {"register", "reg"},
        {"message", "msg"},
        {"packet", "pkt"},
        {"source", "src"},
        {"destination", "dst", "dest"},
        {"index", "idx"},
        {"length", "len"},
        {"number", "num"},
        {"value", "val"},
        {"previous", "prev"},
        {"next", "nxt"},
        {"current", "cur", "curr"},
        {"temporary", "tmp", "temp"},
        {"multiplexer", "mux"},
        {"compare", "cmp"},
        {"increment", "inc", "incr"},
        {"decrement", "decr"},
        {"strobe", "stb"},
        {"status", "sts", "stat"},
        {"grant", "gnt"},
        {"arbiter", "arb"},
        {"debug", "dbg"},
        {"initialize", "init"},
        {"synchronize", "sync"},
        {"threshold", "thresh", "thr"},
        {"frequency", "freq"},
        {"divider", "div"},
        {"signal", "sig"},
        {"parameter", "param"},
        {"instruction", "instr", "insn"},
        {"level", "lvl"},
        {"timer", "tmr"},
        {"power", "pwr"},
        {"response", "rsp", "resp"},
        {"command", "cmd"},
        {"transaction", "txn"},
        {"accumulator", "acc"},
        {"state", "st"},
        {"shift", "shft"},
};

/* One-way expansions of a short form into the words it stands for. */
static const char *const phrases[][6] = {
        {"rdata", "read", "data"},
        {"wdata", "write", "data"},
        {"raddr", "read", "address"},
        {"waddr", "write", "address"},
        {"we", "write", "enable"},
        {"fsm", "finite", "state", "machine"},
        {"lfsr", "linear", "feedback", "shift", "register"},
        {"crc", "cyclic", "redundancy", "check"},
        {"alu", "arithmetic", "logic", "unit"},
        {"ram", "random", "access", "memory"},
        {"rom", "read", "only", "memory"},
        {"bcd", "binary", "coded", "decimal"},
        {"dff", "flip", "flop"},
        {"ff", "flip", "flop"},
        {"pwm", "pulse", "width", "modulation"},
        {"lsb", "least", "significant", "bit"},
        {"msb", "most", "significant", "bit"},
        {"posedge", "rising", "edge"},
        {"negedge", "falling", "edge"},
        {"fifo", "first", "in", "out"},
};

#define NGROUPS (sizeof(groups) / sizeof(groups[0]))
#define NPHRASES (sizeof(phrases) / sizeof(phrases[0]))

/* spelling -> its expansion list (a row of groups or phrases), open addressing, built once */
typedef struct abbrev_slot {
	const char *key;
	const char *const *row; /* NULL-terminated (rows are zero-padded) */
	int skip;               /* index of key in row, excluded when expanding (-1: none) */
} abbrev_slot;

enum { ABBREV_SLOTS = 512, MAX_ALTS = 8 };
static abbrev_slot abbrev[ABBREV_SLOTS];

/* The query direction: a spelling -> every token a document could hold for it in the index
 * that expanded documents used to build (the group's other spellings, and the short forms of
 * the phrases holding it as a word: "read" -> rd, rdata, raddr, rom). */
typedef struct alt_slot {
	const char *key;
	const char *alts[MAX_ALTS];
	size_t n;
} alt_slot;

static alt_slot qalt[ABBREV_SLOTS];
static pthread_once_t abbrev_once = PTHREAD_ONCE_INIT;

static uint32_t hash_bytes(const char *s, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static void abbrev_put(const char *key, const char *const *row, int skip)
{
	size_t n = strlen(key);

	for (uint32_t i = hash_bytes(key, n) & (ABBREV_SLOTS - 1);;
	     i = (i + 1) & (ABBREV_SLOTS - 1))
		if (!abbrev[i].key) {
			abbrev[i] = (abbrev_slot){key, row, skip};
			return;
		}
}

static alt_slot *qalt_slot(const char *key)
{
	size_t n = strlen(key);
	uint32_t i = hash_bytes(key, n) & (ABBREV_SLOTS - 1);

	for (; qalt[i].key && strcmp(qalt[i].key, key) != 0; i = (i + 1) & (ABBREV_SLOTS - 1))
		;
	qalt[i].key = key;
	return &qalt[i];
}

static void qalt_add(const char *key, const char *alt)
{
	alt_slot *a = qalt_slot(key);

	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->alts[i], alt) == 0)
			return;
	assert(a->n < MAX_ALTS); /* the tables above are ours: a bug, not input */
	a->alts[a->n++] = alt;
}

static void abbrev_build(void)
{
	for (size_t g = 0; g < NGROUPS; g++)
		for (int k = 0; k < 5 && groups[g][k]; k++) {
			abbrev_put(groups[g][k], groups[g], k);
			for (int j = 0; j < 5 && groups[g][j]; j++)
				if (j != k)
					qalt_add(groups[g][k], groups[g][j]);
		}
	for (size_t p = 0; p < NPHRASES; p++) {
		abbrev_put(phrases[p][0], phrases[p], 0);
		for (int k = 1; k < 6 && phrases[p][k]; k++)
			qalt_add(phrases[p][k], phrases[p][0]);
	}
}

static const alt_slot *qalt_find(const char *s, size_t n)
{
	if (n < 2 || n > 16)
		return NULL;
	for (uint32_t i = hash_bytes(s, n) & (ABBREV_SLOTS - 1); qalt[i].key;
	     i = (i + 1) & (ABBREV_SLOTS - 1))
		if (strncmp(qalt[i].key, s, n) == 0 && qalt[i].key[n] == '\0')
			return &qalt[i];
	return NULL;
}

static const abbrev_slot *abbrev_find(const char *s, size_t n)
{
	if (n < 2 || n > 16)
		return NULL;
	for (uint32_t i = hash_bytes(s, n) & (ABBREV_SLOTS - 1); abbrev[i].key;
	     i = (i + 1) & (ABBREV_SLOTS - 1))
		if (strncmp(abbrev[i].key, s, n) == 0 && abbrev[i].key[n] == '\0')
			return &abbrev[i];
	return NULL;
}

/* ---- the scanner -------------------------------------------------------------------------- */

enum { C_OTHER = 0, C_LOWER, C_UPPER, C_DIGIT, C_SEP, C_HIGH };

static unsigned char cls_of(unsigned char c)
{
	if (c >= 'a' && c <= 'z')
		return C_LOWER;
	if (c >= 'A' && c <= 'Z')
		return C_UPPER;
	if (c >= '0' && c <= '9')
		return C_DIGIT;
	if (c == '_' || c == '$')
		return C_SEP;
	return c >= 0x80 ? C_HIGH : C_OTHER;
}

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* one produced token; colocated: same position as the previous token */
typedef int (*emit_fn)(void *ctx, bool colocated, const char *tok, size_t n, int start, int end);

/* which other spellings a token brings along */
typedef enum expand {
	EXPAND_NONE,
	EXPAND_DOC,   /* the embedder: a document's words, expanded (abbrev) */
	EXPAND_QUERY, /* an FTS5 query term: what the document may hold instead (qalt) */
} expand;

typedef struct scanner {
	emit_fn emit;
	void *ctx;
	expand synonyms;
	bool whole_only; /* each word as one token, no sub-words */
} scanner;

static size_t fold(char *dst, const char *s, size_t n)
{
	if (n > MAX_TOKEN)
		n = MAX_TOKEN;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		dst[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	return n;
}

static int emit_synonyms(const scanner *sc, const char *tok, size_t n, int start, int end)
{
	int rc = 0;

	if (sc->synonyms == EXPAND_DOC) {
		const abbrev_slot *a = abbrev_find(tok, n);

		for (int k = 0; a && !rc && k < 6 && a->row[k]; k++)
			if (k != a->skip)
				rc = sc->emit(sc->ctx, true, a->row[k], strlen(a->row[k]), start,
				              end);
	} else if (sc->synonyms == EXPAND_QUERY) {
		const alt_slot *a = qalt_find(tok, n);

		for (size_t k = 0; a && !rc && k < a->n; k++)
			rc = sc->emit(sc->ctx, true, a->alts[k], strlen(a->alts[k]), start, end);
	}
	return rc;
}

/* the sub-words of word [s, s + n): their offsets and lengths; returns how many */
static size_t split(const char *s, size_t n, size_t *off, size_t *len)
{
	size_t count = 0, i = 0;

	while (i < n && count < MAX_SUBWORDS) {
		unsigned char c = cls_of((unsigned char)s[i]);
		size_t j = i + 1;

		if (c == C_SEP || c == C_OTHER) {
			i++;
			continue;
		}
		if (c == C_DIGIT) {
			while (j < n && cls_of((unsigned char)s[j]) == C_DIGIT)
				j++;
		} else {
			/* letters (and bytes >= 0x80): lower->Upper and Upper Upper lower split */
			for (; j < n; j++) {
				unsigned char d = cls_of((unsigned char)s[j]);
				unsigned char prev = cls_of((unsigned char)s[j - 1]);

				if (d != C_LOWER && d != C_UPPER && d != C_HIGH)
					break;
				if (d == C_UPPER && prev == C_LOWER)
					break;
				if (d == C_UPPER && prev == C_UPPER && j + 1 < n &&
				    cls_of((unsigned char)s[j + 1]) == C_LOWER)
					break;
			}
		}
		off[count] = i;
		len[count] = j - i;
		count++;
		i = j;
	}
	return count;
}

/* word [s, s + n) at byte offset `at` of the text */
static int scan_word(const scanner *sc, const char *s, size_t n, int at)
{
	size_t off[MAX_SUBWORDS], len[MAX_SUBWORDS], nsub = split(s, n, off, len);
	char whole[MAX_TOKEN], sub[MAX_TOKEN];
	size_t wn;
	int rc;

	if (nsub == 0)
		return 0; /* only separators ("_", "$") */
	wn = fold(whole, s, n);
	if (sc->whole_only) {
		rc = sc->emit(sc->ctx, false, whole, wn, at, at + (int)n);
		return rc ? rc : emit_synonyms(sc, whole, wn, at, at + (int)n);
	}
	if (nsub == 1 && off[0] == 0 && len[0] == n) {
		rc = sc->emit(sc->ctx, false, whole, wn, at, at + (int)n);
		return rc ? rc : emit_synonyms(sc, whole, wn, at, at + (int)n);
	}
	rc = sc->emit(sc->ctx, false, whole, wn, at, at + (int)n);
	for (size_t k = 0; !rc && k < nsub; k++) {
		size_t sn = fold(sub, s + off[k], len[k]);
		int start = at + (int)off[k], end = start + (int)len[k];

		rc = sc->emit(sc->ctx, k == 0, sub, sn, start, end);
		rc = rc ? rc : emit_synonyms(sc, sub, sn, start, end);
	}
	return rc;
}

static int scan(const scanner *sc, const char *text, size_t len)
{
	size_t i = 0;
	int rc = 0;

	pthread_once(&abbrev_once, abbrev_build);
	while (!rc && i < len) {
		unsigned char c = (unsigned char)text[i];
		size_t j;

		if (c == '\\' && i + 1 < len && !is_space((unsigned char)text[i + 1])) {
			/* escaped identifier: everything up to white space */
			for (j = i + 1; j < len && !is_space((unsigned char)text[j]); j++)
				;
			rc = scan_word(sc, text + i + 1, j - i - 1, (int)(i + 1));
			i = j;
			continue;
		}
		if (cls_of(c) == C_OTHER) {
			i++;
			continue;
		}
		for (j = i + 1; j < len && cls_of((unsigned char)text[j]) != C_OTHER; j++)
			;
		rc = scan_word(sc, text + i, j - i, (int)i);
		i = j;
	}
	return rc;
}

/* ---- FTS5 glue ---------------------------------------------------------------------------- */

typedef struct fts_ctx {
	void *pctx;
	int (*xToken)(void *, int, const char *, int, int, int);
} fts_ctx;

static int fts_emit(void *ctx, bool colocated, const char *tok, size_t n, int start, int end)
{
	fts_ctx *f = ctx;

	return f->xToken(f->pctx, colocated ? FTS5_TOKEN_COLOCATED : 0, tok, (int)n, start, end);
}

static int tok_create(void *ctx, const char **argv, int argc, Fts5Tokenizer **out)
{
	(void)argv;
	(void)argc;
	*out = ctx; /* stateless: any non-NULL handle */
	return SQLITE_OK;
}

static void tok_delete(Fts5Tokenizer *t)
{
	(void)t;
}

static int tok_tokenize(Fts5Tokenizer *t, void *pctx, int flags, const char *text, int len,
                        int (*xToken)(void *, int, const char *, int, int, int))
{
	fts_ctx f = {pctx, xToken};
	/* Documents are stored as written: each token once, no other spellings. A query term is
	   not split (ra_fts_query quotes the whole identifier and each sub-word as terms of their
	   own; split here, a quoted "kmac_rom_rdy" would become the phrase kmac_rom_rdy rom rdy,
	   and FTS5 would intersect the long position lists of its common sub-words) but brings
	   its other spellings as FTS5 synonyms. */
	bool query = (flags & FTS5_TOKENIZE_QUERY) != 0;
	scanner sc = {fts_emit, &f, query ? EXPAND_QUERY : EXPAND_NONE, query};

	(void)t;
	if (!text || len <= 0)
		return SQLITE_OK;
	if (query) {
		/* one quoted string, one term: an escaped identifier's `a"b` stays whole */
		pthread_once(&abbrev_once, abbrev_build);
		return scan_word(&sc, text, (size_t)len, 0);
	}
	return scan(&sc, text, (size_t)len);
}

static fts5_api *fts5_api_of(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_pointer(s, 1, (void *)&api, "fts5_api_ptr", NULL);
		sqlite3_step(s);
	}
	sqlite3_finalize(s);
	return api;
}

int ra_fts_register(sqlite3 *db)
{
	static char handle; /* the tokenizer instance: stateless */
	static fts5_tokenizer tok = {tok_create, tok_delete, tok_tokenize};
	fts5_api *api = fts5_api_of(db);

	if (!api)
		return ra_error_set(RA_ERR, "SQLite has no FTS5: %s", sqlite3_errmsg(db));
	if (api->xCreateTokenizer(api, RA_FTS_TOKENIZER, &handle, &tok, NULL) != SQLITE_OK)
		return ra_error_set(RA_ERR, "registering the %s tokenizer: %s", RA_FTS_TOKENIZER,
		                    sqlite3_errmsg(db));
	return RA_OK;
}

/* ---- public helpers ----------------------------------------------------------------------- */

typedef struct cb_ctx {
	int (*fn)(const char *tok, size_t n, void *payload);
	void *payload;
} cb_ctx;

static int cb_emit(void *ctx, bool colocated, const char *tok, size_t n, int start, int end)
{
	cb_ctx *c = ctx;

	(void)colocated;
	(void)start;
	(void)end;
	return c->fn(tok, n, c->payload);
}

int ra_fts__scan(const char *text, size_t len, bool synonyms,
                 int (*fn)(const char *tok, size_t n, void *payload), void *payload)
{
	cb_ctx c = {fn, payload};
	scanner sc = {cb_emit, &c, synonyms ? EXPAND_DOC : EXPAND_NONE, false};

	if (!text)
		return 0;
	return scan(&sc, text, len);
}

int ra_fts_tokens(const char *text, size_t len, int (*fn)(const char *tok, size_t n, void *payload),
                  void *payload)
{
	return ra_fts__scan(text, len, true, fn, payload);
}

/* ---- document frequencies ----------------------------------------------------------------- */

/*
 * A term's document frequency is counted by a MATCH on the term, as the query will use it (its
 * other spellings included), stopped at RA_FTS_DF_CAP chunks: a frequency is needed only to
 * tell rare terms from common ones, and counting a common term in full costs a walk of its
 * whole document list (about 1 ms for 30,000 chunks) where the capped count costs 0.05 - 0.2 ms.
 * Counts are cached for the handle's life, but a count of 0 is not: an index written meanwhile
 * only makes the choice among terms it holds slightly stale, and never leaves a new term out.
 */
enum { DF_SLOTS_MAX = 1 << 16 };

typedef struct df_slot {
	char *term; /* NULL: empty */
	int64_t df;
} df_slot;

struct ra_fts_df {
	sqlite3 *db;
	sqlite3_stmt *count;
	df_slot *slots;
	size_t nslots, used;
};

int ra_fts_df_open(ra_fts_df **out, sqlite3 *db)
{
	ra_fts_df *d = ra_calloc(1, sizeof(*d));
	int rc = RA_OK;

	if (!d)
		return RA_ENOMEM;
	d->db = db;
	d->nslots = 1024;
	d->slots = ra_calloc(d->nslots, sizeof(*d->slots));
	if (!d->slots)
		rc = RA_ENOMEM;
	else if (sqlite3_prepare_v3(db,
	                            "SELECT count(*) FROM (SELECT 1 FROM chunk_fts WHERE chunk_fts"
	                            " MATCH ?1 LIMIT ?2)",
	                            -1, SQLITE_PREPARE_PERSISTENT, &d->count, NULL) != SQLITE_OK)
		rc = ra_error_set(RA_ERR, "term frequencies: %s", sqlite3_errmsg(db));
	if (rc) {
		ra_fts_df_close(d);
		return rc;
	}
	*out = d;
	return RA_OK;
}

static void df_clear(ra_fts_df *d)
{
	for (size_t i = 0; i < d->nslots; i++) {
		ra_free(d->slots[i].term);
		d->slots[i].term = NULL;
	}
	d->used = 0;
}

void ra_fts_df_close(ra_fts_df *d)
{
	if (!d)
		return;
	if (d->slots)
		df_clear(d);
	ra_free(d->slots);
	sqlite3_finalize(d->count);
	ra_free(d);
}

static df_slot *df_slot_of(ra_fts_df *d, const char *term)
{
	size_t i = hash_bytes(term, strlen(term)) & (d->nslots - 1);

	while (d->slots[i].term && strcmp(d->slots[i].term, term) != 0)
		i = (i + 1) & (d->nslots - 1);
	return &d->slots[i];
}

/* keeps the table at most half full: doubles it, or starts afresh at the cap */
static int df_make_room(ra_fts_df *d)
{
	df_slot *old = d->slots;
	size_t oldn = d->nslots;

	if ((d->used + 1) * 2 <= d->nslots)
		return RA_OK;
	if (d->nslots >= DF_SLOTS_MAX) {
		df_clear(d);
		return RA_OK;
	}
	d->slots = ra_calloc(oldn * 2, sizeof(*d->slots));
	if (!d->slots) {
		d->slots = old;
		return RA_ENOMEM;
	}
	d->nslots = oldn * 2;
	for (size_t i = 0; i < oldn; i++)
		if (old[i].term)
			*df_slot_of(d, old[i].term) = old[i];
	ra_free(old);
	return RA_OK;
}

int ra_fts_df_get(int64_t *out, ra_fts_df *d, const char *term)
{
	df_slot *slot = df_slot_of(d, term);
	int64_t df = 0;
	char quoted[2 * MAX_TOKEN + 3];
	size_t n = 0;
	int rc;

	if (slot->term) {
		*out = slot->df;
		return RA_OK;
	}
	/* the term as ra_fts_query writes it: quoted, one token (the tokenizer adds spellings) */
	quoted[n++] = '"';
	for (const char *c = term; *c && n + 3 < sizeof(quoted); c++) {
		if (*c == '"')
			quoted[n++] = '"';
		quoted[n++] = *c;
	}
	quoted[n++] = '"';
	sqlite3_reset(d->count);
	sqlite3_bind_text(d->count, 1, quoted, (int)n, SQLITE_STATIC);
	sqlite3_bind_int(d->count, 2, RA_FTS_DF_CAP);
	rc = sqlite3_step(d->count);
	if (rc == SQLITE_ROW)
		df = sqlite3_column_int64(d->count, 0);
	sqlite3_reset(d->count);
	if (rc != SQLITE_ROW)
		return ra_error_set(RA_ERR, "term frequencies: %s", sqlite3_errmsg(d->db));
	*out = df;
	if (df == 0)
		return RA_OK; /* not cached: a term the index gains later must not stay left out */
	if (df_make_room(d))
		return RA_ENOMEM;
	slot = df_slot_of(d, term);
	slot->term = ra_strdup(term);
	if (!slot->term)
		return RA_ENOMEM;
	slot->df = df;
	d->used++;
	*out = df;
	return RA_OK;
}

/* English function words: they carry no meaning in a question about code */
static bool is_stopword(const char *t, size_t n)
{
	static const char *const words[] = {
	        "a",     "an",    "and",   "are",  "as",   "at",   "be",    "by",   "can",  "do",
	        "does",  "for",   "from",  "has",  "have", "how",  "i",     "if",   "in",   "into",
	        "is",    "it",    "its",   "me",   "of",   "on",   "or",    "that", "the",  "their",
	        "then",  "there", "these", "this", "to",   "used", "using", "was",  "what", "when",
	        "where", "which", "while", "who",  "why",  "will", "with",  "you",  "your"};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == n && memcmp(words[i], t, n) == 0)
			return true;
	return false;
}

typedef struct query_ctx {
	char terms[MAX_QUERY_TERMS][MAX_TOKEN + 1];
	int64_t df[MAX_QUERY_TERMS];
	bool keep[MAX_QUERY_TERMS];
	size_t nterms;
} query_ctx;

static int query_emit(void *ctx, bool colocated, const char *tok, size_t n, int start, int end)
{
	query_ctx *q = ctx;

	(void)colocated;
	(void)start;
	(void)end;
	if (q->nterms == MAX_QUERY_TERMS || is_stopword(tok, n))
		return 0;
	for (size_t i = 0; i < q->nterms; i++)
		if (strlen(q->terms[i]) == n && memcmp(q->terms[i], tok, n) == 0)
			return 0;
	memcpy(q->terms[q->nterms], tok, n);
	q->terms[q->nterms][n] = '\0';
	q->keep[q->nterms++] = true;
	return 0;
}

/* Keeps the max_terms rarest terms found in the index (ties: the earlier term). Terms at the
   cap (common ones: their document lists are what makes a query slow) stay only while fewer
   than MIN_RARE terms below it are found. When no term is found, all stay (the query then
   finds nothing, cheaply). */
enum { MIN_RARE = 4 };

static int keep_rarest(query_ctx *q, size_t max_terms, ra_fts_df *d)
{
	size_t found = 0, rare = 0;

	for (size_t t = 0; t < q->nterms; t++) {
		int rc = ra_fts_df_get(&q->df[t], d, q->terms[t]);

		if (rc)
			return rc;
		found += q->df[t] > 0;
		rare += q->df[t] > 0 && q->df[t] < RA_FTS_DF_CAP;
	}
	if (found == 0)
		return RA_OK;
	for (size_t t = 0; t < q->nterms; t++) {
		size_t rarer = 0;

		for (size_t u = 0; u < q->nterms; u++)
			rarer += q->df[u] > 0 &&
			         (q->df[u] < q->df[t] || (q->df[u] == q->df[t] && u < t));
		q->keep[t] = q->df[t] > 0 && rarer < max_terms &&
		             (q->df[t] < RA_FTS_DF_CAP || rare < MIN_RARE);
	}
	return RA_OK;
}

/* the kept terms, each quoted, OR-ed */
static int query_write(char **out, const query_ctx *q)
{
	ra_buf b;
	size_t written = 0;
	int rc = 0;

	ra_buf_init(&b, 0);
	for (size_t t = 0; !rc && t < q->nterms; t++) {
		if (!q->keep[t])
			continue;
		rc = written++ ? ra_buf_puts(&b, " OR ") : 0;
		rc = rc ? rc : ra_buf_putc(&b, '"');
		for (const char *c = q->terms[t]; !rc && *c; c++)
			rc = *c == '"' ? ra_buf_puts(&b, "\"\"") : ra_buf_putc(&b, *c);
		rc = rc ? rc : ra_buf_putc(&b, '"');
	}
	if (!rc) {
		*out = ra_buf_detach(&b);
		rc = *out ? RA_OK : RA_ENOMEM;
	}
	ra_buf_free(&b);
	return rc;
}

/* *gate: the OR of the kept terms in fewer than RA_FTS_DF_CAP chunks, when the kept terms mix
   such rare terms with common ones; else NULL */
static int gate_write(char **gate, query_ctx *q, ra_fts_df *df)
{
	size_t rare = 0, common = 0;
	bool keep[MAX_QUERY_TERMS];
	int rc = RA_OK;

	*gate = NULL;
	for (size_t t = 0; t < q->nterms && !rc; t++)
		if (q->keep[t] && q->df[t] == 0)
			rc = ra_fts_df_get(&q->df[t], df, q->terms[t]);
	for (size_t t = 0; t < q->nterms && !rc; t++) {
		keep[t] = q->keep[t];
		if (!q->keep[t] || q->df[t] <= 0)
			continue;
		rare += q->df[t] < RA_FTS_DF_CAP;
		common += q->df[t] >= RA_FTS_DF_CAP;
	}
	if (rc || !rare || !common)
		return rc;
	for (size_t t = 0; t < q->nterms; t++)
		q->keep[t] = keep[t] && q->df[t] > 0 && q->df[t] < RA_FTS_DF_CAP;
	rc = query_write(gate, q);
	memcpy(q->keep, keep, sizeof(keep));
	return rc;
}

static int fts_query(char **out, char **gate, const char *text, bool whole_only, size_t max_terms,
                     ra_fts_df *df)
{
	query_ctx *q = ra_calloc(1, sizeof(*q));
	scanner sc = {query_emit, q, EXPAND_NONE, whole_only};
	int rc;

	if (gate)
		*gate = NULL;
	if (!q)
		return RA_ENOMEM;
	rc = text ? scan(&sc, text, strlen(text)) : 0;
	if (!rc && q->nterms == 0)
		rc = ra_error_set(RA_ENOTFOUND, "no search term in the query");
	if (!rc && df && q->nterms > max_terms)
		rc = keep_rarest(q, max_terms, df);
	rc = rc ? rc : query_write(out, q);
	if (!rc && gate && df) {
		rc = gate_write(gate, q, df);
		if (rc) {
			ra_free(*out);
			*out = NULL;
		}
	}
	ra_free(q);
	return rc;
}

int ra_fts_query(char **out, const char *text)
{
	return fts_query(out, NULL, text, false, 0, NULL);
}

int ra_fts_query_idents(char **out, const char *text)
{
	return fts_query(out, NULL, text, true, 0, NULL);
}

int ra_fts_query_rare(char **out, const char *text, size_t max_terms, ra_fts_df *df)
{
	return fts_query(out, NULL, text, false, max_terms ? max_terms : 1, df);
}

int ra_fts_query_gated(char **out, char **gate, const char *text, size_t max_terms, ra_fts_df *df)
{
	return fts_query(out, gate, text, false, max_terms ? max_terms : 1, df);
}

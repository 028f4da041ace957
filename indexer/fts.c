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
 *   - for documents only: the abbreviation table's other spellings of every sub-word, colocated
 *     with it ("wr" -> write, "write" -> wr, "rdata" -> read + data).
 * Positions follow sub-words, so a phrase query "read address" matches `rd_addr`, and a query
 * tokenised the same way (`rdAddr`) matches `rd_addr` and `read_address`. Expansion happens at
 * index time only: the index then holds both spellings and a query needs neither.
 * Tokens are capped at RA_FTS_MAX_TOKEN bytes (longer ones are truncated, never dropped).
 */
#include "indexer/fts_internal.h"

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

enum { ABBREV_SLOTS = 512 };
static abbrev_slot abbrev[ABBREV_SLOTS];
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

static void abbrev_build(void)
{
	for (size_t g = 0; g < NGROUPS; g++)
		for (int k = 0; k < 5 && groups[g][k]; k++)
			abbrev_put(groups[g][k], groups[g], k);
	for (size_t p = 0; p < NPHRASES; p++)
		abbrev_put(phrases[p][0], phrases[p], 0);
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

typedef struct scanner {
	emit_fn emit;
	void *ctx;
	bool synonyms;
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
	const abbrev_slot *a = sc->synonyms ? abbrev_find(tok, n) : NULL;
	int rc = 0;

	if (!a)
		return 0;
	for (int k = 0; !rc && k < 6 && a->row[k]; k++)
		if (k != a->skip)
			rc = sc->emit(sc->ctx, true, a->row[k], strlen(a->row[k]), start, end);
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
	if (sc->whole_only)
		return sc->emit(sc->ctx, false, whole, wn, at, at + (int)n);
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
	/* The index holds every spelling already, so a query term is neither expanded nor split:
	   ra_fts_query quotes the whole identifier and each sub-word as terms of their own. Split
	   here, a quoted "kmac_rom_rdy" would become the phrase (kmac_rom_rdy|kmac) rom rdy, and
	   FTS5 would intersect the long position lists of its common sub-words. */
	bool query = (flags & FTS5_TOKENIZE_QUERY) != 0;
	scanner sc = {fts_emit, &f, !query, query};

	(void)t;
	if (!text || len <= 0)
		return SQLITE_OK;
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
	scanner sc = {cb_emit, &c, synonyms, false};

	if (!text)
		return 0;
	return scan(&sc, text, len);
}

int ra_fts_tokens(const char *text, size_t len, int (*fn)(const char *tok, size_t n, void *payload),
                  void *payload)
{
	return ra_fts__scan(text, len, true, fn, payload);
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
	ra_buf *out;
	char terms[MAX_QUERY_TERMS][MAX_TOKEN + 1];
	size_t nterms;
} query_ctx;

static int query_emit(void *ctx, bool colocated, const char *tok, size_t n, int start, int end)
{
	query_ctx *q = ctx;
	int rc;

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
	rc = q->nterms++ ? ra_buf_puts(q->out, " OR ") : 0;
	rc = rc ? rc : ra_buf_putc(q->out, '"');
	for (size_t i = 0; !rc && i < n; i++)
		rc = tok[i] == '"' ? ra_buf_puts(q->out, "\"\"") : ra_buf_putc(q->out, tok[i]);
	return rc ? rc : ra_buf_putc(q->out, '"');
}

static int fts_query(char **out, const char *text, bool whole_only)
{
	ra_buf b;
	query_ctx *q = ra_calloc(1, sizeof(*q));
	scanner sc = {query_emit, q, false, whole_only};
	int rc;

	if (!q)
		return RA_ENOMEM;
	ra_buf_init(&b, 0);
	q->out = &b;
	rc = text ? scan(&sc, text, strlen(text)) : 0;
	if (!rc && q->nterms == 0)
		rc = ra_error_set(RA_ENOTFOUND, "no search term in the query");
	if (!rc) {
		*out = ra_buf_detach(&b);
		rc = *out ? RA_OK : RA_ENOMEM;
	}
	ra_buf_free(&b);
	ra_free(q);
	return rc;
}

int ra_fts_query(char **out, const char *text)
{
	return fts_query(out, text, false);
}

int ra_fts_query_idents(char **out, const char *text)
{
	return fts_query(out, text, true);
}
